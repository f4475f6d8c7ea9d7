"""linear, the op under nn.Linear: values, and derivatives of the first, second and third order
in the input, weight and bias, against finite differences and against PyTorch, for an input
of any rank (a vector, a batch, a batch of sequences)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])


@st.composite
def linear_inputs(draw, dtype=nx.float64, requires_grad=False):
    """(input (*, in), weight (out, in), bias (out,) or None), with 0 to 2 leading axes."""
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    x, w, b = (draw(tensors(shape=s, dtype=dtype, requires_grad=requires_grad))
               for s in (lead + (n_in,), (n_out, n_in), (n_out,)))
    return x, w, b if draw(st.booleans()) else None


def _linear(lib, x, w, b=None):
    return lib.nn.functional.linear(x, w, b)


@given(inputs=linear_inputs(requires_grad=True))
def test_linear_gradcheck_and_gradgradcheck(inputs):
    inputs = [t for t in inputs if t is not None]
    assert nx.gradcheck(lambda *a: _linear(nx, *a), inputs)
    assert nx.gradgradcheck(lambda *a: _linear(nx, *a), inputs)


@given(data=st.data())
def test_linear_matches_torch(data):
    torch = pytest.importorskip("torch")
    inputs = data.draw(linear_inputs(dtype=data.draw(FLOATS)))
    arrays = [t.numpy() for t in inputs if t is not None]
    assert_matches(torch, _linear, *arrays, second_order=True)


def test_linear_third_derivatives_match_torch():
    # grad(linear) is again made of linear maps (LinearOp, LinearWeightGrad, a sum), so its
    # own first and second derivatives are those of linear's third order.
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, w, b, g = (rng.standard_normal(s) for s in ((2, 3, 4), (5, 4), (5,), (2, 3, 5)))

    def grads(lib, x, w, b, g):
        out = _linear(lib, x, w, b)
        # squared, so that the second and third derivatives are not all zero
        return lib.autograd.grad((out * out * g).sum(), (x, w, b), create_graph=True)

    assert_matches(torch, grads, x, w, b, g, second_order=True)


@pytest.mark.parametrize("shape_x, shape_w", [((0, 3), (2, 3)), ((4, 0), (2, 0)),
                                              ((4, 3), (0, 3))])
def test_linear_on_empty_matches_torch(shape_x, shape_w):
    torch = pytest.importorskip("torch")
    assert_matches(torch, _linear, np.ones(shape_x), np.ones(shape_w), second_order=True)
