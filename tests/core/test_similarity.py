"""normalize and cosine_similarity: values, first and second derivatives against finite
differences and PyTorch on random shapes (broadcasting, empty, non-contiguous), PyTorch's two
different eps rules, and the errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
import neurenix.nn.functional as F
from neurenix.testing import assert_matches, away_from, broadcastable_shape_pairs, tensors

NONZERO = away_from(0.0, by=0.25)  # no zero vector (the norm's kink), no |x| kink for p = 1
# second derivatives cancel terms of size 1 / |x|**2: float32 keeps about 1e-4 of them
TOLERANCE = {nx.float32: dict(atol=1e-4), nx.float64: {}}


def normalize(lib, x, p, dim):
    return lib.nn.functional.normalize(x, p=p, dim=dim)


def cosine(lib, a, b, dim):
    return lib.nn.functional.cosine_similarity(a, b, dim=dim)


@st.composite
def _tensor_and_dim(draw, dtype=nx.float64, requires_grad=False):
    x = draw(tensors(dtype=dtype, elements=NONZERO, requires_grad=requires_grad, min_dims=1,
                     max_dims=3))
    return x, draw(st.integers(-x.ndim, x.ndim - 1))


@st.composite
def _pair_and_dim(draw, dtype=nx.float64, requires_grad=False):
    a_shape, b_shape = draw(broadcastable_shape_pairs(min_dims=1, max_dims=3))
    a = draw(tensors(a_shape, dtype, NONZERO, requires_grad))
    b = draw(tensors(b_shape, dtype, NONZERO, requires_grad))
    ndim = len(np.broadcast_shapes(a_shape, b_shape))
    return a, b, draw(st.integers(-ndim, ndim - 1))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
@settings(max_examples=15)
@given(data=st.data())
def test_normalize_gradcheck_and_gradgradcheck(p, data):
    x, dim = data.draw(_tensor_and_dim(requires_grad=True))
    assert nx.gradcheck(lambda a: normalize(nx, a, p, dim), (x,))
    assert nx.gradgradcheck(lambda a: normalize(nx, a, p, dim), (x,))


@settings(max_examples=15)
@given(data=st.data())
def test_cosine_similarity_gradcheck_and_gradgradcheck(data):
    a, b, dim = data.draw(_pair_and_dim(requires_grad=True))
    assert nx.gradcheck(lambda u, v: cosine(nx, u, v, dim), (a, b))
    assert nx.gradgradcheck(lambda u, v: cosine(nx, u, v, dim), (a, b))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
@given(data=st.data())
def test_normalize_matches_torch(p, data):
    torch = pytest.importorskip("torch")
    dtype = data.draw(st.sampled_from([nx.float32, nx.float64]))
    x, dim = data.draw(_tensor_and_dim(dtype))
    assert_matches(torch, lambda lib, a: normalize(lib, a, p, dim), x.numpy(),
                   second_order=True, **TOLERANCE[dtype])


@given(data=st.data())
def test_cosine_similarity_matches_torch(data):
    torch = pytest.importorskip("torch")
    dtype = data.draw(st.sampled_from([nx.float32, nx.float64]))
    a, b, dim = data.draw(_pair_and_dim(dtype))
    assert_matches(torch, lambda lib, u, v: cosine(lib, u, v, dim), a.numpy(), b.numpy(),
                   second_order=True, **TOLERANCE[dtype])


def test_defaults_and_the_top_level_function_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 4, 2))
    assert_matches(torch, lambda lib, x: lib.nn.functional.normalize(x), a, second_order=True)
    assert_matches(torch, lambda lib, x, y: lib.cosine_similarity(x, y), a, b,
                   second_order=True)


def test_non_contiguous_and_empty_inputs_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((4, 3)).T, rng.standard_normal((5, 5))[::2, :4]  # (3, 4) views
    assert_matches(torch, lambda lib, x: normalize(lib, x, 2.0, 1), a, second_order=True)
    assert_matches(torch, lambda lib, x, y: cosine(lib, x, y, 0), a, b, second_order=True)
    for shape, dim in [((0, 3), 1), ((3, 0), 0), ((2, 0, 3), -1)]:
        empty = np.zeros(shape)
        assert_matches(torch, lambda lib, x: normalize(lib, x, 2.0, dim), empty,
                       second_order=True)
        assert_matches(torch, lambda lib, x, y: cosine(lib, x, y, dim), empty, empty,
                       second_order=True)


def test_eps_rules_are_torchs():
    # normalize divides by max(norm, eps), the clamp's gradient 0 below eps; cosine_similarity
    # clamps its norms without recording it, so the gradient is the unclamped norm's
    torch = pytest.importorskip("torch")
    tiny = np.array([[1e-13, 2e-13, 0.0], [3.0, 4.0, 0.0]])
    assert_matches(torch, lambda lib, x: normalize(lib, x, 2.0, 1), tiny, second_order=True)
    small = np.array([[1e-9, 1e-9, 0.0, 1e-9], [0.3, -1.0, 2.0, 0.5]])
    other = np.array([[0.0, 1.0, 0.5, 0.0], [1e-10, 0.0, 0.0, 1e-10]])
    assert_matches(torch, lambda lib, x, y: cosine(lib, x, y, 1), small, other,
                   second_order=True)
    out = F.cosine_similarity(nx.tensor(small), nx.tensor(other), eps=1e-8)
    assert np.all(np.abs(out.numpy()) <= 1)


def test_cosine_similarity_of_a_float_and_an_integer_tensor_is_floating():
    out = nx.cosine_similarity(nx.tensor([[1, 0]]), nx.tensor([[1.0, 1.0]], dtype=nx.float64))
    assert out.dtype == nx.float64 and np.isclose(out.item(), 2 ** -0.5)


def test_normalize_writes_into_out_like_torch():
    x, out = nx.tensor([[3.0, 4.0]]), nx.zeros(1, 2)
    assert F.normalize(x, out=out) is out
    assert np.allclose(out.numpy(), [[0.6, 0.8]])
    with pytest.raises(RuntimeError, match=r"normalize: out= .*\(1, 2\) requires grad"):
        F.normalize(nx.ones(1, 2, requires_grad=True), out=out)


def test_similarity_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"cosine_similarity: shapes \(2, 3\), \(4, 3\)"):
        F.cosine_similarity(nx.zeros(2, 3), nx.zeros(4, 3))
    with pytest.raises(IndexError, match="cosine_similarity: dim 2 is out of range"):
        F.cosine_similarity(nx.zeros(2, 3), nx.zeros(2, 3), dim=2)
    with pytest.raises(RuntimeError, match=r"cosine_similarity: .*int64 and int64.*\(2,\)"):
        F.cosine_similarity(nx.tensor([1, 2]), nx.tensor([1, 2]), dim=0)
    with pytest.raises(RuntimeError, match="normalize: expected a floating tensor, got int64"):
        F.normalize(nx.tensor([[1, 2]]))
    with pytest.raises(IndexError, match="dim 3 is out of range"):
        F.normalize(nx.zeros(2, 3), dim=3)
