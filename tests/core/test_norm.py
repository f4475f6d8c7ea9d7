"""Norms: nx.linalg.vector_norm (every ord), nx.linalg.matrix_norm ("fro", 1, -1, inf, -inf),
nx.linalg.norm, and nx.norm / Tensor.norm, with PyTorch's subgradient where the norm or an
element is 0."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.linalg import matrix_norm, vector_norm
from neurenix.testing import assert_matches, shapes

FLOATS = st.sampled_from([nx.float32, nx.float64])
INF = math.inf
VECTOR_ORDS = [2, 1, INF, -INF, 0, 3, 1.5, 0.5, -1, -2.5]
MATRIX_ORDS = ["fro", 1, -1, INF, -INF]


@st.composite
def _arrays(draw, dtype, min_dims=0, max_dims=3):
    """Elements of distinct magnitudes (so inf and -inf have no ties) away from 0 (where |x| has
    its kink), with random signs."""
    shape = draw(shapes(min_dims, max_dims, 1, 3))
    n = int(np.prod(shape))
    magnitudes = draw(st.lists(st.integers(1, 40), min_size=n, max_size=n, unique=True))
    signs = draw(st.lists(st.sampled_from([-1, 1]), min_size=n, max_size=n))
    return (np.array(magnitudes) * np.array(signs) * 0.125).reshape(shape).astype(dtype)


@st.composite
def _dims(draw, ndim):
    """None, an int or a tuple of distinct dims (negatives too)."""
    n = max(ndim, 1)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-n, n - 1))
    return tuple(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=n,
                               unique_by=lambda d: d % n)))


def _vector(ord, dim, keepdim):
    return lambda lib, x: lib.linalg.vector_norm(x, ord, dim, keepdim)


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@settings(max_examples=12)  # each example checks every second derivative
@given(data=st.data())
def test_vector_norm_gradcheck_and_gradgradcheck(ord, data):
    x = nx.tensor(data.draw(_arrays(np.float64)), requires_grad=True)
    dim, keepdim = data.draw(_dims(x.ndim)), data.draw(st.booleans())
    fn = _vector(ord, dim, keepdim)
    assert nx.gradcheck(lambda a: fn(nx, a), (x,))
    assert nx.gradgradcheck(lambda a: fn(nx, a), (x,))


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@settings(max_examples=15)  # second derivatives on both sides
@given(data=st.data())
def test_vector_norm_matches_torch(ord, data):
    torch = pytest.importorskip("torch")
    x = data.draw(_arrays(data.draw(FLOATS)))
    dim, keepdim = data.draw(_dims(x.ndim)), data.draw(st.booleans())
    assert_matches(torch, _vector(ord, dim, keepdim), x, second_order=True)
    if x.ndim >= 2:  # on a non-contiguous view
        assert_matches(torch, lambda lib, a: _vector(ord, dim, keepdim)(lib, a.mT), x,
                       second_order=True)


NORMS = [  # name, fn(lib, x, dim, keepdim)
    ("norm", lambda lib, x, d, k: x.norm()),
    ("norm function", lambda lib, x, d, k: lib.norm(x, dim=d, keepdim=k)),
    ("norm fro", lambda lib, x, d, k: x.norm("fro", d if not isinstance(d, tuple) else d[:2], k)),
    ("norm p=1", lambda lib, x, d, k: x.norm(1, d, k)),
    ("norm p=inf", lambda lib, x, d, k: lib.norm(x, p=INF, dim=d, keepdim=k)),
    ("norm p=3", lambda lib, x, d, k: x.norm(p=3, dim=d, keepdim=k)),
    ("norm p=None", lambda lib, x, d, k: lib.norm(x, None, d, k)),
    ("linalg.norm", lambda lib, x, d, k: lib.linalg.norm(x, dim=d, keepdim=k)),
]


@pytest.mark.parametrize("name, fn", NORMS)
@settings(max_examples=15)  # second derivatives on both sides
@given(data=st.data())
def test_norm_matches_torch(name, fn, data):
    torch = pytest.importorskip("torch")
    x = data.draw(_arrays(data.draw(FLOATS), max_dims=2))
    dim, keepdim = data.draw(_dims(x.ndim)), data.draw(st.booleans())
    assert_matches(torch, lambda lib, a: fn(lib, a, dim, keepdim), x, second_order=True)


@st.composite
def _matrix_dims(draw, ndim):
    dims = draw(st.permutations(range(ndim)))[:2]
    return tuple(d - ndim if draw(st.booleans()) else d for d in dims)


def _matrix(ord, dim, keepdim):
    return lambda lib, x: lib.linalg.matrix_norm(x, ord, dim, keepdim)


def _tied_sums(x: np.ndarray, dim: tuple) -> bool:
    """Whether two row sums or two column sums of |x| in a matrix are within 0.01: a max over
    them would then be a kink inside the finite difference."""
    for summed, compared in (dim, dim[::-1]):
        sums = np.sort(np.abs(x).sum(axis=summed, keepdims=True), axis=compared)
        if sums.shape[compared] > 1 and np.diff(sums, axis=compared).min() < 0.01:
            return True
    return False


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@settings(max_examples=12)  # each example checks every second derivative
@given(data=st.data())
def test_matrix_norm_gradcheck_and_gradgradcheck(ord, data):
    x = nx.tensor(data.draw(_arrays(np.float64, min_dims=2)), requires_grad=True)
    dim, keepdim = data.draw(_matrix_dims(x.ndim)), data.draw(st.booleans())
    assume(not _tied_sums(x.numpy(), dim))
    fn = _matrix(ord, dim, keepdim)
    assert nx.gradcheck(lambda a: fn(nx, a), (x,))
    assert nx.gradgradcheck(lambda a: fn(nx, a), (x,))


@pytest.mark.parametrize("ord", MATRIX_ORDS)
@settings(max_examples=15)  # second derivatives on both sides
@given(data=st.data())
def test_matrix_norm_matches_torch(ord, data):
    """Tied row or column sums included: the max shares the gradient evenly in both."""
    torch = pytest.importorskip("torch")
    x = data.draw(_arrays(data.draw(FLOATS), min_dims=2))
    dim, keepdim = data.draw(_matrix_dims(x.ndim)), data.draw(st.booleans())
    assert_matches(torch, _matrix(ord, dim, keepdim), x, second_order=True)
    assert_matches(torch, lambda lib, a: lib.linalg.matrix_norm(a, ord), x, second_order=True)


@pytest.mark.parametrize("ord", [None, 2, 1, INF, "fro", -INF])
def test_linalg_norm_picks_vector_or_matrix_norms_as_torch(ord):
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, -2.0, 3.5], [0.5, 4.0, -1.0]])
    if ord != "fro":
        assert_matches(torch, lambda lib, a: lib.linalg.norm(a[0], ord), x, second_order=True)
        assert_matches(torch, lambda lib, a: lib.linalg.norm(a, ord, dim=1), x,
                       second_order=True)
    if ord != 2:
        assert_matches(torch, lambda lib, a: lib.linalg.norm(a, ord), x, second_order=True)
        assert_matches(torch, lambda lib, a: lib.linalg.norm(a, ord, (1, 0), True), x,
                       second_order=True)


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@pytest.mark.parametrize("values", [[0.0, 2.0, -1.0], [-0.5, 0.0]])
def test_subgradient_at_zero_elements_is_torchs(ord, values):
    """The gradient at an element that is 0 is 0 for ord < 1 (and ord 1: sign(0) = 0), as
    PyTorch's; second derivatives too, where PyTorch's are finite."""
    torch = pytest.importorskip("torch")
    second = ord in (2, 3, 1, INF, -INF, 0)
    assert_matches(torch, _vector(ord, None, False), np.array(values), second_order=second)


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@pytest.mark.parametrize("shape", [(3,), (1,), ()])
def test_subgradient_where_the_norm_is_zero_is_torchs(ord, shape):
    """At x = 0 the gradient is 0, as PyTorch's. For ord 2 and 3 so is the second derivative,
    where PyTorch's is NaN (for 1 < ord < 2 |x|^(ord-1) has no derivative at 0: NaN in both)."""
    torch = pytest.importorskip("torch")
    assert_matches(torch, _vector(ord, None, False), np.zeros(shape))
    x = nx.zeros(shape, dtype=nx.float64, requires_grad=True)
    (grad,) = nx.autograd.grad(vector_norm(x, ord), x, create_graph=True)
    if ord in (2, 3, 1, INF, -INF, 0) and grad.requires_grad:
        (second,) = nx.autograd.grad(grad.sum(), x)
        assert not second.numpy().any()


@pytest.mark.parametrize("ord", [2, 1, 0, 0.5])
@pytest.mark.parametrize("shape, dim", [((0,), None), ((0, 3), 0), ((2, 0), 1), ((2, 0), 0)])
def test_norm_of_no_elements_matches_torch(ord, shape, dim):
    torch = pytest.importorskip("torch")
    assert_matches(torch, _vector(ord, dim, False), np.ones(shape), second_order=True)


@pytest.mark.parametrize("ord", [INF, -INF, -1])
def test_norm_of_no_elements_without_a_value_is_refused(ord):
    with pytest.raises(RuntimeError, match=r"linalg.vector_norm: the .* norm of no elements "
                                           r"has no value; the tensor has shape \(2, 0\)"):
        vector_norm(nx.ones(2, 0), ord, dim=1)


def test_dtype_argument_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.array([[3.0, -4.0], [1.0, 2.0]], np.float32)
    assert_matches(torch, lambda lib, a: lib.linalg.vector_norm(a, dtype=lib.float64), x,
                   second_order=True)
    assert_matches(torch, lambda lib, a: lib.linalg.matrix_norm(a, 1, dtype=lib.float64), x,
                   second_order=True)


@pytest.mark.parametrize("dtype", [None, nx.float64])
def test_integer_input_is_refused_as_in_torch(dtype):
    with pytest.raises(RuntimeError, match="linalg.vector_norm: expected a floating tensor, got "
                                           "dtype int64"):
        vector_norm(nx.tensor([3, 4]), dtype=dtype)


def test_narrowing_dtype_is_refused():
    with pytest.raises(RuntimeError, match="vector_norm: dtype float32 would narrow the input's "
                                           "float64"):
        vector_norm(nx.ones(2, dtype=nx.float64), dtype=nx.float32)


@pytest.mark.parametrize("ord", ["nuc", 2, -2])
def test_matrix_norms_from_singular_values_are_refused_by_name(ord):
    with pytest.raises(NotImplementedError, match=f"matrix_norm: ord={ord!r} needs the "
                                                  "singular values"):
        matrix_norm(nx.ones(2, 2), ord)
    if ord == "nuc":
        with pytest.raises(NotImplementedError, match="ord='nuc'"):
            nx.ones(2, 2).norm("nuc")


def test_matrix_norm_errors_name_the_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"matrix_norm: the input must have at least 2 "
                                           r"dimensions, got shape \(3,\)"):
        matrix_norm(nx.ones(3))
    with pytest.raises(ValueError, match="matrix_norm: ord 3 is not a matrix norm"):
        matrix_norm(nx.ones(2, 2), 3)
    with pytest.raises(RuntimeError, match=r"matrix_norm: dim \(0, -2\) names one axis twice"):
        matrix_norm(nx.ones(2, 2), dim=(0, -2))
    with pytest.raises(TypeError, match="vector_norm: ord must be a number, got 'fro'"):
        vector_norm(nx.ones(2), "fro")


def test_linalg_is_a_namespace():
    import neurenix.linalg
    assert nx.linalg is neurenix.linalg and nx.linalg.vector_norm is vector_norm
    assert nx.linalg.vector_norm(nx.tensor([3.0, 4.0])).item() == 5.0
