"""Activations and the (log-)softmax: values and derivatives (first and second against finite
differences; up to the third against PyTorch)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, away_from, ranged, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])

ACTIVATIONS = [  # name, fn(lib, x, dim) for both libraries, input elements
    ("relu", lambda lib, x, dim: lib.relu(x), away_from(0.0)),
    ("relu method", lambda lib, x, dim: x.relu(), away_from(0.0)),
    ("leaky_relu", lambda lib, x, dim: _functional(lib).leaky_relu(x), away_from(0.0)),
    ("leaky_relu 0.2", lambda lib, x, dim: _functional(lib).leaky_relu(x, 0.2), away_from(0.0)),
    ("sigmoid", lambda lib, x, dim: lib.sigmoid(x), ranged(-6, 6)),
    ("sigmoid method", lambda lib, x, dim: x.sigmoid(), ranged(-6, 6)),
    ("tanh", lambda lib, x, dim: lib.tanh(x), ranged(-4, 4)),
    ("tanh method", lambda lib, x, dim: x.tanh(), ranged(-4, 4)),
    ("gelu", lambda lib, x, dim: _functional(lib).gelu(x), ranged(-4, 4)),
    ("gelu tanh", lambda lib, x, dim: _functional(lib).gelu(x, approximate="tanh"),
     ranged(-4, 4)),
    ("softmax", lambda lib, x, dim: lib.softmax(x, dim), ranged(-5, 5)),
    ("softmax method", lambda lib, x, dim: x.softmax(dim=dim), ranged(-5, 5)),
    ("log_softmax", lambda lib, x, dim: lib.log_softmax(x, dim), ranged(-5, 5)),
    ("log_softmax method", lambda lib, x, dim: x.log_softmax(dim), ranged(-5, 5)),
]


def _functional(lib):
    """torch keeps leaky_relu and gelu in torch.nn.functional; neurenix has them at the top."""
    return lib if lib is nx else lib.nn.functional


def _draw(data, dtype, elements, requires_grad=False):
    x = data.draw(tensors(dtype=dtype, elements=elements, requires_grad=requires_grad,
                          max_dims=3))
    dim = data.draw(st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1))
    return x, dim


@pytest.mark.parametrize("name, fn, elements", ACTIVATIONS)
@given(data=st.data())
def test_activation_gradcheck(name, fn, elements, data):
    x, dim = _draw(data, nx.float64, elements, requires_grad=True)
    assert nx.gradcheck(lambda a: fn(nx, a, dim), (x,))


@pytest.mark.parametrize("name, fn, elements", ACTIVATIONS)
@given(data=st.data())
def test_activation_gradgradcheck(name, fn, elements, data):
    x, dim = _draw(data, nx.float64, elements, requires_grad=True)
    assert nx.gradgradcheck(lambda a: fn(nx, a, dim), (x,))


@pytest.mark.parametrize("name, fn, elements", ACTIVATIONS)
@given(data=st.data())
def test_activation_matches_torch(name, fn, elements, data):
    torch = pytest.importorskip("torch")
    x, dim = _draw(data, data.draw(FLOATS), elements)
    assert_matches(torch, lambda lib, a: fn(lib, a, dim), x.numpy(), second_order=True)


@pytest.mark.parametrize("name, fn, elements", ACTIVATIONS)
def test_activation_third_derivatives_match_torch(name, fn, elements):
    # The gradient as a function of the input and of dL/dy, compared to second order: the
    # activation's derivatives up to the third.
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, g = rng.uniform(-2, 2, (3, 4)), rng.standard_normal((3, 4))

    def grad(lib, a, v):
        return lib.autograd.grad((fn(lib, a, -1) * v).sum(), a, create_graph=True)[0]

    assert_matches(torch, grad, x, g, second_order=True)


EXTREMES = [  # inputs where a naive formula overflows, gives nan or 0/0
    [1000.0, -1000.0, 0.0],
    [1000.0, 1000.0, 999.0],
    [-1000.0, -1000.0, -999.0],
]


@pytest.mark.parametrize("values", EXTREMES)
@pytest.mark.parametrize("name, fn, elements", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_is_stable_at_extremes(name, fn, elements, values, dtype):
    torch = pytest.importorskip("torch")
    x = np.array(values, dtype)
    out = fn(nx, nx.tensor(x), -1)
    assert np.isfinite(out.numpy()).all()
    assert_matches(torch, lambda lib, a: fn(lib, a, -1), x, second_order=True)


@pytest.mark.parametrize("fn", [lambda lib, x: lib.softmax(x, -1),
                                lambda lib, x: lib.log_softmax(x, -1)])
def test_softmax_of_masked_logits(fn):
    """A -inf logit (a masked position) gets probability 0, and the others a finite gradient."""
    torch = pytest.importorskip("torch")
    x = np.array([[0.0, 1.0, -np.inf], [2.0, -np.inf, -np.inf]])
    out = fn(nx, nx.tensor(x))
    assert not np.isnan(out.numpy()).any()
    with np.errstate(invalid="ignore"):  # the random contraction of -inf log-probs sums to nan
        assert_matches(torch, fn, x, second_order=True)


def test_relu_gradient_is_zero_at_the_kink():
    x = nx.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    x.relu().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]


def test_softmax_rows_sum_to_one():
    out = nx.softmax(nx.randn(4, 5), dim=1)
    np.testing.assert_allclose(out.sum(dim=1).numpy(), np.ones(4), rtol=1e-6)


@pytest.mark.parametrize("fn", [nx.softmax, nx.log_softmax])
def test_softmax_bad_dim_names_op(fn):
    with pytest.raises(IndexError, match=f"{fn.__name__}: dim 2 is out of range.* 2 dim"):
        fn(nx.ones(2, 3), 2)


@pytest.mark.parametrize("name, fn, elements", ACTIVATIONS)
def test_activation_on_empty_matches_torch(name, fn, elements):
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, a: fn(lib, a, 1), np.zeros((0, 3), np.float32),
                   second_order=True)
    assert_matches(torch, lambda lib, a: fn(lib, a, 1), np.zeros((2, 0), np.float32),
                   second_order=True)


SOFTMAX_DTYPE = [  # fn(lib, x): the input cast to dtype= first, as PyTorch; that dtype
    (lambda lib, x: lib.softmax(x, -1, dtype=lib.float64), np.float64),
    (lambda lib, x: lib.log_softmax(x, 0, dtype=lib.float64), np.float64),
    (lambda lib, x: x.softmax(1, dtype=lib.float32), np.float32),
    (lambda lib, x: x.log_softmax(-1, dtype=lib.float64), np.float64),
    (lambda lib, x: lib.nn.functional.softmax(x, dim=1, dtype=lib.float64), np.float64),
    (lambda lib, x: lib.nn.functional.log_softmax(x, 1, dtype=lib.float32), np.float32),
]


@pytest.mark.parametrize("fn, cast_to", SOFTMAX_DTYPE)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_dtype_casts_first_like_torch(fn, cast_to, dtype):
    # float64 gradients of a float32 softmax carry float32's rounding, on both sides
    torch = pytest.importorskip("torch")
    tolerance = dict(rtol=1e-5, atol=1e-6) if cast_to == np.float32 else {}
    x = np.random.default_rng(0).uniform(-5, 5, (3, 4)).astype(dtype)
    for array in (x, x.T, np.zeros((0, 4), dtype)):  # also non-contiguous and empty
        assert_matches(torch, fn, array, second_order=True, **tolerance)


def test_softmax_dtype_of_integers_and_errors():
    out = nx.softmax(nx.tensor([[1, 2]]), 1, dtype=nx.float64)
    assert out.dtype == nx.float64
    with pytest.raises(TypeError, match=r"softmax: dtype must be a floating dtype, got int64 "
                                        r"\(input of shape \(2,\)\)"):
        nx.softmax(nx.zeros(2), 0, dtype=nx.int64)


def test_functional_softmax_without_dim_follows_torchs_legacy_rule():
    x = nx.randn(2, 3, 4)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = nx.nn.functional.softmax(x)
    np.testing.assert_allclose(out.numpy().sum(axis=0), 1, rtol=1e-6)  # 3-D: dim 0
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        assert nx.nn.functional.log_softmax(nx.randn(2, 3)).shape == (2, 3)
