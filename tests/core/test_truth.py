"""Truth tests: all, any, count_nonzero, nonzero and where(condition) with one argument. They
have no gradient: bool or int64 results that never require grad."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, on_grid, tensors

DTYPES = st.sampled_from([nx.float32, nx.float64, nx.int64, nx.int32, nx.bool_])

TRUTHS = [  # name, fn(lib, x, dim, keepdim), which dims: "all" (None), "int", "tuple"
    ("all", lambda lib, x, d, k: x.all(), "all"),
    ("all function", lambda lib, x, d, k: lib.all(x), "all"),
    ("all dim", lambda lib, x, d, k: x.all(dim=d, keepdim=k), "int"),
    ("all dims", lambda lib, x, d, k: lib.all(x, d, keepdim=k), "tuple"),
    ("any", lambda lib, x, d, k: x.any(), "all"),
    ("any dim", lambda lib, x, d, k: lib.any(x, dim=d, keepdim=k), "int"),
    ("any dims", lambda lib, x, d, k: x.any(d, k), "tuple"),
    ("count_nonzero", lambda lib, x, d, k: lib.count_nonzero(x), "all"),
    ("count_nonzero dim", lambda lib, x, d, k: x.count_nonzero(dim=d), "int"),
    ("count_nonzero dims", lambda lib, x, d, k: lib.count_nonzero(x, dim=d), "tuple"),
    ("nonzero", lambda lib, x, d, k: lib.nonzero(x), "all"),
    ("nonzero as_tuple", lambda lib, x, d, k: x.nonzero(as_tuple=True), "all"),
    ("where(condition)", lambda lib, x, d, k: lib.where(x != 0), "all"),
    ("all of a transposed view", lambda lib, x, d, k: (x.mT if x.ndim > 1 else x).all(d), "int"),
]


@st.composite
def _dims(draw, ndim, which):
    n = max(ndim, 1)
    if which == "all":
        return None
    if which == "int":
        return draw(st.integers(-n, n - 1))
    return tuple(draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n)))


@pytest.mark.parametrize("name, fn, which", TRUTHS)
@given(data=st.data())
def test_truth_matches_torch(name, fn, which, data):
    torch = pytest.importorskip("torch")
    # a few distinct values, 0 among them: every slice may be all-true, all-false or mixed
    x = data.draw(tensors(dtype=data.draw(DTYPES), elements=on_grid(-1, 1, 1.0), max_dims=3))
    dim, keepdim = data.draw(_dims(x.ndim, which)), data.draw(st.booleans())
    assert_matches(torch, lambda lib, a: fn(lib, a, dim, keepdim), x.numpy())


@pytest.mark.parametrize("name, fn, which", TRUTHS)
@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0)])
def test_truth_of_empty_tensors_matches_torch(name, fn, which, shape):
    torch = pytest.importorskip("torch")
    dim = None if which == "all" else 1 if which == "int" else (0, 1)
    if len(shape) == 1 and dim is not None:
        dim = 0 if which == "int" else (0,)
    assert_matches(torch, lambda lib, a: fn(lib, a, dim, False), np.ones(shape))


@pytest.mark.parametrize("name, fn, which", TRUTHS)
def test_results_never_require_grad(name, fn, which):
    x = nx.tensor([[0.0, 1.5], [2.0, 0.0]], requires_grad=True)
    out = fn(nx, x, None if which == "all" else 0 if which == "int" else (0,), False)
    for t in out if isinstance(out, tuple) else (out,):
        assert not t.requires_grad and t.dtype in (nx.bool_, nx.int64)


@pytest.mark.parametrize("value", [0.0, 2.5])
def test_nonzero_of_a_0d_tensor_matches_torch(value):
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, a: lib.nonzero(a), np.array(value))
    assert_matches(torch, lambda lib, a: lib.nonzero(a, as_tuple=True), np.array(value))


def test_an_empty_tuple_of_dims_as_torch():
    """all/any test each element for dim=(); count_nonzero counts every element."""
    torch = pytest.importorskip("torch")
    x = np.array([[0, 1], [2, 0]])
    for fn in (lambda lib, a: a.all(dim=()), lambda lib, a: a.any(dim=()),
               lambda lib, a: lib.count_nonzero(a, dim=())):
        assert_matches(torch, fn, x)


def test_nonzero_as_tuple_indexes_the_elements():
    x = nx.tensor([[0.0, 3.0], [4.0, 0.0]])
    assert x[nx.where(x != 0)].tolist() == [3.0, 4.0]


@pytest.mark.parametrize("op", ["all", "any", "count_nonzero"])
def test_dim_out_of_range_names_the_op(op):
    with pytest.raises(IndexError, match=f"{op}: dim 3 is out of range for a tensor of 2 dim"):
        getattr(nx, op)(nx.ones(2, 3), dim=3)


def test_a_non_tensor_is_refused():
    with pytest.raises(TypeError, match="nonzero: expected a Tensor, got list"):
        nx.nonzero([1, 0])
