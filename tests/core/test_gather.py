"""Indexing along a dim and by masks: gather, scatter (src or value), scatter_add, index_select,
take_along_dim, masked_fill, masked_select, and the in-place scatter_, scatter_add_ and
masked_fill_. Repeated indices add their gradients (gather's backward is a scatter-add, whose
backward is a gather)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, broadcastable_shape_pairs, shapes

FLOATS = st.sampled_from([np.float32, np.float64])


@st.composite
def _along_dim(draw, unique=False):
    """(x, dim, index, src) as gather and scatter take them: an index no larger than x apart
    from ``dim`` (and no larger than src), with positions along ``dim`` (each at most once per
    slice when ``unique``, so that scatter's writes do not overlap)."""
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=4))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    axis, n = dim % len(shape), shape[dim]
    index_shape = tuple(draw(st.integers(0, n if unique else 5)) if d == axis else
                        draw(st.integers(1, side)) for d, side in enumerate(shape))
    src_shape = tuple(side + draw(st.integers(0, 1)) for side in index_shape)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if unique:  # the first positions of a random permutation of each slice
        full = index_shape[:axis] + (n,) + index_shape[axis + 1:]
        index = np.argsort(rng.random(full), axis=axis).take(range(index_shape[axis]), axis)
    else:
        index = rng.integers(0, n, index_shape)
    dtype = draw(FLOATS)
    return (rng.standard_normal(shape).astype(dtype), dim, index.astype(np.int64),
            rng.standard_normal(src_shape).astype(dtype))


ALONG_DIM = [  # name, fn(lib, x, dim, index, src), whether the index must not repeat
    ("gather", lambda lib, x, d, i, s: x.gather(d, i), False),
    ("gather function", lambda lib, x, d, i, s: lib.gather(x, d, i), False),
    ("scatter_add", lambda lib, x, d, i, s: x.scatter_add(d, i, s), False),
    ("scatter_add function", lambda lib, x, d, i, s: lib.scatter_add(x, d, i, s), False),
    ("scatter", lambda lib, x, d, i, s: x.scatter(d, i, s), True),
    ("scatter function", lambda lib, x, d, i, s: lib.scatter(x, d, i, s), True),
    ("scatter value", lambda lib, x, d, i, s: x.scatter(d, i, 2.5), False),
    ("scatter value keyword", lambda lib, x, d, i, s: lib.scatter(x, d, i, value=-1.0), False),
]


@pytest.mark.parametrize("name, fn, unique", ALONG_DIM)
@settings(max_examples=12)  # each example checks every second derivative
@given(data=st.data())
def test_along_dim_gradcheck_and_gradgradcheck(name, fn, unique, data):
    x, dim, index, src = data.draw(_along_dim(unique))
    x, src = (nx.tensor(a.astype(np.float64), requires_grad=True) for a in (x, src))
    index = nx.tensor(index)
    assert nx.gradcheck(lambda a, s: fn(nx, a, dim, index, s), (x, src))
    assert nx.gradgradcheck(lambda a, s: fn(nx, a, dim, index, s), (x, src))


@pytest.mark.parametrize("name, fn, unique", ALONG_DIM)
@settings(max_examples=15)  # second derivatives on both sides
@given(data=st.data())
def test_along_dim_matches_torch(name, fn, unique, data):
    """Index shapes smaller than the input (and than src), empty ones and repeats included."""
    torch = pytest.importorskip("torch")
    x, dim, index, src = data.draw(_along_dim(unique))
    src = src[tuple(slice(0, n) for n in index.shape)]  # PyTorch's src gradient needs its shape
    assert_matches(torch, lambda lib, a, i, s: fn(lib, a, dim, i, s), x, index, src,
                   second_order=True)


@pytest.mark.filterwarnings("ignore:The reduce argument of torch.scatter")
@pytest.mark.parametrize("reduce", ["add", "multiply"])
@given(data=st.data())
def test_scatter_reduce_matches_torch(reduce, data):
    torch = pytest.importorskip("torch")
    x, dim, index, src = data.draw(_along_dim())
    x, src = (np.round(a * 4).astype(np.int64) for a in (x, src))  # integers: no gradient
    assert_matches(torch, lambda lib, a, i, s: a.scatter(dim, i, s, reduce=reduce), x, index,
                   src)


def test_scatter_add_is_the_gradient_of_gather_and_repeats_add_up():
    x = nx.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    x.gather(1, nx.tensor([[2, 2, 0, 2]])).sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 3.0]]
    out = nx.zeros(3).scatter_add(0, nx.tensor([0, 0, 2]), nx.ones(3))
    assert out.tolist() == [2.0, 0.0, 1.0]


def test_scatter_with_src_larger_than_index_gives_src_a_gradient_of_its_shape():
    src = nx.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    out = nx.zeros(2, 2).scatter(1, nx.tensor([[1, 0]]), src)
    assert out.tolist() == [[2.0, 1.0], [0.0, 0.0]]
    out.sum().backward()
    assert src.grad.tolist() == [[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]


INDEXING = [  # name, fn(lib, x)
    ("index_select", lambda lib, x: x.index_select(1, lib.tensor([2, 0, 2]))),
    ("index_select function", lambda lib, x: lib.index_select(x, -1, lib.tensor([1]))),
    ("index_select 0-d index", lambda lib, x: x.index_select(0, lib.tensor(1))),
    ("index_select empty index", lambda lib, x: x.index_select(0, lib.tensor([], dtype=lib.int64))),
    ("take_along_dim", lambda lib, x: x.take_along_dim(lib.tensor([[0, 2], [1, 1]]), 1)),
    ("take_along_dim broadcast", lambda lib, x: lib.take_along_dim(x, lib.tensor([[2]]), dim=1)),
    ("take_along_dim negative", lambda lib, x: x.take_along_dim(lib.tensor([[-1], [-3]]), 1)),
    ("take_along_dim of argsort", lambda lib, x: x.take_along_dim(x.argsort(0), 0)),
    ("take_along_dim flat", lambda lib, x: lib.take_along_dim(x, lib.tensor([[5, 0], [3, 0]]))),
    ("masked_fill", lambda lib, x: x.masked_fill(x > 0, 0.5)),
    ("masked_fill function", lambda lib, x: lib.masked_fill(x, lib.tensor([True, False, True]),
                                                            -2)),
    ("masked_fill broadcast up", lambda lib, x: x.masked_fill(lib.ones(2, 2, 3) > 0, 1.0)),
    ("masked_select", lambda lib, x: x.masked_select(x < 0)),
    ("masked_select broadcast", lambda lib, x: lib.masked_select(x[:1], x > 0)),
    ("masked_select row mask", lambda lib, x: x.masked_select(lib.tensor([[False], [True]]))),
    ("gather of a transposed view", lambda lib, x: x.mT.gather(0, lib.tensor([[1, 0], [0, 0]]))),
    ("scatter into a transposed view", lambda lib, x: x.mT.scatter(1, lib.tensor([[1], [0]]),
                                                                   x[:, :1])),
    ("scatter_add of a transposed src", lambda lib, x: x.scatter_add(
        0, lib.tensor([[1, 1], [0, 1], [1, 0]]), x.mT)),
]


@pytest.mark.parametrize("name, fn", INDEXING)
@settings(max_examples=12)  # each example checks every second derivative
@given(x=st.integers(0, 2**32 - 1).map(
    lambda seed: np.random.default_rng(seed).standard_normal((2, 3))))
def test_indexing_gradcheck_and_gradgradcheck(name, fn, x):
    x = nx.tensor(x, requires_grad=True)
    assert nx.gradcheck(lambda a: fn(nx, a), (x,))
    assert nx.gradgradcheck(lambda a: fn(nx, a), (x,))


@pytest.mark.parametrize("name, fn", INDEXING)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_indexing_matches_torch(name, fn, dtype):
    torch = pytest.importorskip("torch")
    x = np.array([[1.5, -2.0, 0.5], [-0.25, 3.0, -1.0]]).astype(dtype)
    assert_matches(torch, fn, x, second_order=True)


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.gather(0, lib.tensor(0)),
    lambda lib, x: lib.gather(x, -1, lib.tensor([0, 0])),
    lambda lib, x: x.scatter(0, lib.tensor(0), x * 2),
    lambda lib, x: x.scatter_add(0, lib.tensor([0, 0]), lib.stack([x, x])),
    lambda lib, x: x.index_select(0, lib.tensor([0])),
    lambda lib, x: x.take_along_dim(lib.tensor([0, 0])),
    lambda lib, x: x.masked_fill(lib.tensor(True), 0.0),
    lambda lib, x: x.masked_select(lib.tensor([True, False])),
])
def test_0d_tensors_act_as_1d_of_length_1_as_in_torch(fn):
    torch = pytest.importorskip("torch")
    assert_matches(torch, fn, np.array(1.5), second_order=True)


@given(data=st.data())
def test_masked_ops_match_torch_on_broadcast_shapes(data):
    torch = pytest.importorskip("torch")
    x_shape, mask_shape = data.draw(broadcastable_shape_pairs(max_dims=3))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x, mask = rng.standard_normal(x_shape), rng.random(mask_shape) > 0.5
    value = np.array(data.draw(st.floats(-3, 3)))  # a 0-d tensor: differentiable too
    assert_matches(torch, lambda lib, a, m, v: a.masked_fill(m, v), x, mask, value,
                   second_order=True)
    assert_matches(torch, lambda lib, a, m: lib.masked_select(a, m), x, mask, second_order=True)


@pytest.mark.parametrize("op", ["scatter_", "scatter_add_", "masked_fill_"])
def test_in_place_forms_match_torch(op):
    """Under no_grad (written into the array) and recorded on a non-leaf, as PyTorch."""
    torch = pytest.importorskip("torch")
    index, src = np.array([[2, 0, 1]]), np.array([[7.0, 8.0, 9.0]])
    calls = {"scatter_": lambda y, i, s: y.scatter_(1, i, s),
             "scatter_add_": lambda y, i, s: y.scatter_add_(1, i, s),
             "masked_fill_": lambda y, i, s: y.masked_fill_(y > 0, s.sum())}

    def fn(lib, x, i, s):
        y = x * 1  # a non-leaf: the update is recorded in the graph
        assert calls[op](y, i, s) is y
        return y

    x = np.array([[1.0, -2.0, 3.0], [4.0, -5.0, 6.0]])
    assert_matches(torch, fn, x, index, src, second_order=True)
    ours = nx.tensor(x, requires_grad=True)
    with nx.no_grad():
        assert calls[op](ours, nx.tensor(index), nx.tensor(src)) is ours
    theirs = torch.tensor(x)
    calls[op](theirs, torch.tensor(index), torch.tensor(src))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours.requires_grad and ours.is_leaf


def test_in_place_update_of_a_leaf_that_requires_grad_is_refused():
    x = nx.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="scatter_: a leaf tensor that requires grad"):
        x.scatter_(0, nx.tensor([1]), 1.0)


def test_masked_fill_in_place_refuses_a_mask_larger_than_the_tensor():
    with pytest.raises(ValueError, match=r"masked_fill_: the result has shape \(2, 3\), which "
                                         r"cannot be stored in place in a tensor of shape \(3,\)"):
        nx.zeros(3).masked_fill_(nx.ones(2, 3) > 0, 1.0)


ERRORS = [  # call, error, message
    (lambda: nx.ones(2, 3).gather(1, nx.tensor([0, 1])), RuntimeError,
     r"gather: index of shape \(2,\) must have as many dimensions as the input of shape \(2, 3\)"),
    (lambda: nx.ones(2, 3).gather(1, nx.zeros(3, 1, dtype=nx.int64)), RuntimeError,
     r"gather: index of shape \(3, 1\) is larger than the input of shape \(2, 3\) apart from "
     r"dim 1"),
    (lambda: nx.ones(2, 3).gather(1, nx.tensor([[3]])), IndexError,
     r"gather: index 3 is out of range for dim 1 of size 3 \(input of shape \(2, 3\)\)"),
    (lambda: nx.ones(2, 3).gather(1, nx.tensor([[-1]])), IndexError,
     r"gather: index -1 is out of range for dim 1 of size 3"),
    (lambda: nx.ones(2, 3).gather(1, nx.tensor([[0.0]])), TypeError,
     "gather: index must be an integer tensor, got dtype float32"),
    (lambda: nx.ones(2, 3).scatter(0, nx.tensor([[0, 1]]), nx.ones(1, 2, dtype=nx.float64)),
     TypeError, "scatter: src has dtype float64, the input float32; they must be equal"),
    (lambda: nx.ones(2, 3).scatter_add(0, nx.tensor([[0, 1]]), nx.ones(1, 1)), RuntimeError,
     r"scatter_add: index of shape \(1, 2\) is larger than src of shape \(1, 1\)"),
    (lambda: nx.ones(2, 3).scatter(0, nx.tensor([[0]])), TypeError,
     "scatter: give exactly one of src"),
    (lambda: nx.ones(2, 3).scatter(0, nx.tensor([[0]]), 1.0, reduce="max"), ValueError,
     "scatter: reduce must be None, 'add' or 'multiply', got 'max'"),
    (lambda: nx.ones(2, requires_grad=True).scatter(0, nx.tensor([0]), 2.0, reduce="multiply"),
     RuntimeError, "scatter: reduce='multiply' has no gradient"),
    (lambda: nx.ones(2, 3).index_select(0, nx.tensor([[0]])), IndexError,
     r"index_select: index must be 0-d or 1-d, got shape \(1, 1\)"),
    (lambda: nx.ones(2, 3).index_select(0, nx.tensor([2])), IndexError,
     r"index_select: index 2 is out of range for dim 0 of size 2"),
    (lambda: nx.ones(2, 3).take_along_dim(nx.tensor([0]), 1), RuntimeError,
     r"take_along_dim: indices of shape \(1,\) must have as many dimensions as the input"),
    (lambda: nx.ones(2, 3).take_along_dim(nx.tensor([[3]]), 1), IndexError,
     r"take_along_dim: index 3 is out of range for dim 1 of size 3"),
    (lambda: nx.ones(2, 3).take_along_dim(nx.zeros(3, 1, dtype=nx.int64), 1), ValueError,
     r"take_along_dim: shapes \(2, 1\), \(3, 1\) cannot be broadcast together"),
    (lambda: nx.ones(2, 3).masked_fill(nx.ones(2, 3), 0.0), TypeError,
     "masked_fill: mask must be a bool tensor, got dtype float32"),
    (lambda: nx.ones(2, 3).masked_fill(nx.ones(3) > 0, nx.ones(2)), ValueError,
     r"masked_fill: value must be a number or a 0-d tensor, got a tensor of shape \(2,\)"),
    (lambda: nx.ones(2, 3).masked_select(nx.ones(2) > 0), ValueError,
     r"masked_select: shapes \(2, 3\), \(2,\) cannot be broadcast together"),
]


@pytest.mark.parametrize("call, error, message", ERRORS)
def test_errors_name_the_op_and_shapes(call, error, message):
    with pytest.raises(error, match=message):
        call()
