"""Reductions: sum, mean, var, std, max/min (with and without dim), amax/amin, logsumexp,
argmax/argmin, over one dim, a list of dims, or everything."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, on_grid, ranged, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])
# which dims an op accepts
ANY, ONE, SOME, ONE_OR_NONE = "None, int or list", "int", "int or list", "None or int"

REDUCTIONS = [  # name, fn(lib, x, dim, keepdim) for both libraries, which dims
    ("sum", lambda lib, x, d, k: x.sum(dim=d, keepdim=k), ANY),
    ("sum function", lambda lib, x, d, k: lib.sum(x, d, keepdim=k), ANY),
    ("mean", lambda lib, x, d, k: x.mean(dim=d, keepdim=k), ANY),
    ("mean function", lambda lib, x, d, k: lib.mean(x, d, keepdim=k), ANY),
    ("var", lambda lib, x, d, k: x.var(dim=d, keepdim=k), ANY),
    ("var unbiased=False", lambda lib, x, d, k: x.var(d, unbiased=False, keepdim=k), ANY),
    ("var correction=0", lambda lib, x, d, k: x.var(dim=d, keepdim=k, correction=0), ANY),
    ("var correction=2", lambda lib, x, d, k: x.var(dim=d, keepdim=k, correction=2), ANY),
    ("std", lambda lib, x, d, k: x.std(dim=d, keepdim=k), ANY),
    ("std correction=0", lambda lib, x, d, k: lib.std(x, d, keepdim=k, correction=0), ANY),
    ("amax", lambda lib, x, d, k: x.amax(dim=d, keepdim=k), SOME),
    ("amin", lambda lib, x, d, k: lib.amin(x, d, keepdim=k), SOME),
    ("logsumexp", lambda lib, x, d, k: x.logsumexp(d, keepdim=k), SOME),
    ("logsumexp function", lambda lib, x, d, k: lib.logsumexp(x, d, keepdim=k), SOME),
    ("max", lambda lib, x, d, k: x.max(), None),
    ("min", lambda lib, x, d, k: lib.min(x), None),
    ("max dim", lambda lib, x, d, k: x.max(dim=d, keepdim=k), ONE),
    ("max function dim", lambda lib, x, d, k: lib.max(x, d, keepdim=k), ONE),
    ("min dim", lambda lib, x, d, k: x.min(d, keepdim=k), ONE),
    ("max dim values", lambda lib, x, d, k: x.max(d, keepdim=k).values, ONE),
    # (ties of two tensors fall off the grid _draw uses; test_arithmetic checks them)
    ("max of two tensors", lambda lib, x, d, k: lib.max(x, 1.1 - x), None),
    ("min of two tensors", lambda lib, x, d, k: x.min(x * 0.5 + 0.1), None),
    ("argmax", lambda lib, x, d, k: x.argmax(dim=d, keepdim=k), ONE_OR_NONE),
    ("argmin", lambda lib, x, d, k: lib.argmin(x, d, keepdim=k), ONE_OR_NONE),
]


@st.composite
def _dims(draw, ndim: int, which):
    """A ``dim`` argument for a tensor of ``ndim`` dimensions: None, an int (negatives too) or
    a non-empty list of distinct dims."""
    kinds = {ANY: ["none", "int", "list"], ONE: ["int"], SOME: ["int", "list"],
             ONE_OR_NONE: ["none", "int"], None: ["none"]}
    kind = draw(st.sampled_from(kinds[which]))
    if kind == "none":
        return None
    axes = st.integers(-max(ndim, 1), max(ndim, 1) - 1)
    if kind == "int":
        return draw(axes)
    picked = draw(st.lists(st.integers(0, max(ndim, 1) - 1), unique=True, min_size=1,
                           max_size=max(ndim, 1)))
    return [a - ndim if draw(st.booleans()) else a for a in picked] if ndim else picked


def _draw(data, dtype, which, requires_grad=False):
    # Distinct elements on a grid: no ties (where max's finite difference is one-sided) and no
    # near-ties; ties are checked against PyTorch separately.
    x = data.draw(tensors(dtype=dtype, elements=on_grid(-4, 4, 0.25), unique=True,
                          requires_grad=requires_grad, max_dims=3))
    return x, data.draw(_dims(x.ndim, which)), data.draw(st.booleans())


def _assume_finite(result):
    """var and std are inf or nan where n <= correction. No gradient is defined there (and
    PyTorch's backward is inconsistent), so such draws are not compared."""
    values = result[0] if isinstance(result, tuple) else result
    assume(np.isfinite(values.numpy()).all())


@pytest.mark.parametrize("name, fn, which", [r for r in REDUCTIONS if r[0][:3] != "arg"])
@given(data=st.data())
def test_reduction_gradcheck_and_gradgradcheck(name, fn, which, data):
    x, dim, keepdim = _draw(data, nx.float64, which, requires_grad=True)
    with np.errstate(all="ignore"):
        _assume_finite(fn(nx, x.detach(), dim, keepdim))
    assert nx.gradcheck(lambda a: fn(nx, a, dim, keepdim), (x,))
    assert nx.gradgradcheck(lambda a: fn(nx, a, dim, keepdim), (x,))


@pytest.mark.parametrize("name, fn, which", REDUCTIONS)
@given(data=st.data())
def test_reduction_matches_torch(name, fn, which, data):
    torch = pytest.importorskip("torch")
    x, dim, keepdim = _draw(data, data.draw(FLOATS), which)
    with np.errstate(all="ignore"):
        _assume_finite(fn(nx, x, dim, keepdim))
    assert_matches(torch, lambda lib, a: fn(lib, a, dim, keepdim), x.numpy(), second_order=True)


@pytest.mark.parametrize("name, fn, which", REDUCTIONS)
@given(data=st.data())
def test_reduction_with_ties_matches_torch(name, fn, which, data):
    """Few distinct values, so ties are common: max() and amax split the gradient evenly among
    the tied elements, max(dim) routes it to the one index it returns."""
    torch = pytest.importorskip("torch")
    x = data.draw(tensors(dtype=data.draw(FLOATS), elements=on_grid(-1, 1, 1.0), max_dims=3))
    dim, keepdim = data.draw(_dims(x.ndim, which)), data.draw(st.booleans())
    with np.errstate(all="ignore"):
        _assume_finite(fn(nx, x, dim, keepdim))
    assert_matches(torch, lambda lib, a: fn(lib, a, dim, keepdim), x.numpy(), second_order=True)


@pytest.mark.parametrize("name, fn, which", [r for r in REDUCTIONS if r[2] in (ANY, SOME)
                                              and not r[0].startswith("logsumexp")])
def test_empty_dim_list_means_every_dim(name, fn, which):
    """As in PyTorch, dim=[] reduces everything. (Only forward values are compared with torch:
    its var/std backward treats [] as reducing nothing, and its logsumexp refuses [].)"""
    torch = pytest.importorskip("torch")
    x = np.arange(6.0).reshape(2, 3) ** 1.5
    assert_matches(torch, lambda lib, a: fn(lib, a, [], False), x, grad=False)
    out = fn(nx, nx.tensor(x, requires_grad=True), [], True)
    assert out.shape == (1, 1)
    out.sum().backward()


def test_max_without_dim_splits_ties_evenly():
    x = nx.tensor([[1.0, 3.0, 3.0], [2.0, 3.0, 0.0]], requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 1 / 3, 1 / 3], [0, 1 / 3, 0]])


def test_max_with_dim_routes_ties_to_the_returned_index():
    x = nx.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    values.sum().backward()
    assert indices.tolist() == [1, 0] and indices.dtype == nx.int64
    assert x.grad.tolist() == [[0, 1, 0], [1, 0, 0]]


def test_logsumexp_is_stable_at_extremes():
    torch = pytest.importorskip("torch")
    for values in ([1000.0, 1000.0], [-1000.0, -1000.0], [1000.0, -1000.0],
                   [-np.inf, -np.inf], [0.0, -np.inf]):
        for dtype in (np.float32, np.float64):
            with np.errstate(all="ignore"):
                assert_matches(torch, lambda lib, a: a.logsumexp(0), np.array(values, dtype),
                               second_order=True)


def test_var_of_one_element_is_nan_as_in_torch():
    with np.errstate(all="ignore"):
        assert np.isnan(nx.tensor([2.0]).var().item())
        assert nx.tensor([2.0]).var(correction=0).item() == 0.0


@pytest.mark.parametrize("fn, expected", [
    (lambda x: x.sum(), 0.0), (lambda x: x.sum(0).shape, (3,)),
    (lambda x: x.mean(0).shape, (3,)), (lambda x: x.amax(1).shape, (0,)),
    (lambda x: x.logsumexp(0).tolist(), [-np.inf] * 3),  # of nothing: log 0
])
def test_empty_tensors_reduce_as_in_torch(fn, expected):
    x = nx.zeros(0, 3, requires_grad=True)
    out = fn(x)
    assert (out.item() if isinstance(out, nx.Tensor) else out) == expected


def test_mean_of_empty_is_nan_as_in_torch():
    with np.errstate(all="ignore"):
        assert np.isnan(nx.zeros(0, 3).mean().item())


@pytest.mark.parametrize("fn", [lambda x: x.max(), lambda x: x.amax(0), lambda x: x.max(0),
                                lambda x: x.argmax()])
def test_max_of_empty_raises_naming_op_and_shape(fn):
    with pytest.raises((RuntimeError, IndexError), match=r"(max|argmax).*\(0, 3\)"):
        fn(nx.zeros(0, 3))


@pytest.mark.parametrize("op, fn", [("sum", lambda x: x.sum(2)), ("mean", lambda x: x.mean(-3)),
                                    ("var", lambda x: x.var([0, 5])),
                                    ("amax", lambda x: x.amax(2)), ("max", lambda x: x.max(4)),
                                    ("logsumexp", lambda x: x.logsumexp(3)),
                                    ("argmax", lambda x: x.argmax(2))])
def test_bad_dim_names_op_and_dims(op, fn):
    with pytest.raises(IndexError) as info:
        fn(nx.ones(2, 3))
    message = str(info.value)
    assert message.startswith(f"{op}:") and "out of range" in message and "2 dimensions" in message


def test_float_dim_names_op():
    with pytest.raises(TypeError, match=r"sum: dim must be an int or a sequence of ints, got 1.0"):
        nx.ones(2, 3).sum(1.0)


def test_repeated_dim_is_an_error():
    with pytest.raises(ValueError, match=r"sum: dim \[1, -1\] repeats an axis"):
        nx.ones(2, 3).sum([1, -1])


def test_reductions_keep_float32():
    x = nx.ones(2, 3)
    for out in (x.sum(), x.mean(1), x.var(), x.std(0), x.amax(), x.logsumexp(1), x.max(0).values):
        assert out.dtype == nx.float32


def test_integer_sum_and_mean():
    x = nx.tensor([[1, 2], [3, 4]])
    assert x.sum().dtype == nx.int64 and x.sum().item() == 10
    # PyTorch refuses the mean of integers (which dtype would it be?) unless dtype= says
    with pytest.raises(RuntimeError, match=r"mean: .*shape \(2, 2\).* dtype int64"):
        x.mean()
    with pytest.raises(RuntimeError, match="mean: .*must be a floating dtype, got int64"):
        x.mean(dtype=nx.int64)
    assert x.mean(dtype=nx.float32).dtype == nx.float32 and x.mean(dtype=nx.float32).item() == 2.5
