"""Trigonometric and hyperbolic functions: sin, cos, tan, asin, acos, atan, atan2, sinh, cosh."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import (assert_matches, away_from, broadcastable_shape_pairs, ranged,
                              tensors)

from elementwise_suite import unary_tests

TRIG = [  # name, fn(lib, x) for both libraries, input elements
    ("sin", lambda lib, x: lib.sin(x), ranged(-3, 3)),
    ("sin method", lambda lib, x: x.sin(), ranged(-3, 3)),
    ("cos", lambda lib, x: lib.cos(x), ranged(-3, 3)),
    ("cos method", lambda lib, x: x.cos(), ranged(-3, 3)),
    ("tan", lambda lib, x: lib.tan(x), ranged(-1.2, 1.2)),  # away from the poles at +-pi/2
    ("tan method", lambda lib, x: x.tan(), ranged(-1.2, 1.2)),
    ("asin", lambda lib, x: lib.asin(x), ranged(-0.9, 0.9)),  # the slope is infinite at +-1
    ("asin method", lambda lib, x: x.asin(), ranged(-0.9, 0.9)),
    ("acos", lambda lib, x: lib.acos(x), ranged(-0.9, 0.9)),
    ("acos method", lambda lib, x: x.acos(), ranged(-0.9, 0.9)),
    ("atan", lambda lib, x: lib.atan(x), ranged(-3, 3)),
    ("atan method", lambda lib, x: x.atan(), ranged(-3, 3)),
    ("sinh", lambda lib, x: lib.sinh(x), ranged(-3, 3)),
    ("sinh method", lambda lib, x: x.sinh(), ranged(-3, 3)),
    ("cosh", lambda lib, x: lib.cosh(x), ranged(-3, 3)),
    ("cosh method", lambda lib, x: x.cosh(), ranged(-3, 3)),
    ("atan2 with a tensor", lambda lib, x: lib.atan2(x, x * 0.5 + 2.0), ranged(-3, 3)),
]

globals().update(unary_tests(TRIG))

# atan2(y, x) jumps by 2 pi across the negative x axis (y = 0, x < 0) and is undefined at the
# origin: y is kept away from 0 so no finite difference straddles the cut
Y_ELEMENTS, X_ELEMENTS = away_from(0.0, by=0.2), ranged(-3, 3)


def _atan2_pair(data, dtype=nx.float64, requires_grad=True):
    a, b = data.draw(broadcastable_shape_pairs(max_dims=3, max_side=3))
    return (data.draw(tensors(a, dtype, Y_ELEMENTS, requires_grad)),
            data.draw(tensors(b, dtype, X_ELEMENTS, requires_grad)))


@given(data=st.data())
def test_atan2_gradcheck_and_gradgradcheck_with_broadcasting(data):
    y, x = _atan2_pair(data)
    assert nx.gradcheck(nx.atan2, (y, x))
    assert nx.gradgradcheck(nx.atan2, (y, x))


@given(data=st.data())
def test_atan2_matches_torch_with_broadcasting(data):
    torch = pytest.importorskip("torch")
    y, x = _atan2_pair(data, data.draw(st.sampled_from([nx.float32, nx.float64])), False)
    assert_matches(torch, lambda lib, a, b: a.atan2(b), y.numpy(), x.numpy(), second_order=True)


def test_atan2_quadrants_and_mixed_dtypes_match_torch():
    torch = pytest.importorskip("torch")
    y = np.array([1.0, 1.0, -1.0, -1.0, 0.0, 0.0])
    x = np.array([1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    assert_matches(torch, lambda lib, a, b: lib.atan2(a, b), y, x, second_order=True)
    # float32 with float64 promotes; integers give the default float
    assert_matches(torch, lambda lib, a, b: lib.atan2(a, b), y.astype(np.float32), x)
    assert_matches(torch, lambda lib, a, b: lib.atan2(a, b), np.array([1, -2]),
                   np.array([3, 0]), grad=False)


def test_atan2_with_a_number_and_on_empty():
    y = nx.tensor([1.0, -1.0], requires_grad=True)
    out = nx.atan2(y, 1.0)
    np.testing.assert_allclose(out.numpy(), np.arctan2([1.0, -1.0], 1.0), rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [0.5, 0.5], rtol=1e-6)
    assert nx.atan2(nx.zeros(0, 2), nx.zeros(1, 2)).shape == (0, 2)


def test_errors_name_the_op_and_shapes():
    with pytest.raises(TypeError, match="sin: input must be a Tensor, got float"):
        nx.sin(0.5)
    with pytest.raises(ValueError, match=r"atan2: shapes \(2,\), \(3,\) cannot be broadcast"):
        nx.atan2(nx.zeros(2), nx.zeros(3))
    with pytest.raises(TypeError, match="atan2: expected at least one Tensor"):
        nx.atan2(1.0, 2.0)  # as PyTorch: two numbers are refused


def test_second_derivative_of_sin_is_minus_sin():
    x = nx.tensor([0.3, 1.2], dtype=nx.float64, requires_grad=True)
    (g,) = nx.autograd.grad(nx.sin(x).sum(), x, create_graph=True)
    (gg,) = nx.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), -np.sin(x.numpy()), rtol=1e-12)
