"""Ordering: sort, argsort, topk, median (of everything, or (values, indices) along a dim) and
unique. Values are differentiable (the gradient goes back where each value came from); indices,
inverse and counts are int64 and never require grad."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, on_grid, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])

ORDERINGS = [  # name, fn(lib, x, dim, flag, k) for both libraries
    ("sort", lambda lib, x, d, f, k: x.sort(d, descending=f)),
    ("sort function", lambda lib, x, d, f, k: lib.sort(x, dim=d, descending=f, stable=True)),
    ("sort values", lambda lib, x, d, f, k: lib.sort(x, d).values),
    ("sort of a transposed view", lambda lib, x, d, f, k: (x.mT if x.ndim > 1 else x).sort(d)),
    ("argsort", lambda lib, x, d, f, k: x.argsort(d, descending=f)),
    ("argsort function", lambda lib, x, d, f, k: lib.argsort(x, dim=d, stable=True)),
    ("topk", lambda lib, x, d, f, k: x.topk(k, d)),
    ("topk smallest", lambda lib, x, d, f, k: lib.topk(x, k, dim=d, largest=False)),
    ("topk values", lambda lib, x, d, f, k: x.topk(k, dim=d, largest=f).values),
    ("median", lambda lib, x, d, f, k: x.median()),
    ("median function", lambda lib, x, d, f, k: lib.median(x)),
    ("median dim", lambda lib, x, d, f, k: x.median(d, keepdim=f)),
    ("median dim values", lambda lib, x, d, f, k: lib.median(x, dim=d).values),
]
DIFFERENTIABLE = [o for o in ORDERINGS if not o[0].startswith("argsort")]
# with ties the order is PyTorch's only where it is stable (sort, argsort), or where ties share
# the gradient (the median of everything)
WITH_TIES = [o for o in ORDERINGS if o[0].startswith(("sort", "argsort")) or o[0].startswith(
    "median") and "dim" not in o[0]]


def _draw(data, dtype, requires_grad=False, ties=False):
    """A tensor (distinct elements on a grid, or only -1, 0, 1 for ``ties``), a dim, a flag and
    a k in [0, n]."""
    elements = on_grid(-1, 1, 1.0) if ties else on_grid(-4, 4, 0.25)
    x = data.draw(tensors(dtype=dtype, elements=elements, unique=not ties, max_dims=3,
                          requires_grad=requires_grad))
    n = max(x.ndim, 1)
    dim = data.draw(st.integers(-n, n - 1))
    k = data.draw(st.integers(0, x.shape[dim] if x.ndim else 1))
    return x, dim, data.draw(st.booleans()), k


@pytest.mark.parametrize("name, fn", DIFFERENTIABLE)
@settings(max_examples=12)  # each example checks every second derivative
@given(data=st.data())
def test_ordering_gradcheck_and_gradgradcheck(name, fn, data):
    x, dim, flag, k = _draw(data, nx.float64, requires_grad=True)
    assert nx.gradcheck(lambda a: fn(nx, a, dim, flag, k), (x,))
    assert nx.gradgradcheck(lambda a: fn(nx, a, dim, flag, k), (x,))


@pytest.mark.parametrize("name, fn", ORDERINGS)
@settings(max_examples=15)  # second derivatives on both sides
@given(data=st.data())
def test_ordering_matches_torch(name, fn, data):
    torch = pytest.importorskip("torch")
    x, dim, flag, k = _draw(data, data.draw(FLOATS))
    assert_matches(torch, lambda lib, a: fn(lib, a, dim, flag, k), x.numpy(), second_order=True)


@pytest.mark.parametrize("name, fn", WITH_TIES)
@settings(max_examples=15)  # second derivatives on both sides
@given(data=st.data())
def test_ordering_with_ties_matches_torch(name, fn, data):
    torch = pytest.importorskip("torch")
    x, dim, flag, k = _draw(data, data.draw(FLOATS), ties=True)
    assert_matches(torch, lambda lib, a: fn(lib, a, dim, flag, k), x.numpy(), second_order=True)


@pytest.mark.parametrize("name, fn", ORDERINGS)
@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_integer_orderings_match_torch(name, fn, dtype):
    torch = pytest.importorskip("torch")
    x = np.array([[3, 1, 2, 1], [0, 5, 5, 2]], dtype)
    assert_matches(torch, lambda lib, a: fn(lib, a, 1, True, 2), x)


@pytest.mark.parametrize("name, fn", [o for o in ORDERINGS if o[0] != "median dim values"])
@pytest.mark.parametrize("shape, dim", [((0,), 0), ((0, 3), 1), ((2, 0), 0), ((2, 0), 1)])
def test_ordering_of_empty_tensors_matches_torch(name, fn, shape, dim):
    torch = pytest.importorskip("torch")
    if name.startswith("median dim") and shape[dim] == 0:
        return  # refused, see test_median_along_an_empty_dim_is_refused
    assert_matches(torch, lambda lib, a: fn(lib, a, dim, False, 0), np.ones(shape),
                   second_order=True)


@pytest.mark.parametrize("name, fn", ORDERINGS)
def test_nan_orders_as_the_largest_value_as_in_torch(name, fn):
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, np.nan, -np.inf, 3.0], [2.0, 0.5, np.inf, -1.0]])
    for flag in (False, True):
        assert_matches(torch, lambda lib, a: fn(lib, a, -1, flag, 3), x, grad=False)


@pytest.mark.parametrize("name, fn", ORDERINGS)
def test_a_0d_tensor_is_its_own_order(name, fn):
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, a: fn(lib, a, 0, True, 1), np.array(2.5),
                   second_order=True)


def test_results_are_namedtuples_with_int64_indices_that_never_require_grad():
    x = nx.tensor([[3.0, 1.0, 2.0]], requires_grad=True)
    for result in (x.sort(), x.topk(2), x.median(1), nx.sort(x, descending=True)):
        values, indices = result
        assert result.values is values and result.indices is indices
        assert indices.dtype == nx.int64 and not indices.requires_grad and values.requires_grad
    assert x.argsort().dtype == nx.int64 and not x.argsort().requires_grad


def test_median_is_the_lower_median_and_shares_ties():
    x = nx.tensor([4.0, 2.0, 1.0, 2.0, 9.0, 2.0], requires_grad=True)
    median = x.median()
    median.backward()
    assert median.item() == 2.0
    np.testing.assert_allclose(x.grad.numpy(), [0, 1 / 3, 0, 1 / 3, 0, 1 / 3])
    assert nx.tensor([1.0, 4.0, 2.0, 3.0]).median().item() == 2.0  # no averaging


def test_median_along_an_empty_dim_is_refused():
    with pytest.raises(IndexError, match=r"median: cannot take the median along dim 0 of "
                                         r"length 0 \(input of shape \(0, 3\)\)"):
        nx.ones(0, 3).median(0)


def test_topk_k_out_of_range_names_the_op_and_shape():
    with pytest.raises(RuntimeError, match=r"topk: k=4 is out of range for dim -1 of size 3 "
                                           r"\(input of shape \(2, 3\)\)"):
        nx.ones(2, 3).topk(4)


UNIQUE = [  # fn(lib, x)
    lambda lib, x: lib.unique(x),
    lambda lib, x: x.unique(return_inverse=True),
    lambda lib, x: lib.unique(x, return_counts=True),
    lambda lib, x: lib.unique(x, sorted=True, return_inverse=True, return_counts=True),
    lambda lib, x: lib.unique(x, return_inverse=True, return_counts=True, dim=0),
    lambda lib, x: x.unique(return_inverse=True, dim=-1),
]


@pytest.mark.parametrize("fn", UNIQUE)
@given(data=st.data())
def test_unique_matches_torch(fn, data):
    torch = pytest.importorskip("torch")
    dtype = data.draw(st.sampled_from([nx.float32, nx.float64, nx.int64, nx.int32]))
    x = data.draw(tensors(dtype=dtype, elements=on_grid(-1, 1, 1.0), min_dims=1, max_dims=3))
    assert_matches(torch, fn, x.numpy(), grad=False)


def test_unique_counts_nan_as_distinct_and_never_requires_grad():
    torch = pytest.importorskip("torch")
    x = np.array([np.nan, 1.0, np.nan, 1.0])
    assert_matches(torch, lambda lib, a: lib.unique(a, return_counts=True), x, grad=False)
    values, inverse = nx.unique(nx.tensor(x, requires_grad=True), return_inverse=True)
    assert not values.requires_grad and inverse.dtype == nx.int64


@pytest.mark.parametrize("op", ["sort", "argsort", "topk", "median"])
def test_dim_out_of_range_names_the_op(op):
    args = (1,) if op == "topk" else ()
    with pytest.raises(IndexError, match=f"{op}: dim 2 is out of range for a tensor of 2 dim"):
        getattr(nx.ones(2, 3), op)(*args, dim=2)
