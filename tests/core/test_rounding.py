"""Piecewise-constant ops: sign, floor, ceil, round, trunc, and div(rounding_mode=) with ``//``."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurenix as nx
from neurenix.testing import assert_matches, away_from, broadcastable_shape_pairs, ranged

from elementwise_suite import edge_tests, unary_tests


def _away_from_steps(step: float, offset: float = 0.0):
    """Floats in [-3, 3] at least 1e-2 steps away from every jump at offset + k * step: a
    finite difference never straddles one (where the function is not even continuous)."""
    def clear(v):
        phase = (v - offset) / step
        return abs(phase - round(phase)) > 1e-2
    return ranged(-3, 3).filter(clear)


ROUNDING = [  # name, fn(lib, x) for both libraries, input elements
    ("sign", lambda lib, x: lib.sign(x), away_from(0.0)),
    ("sign method", lambda lib, x: x.sign(), away_from(0.0)),
    ("floor", lambda lib, x: lib.floor(x), _away_from_steps(1.0)),
    ("floor method", lambda lib, x: x.floor(), _away_from_steps(1.0)),
    ("ceil", lambda lib, x: lib.ceil(x), _away_from_steps(1.0)),
    ("ceil method", lambda lib, x: x.ceil(), _away_from_steps(1.0)),
    ("trunc", lambda lib, x: lib.trunc(x), _away_from_steps(1.0)),
    ("trunc method", lambda lib, x: x.trunc(), _away_from_steps(1.0)),
    ("round", lambda lib, x: lib.round(x), _away_from_steps(1.0, offset=0.5)),
    ("round method", lambda lib, x: x.round(), _away_from_steps(1.0, offset=0.5)),
    ("round decimals", lambda lib, x: lib.round(x, decimals=1),
     _away_from_steps(0.1, offset=0.05)),
    ("div floor by a number", lambda lib, x: lib.div(x, 0.7, rounding_mode="floor"),
     _away_from_steps(0.7)),
    ("div trunc method", lambda lib, x: x.div(-0.7, rounding_mode="trunc"),
     _away_from_steps(0.7)),
]

globals().update(unary_tests(ROUNDING))


JUMPS = [-2.5, -1.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, math.nan, math.inf, -math.inf]
EDGES = [  # name, fn(lib, x), values at the jumps (halves and integers) and beyond
    ("sign", lambda lib, x: x.sign(), JUMPS), ("floor", lambda lib, x: x.floor(), JUMPS),
    ("ceil", lambda lib, x: x.ceil(), JUMPS), ("trunc", lambda lib, x: x.trunc(), JUMPS),
    ("round", lambda lib, x: x.round(), JUMPS),
    ("round decimals=-1", lambda lib, x: x.round(decimals=-1), [15.0, 25.0, -35.0]),
]
globals().update(edge_tests(EDGES))


MODES = ["trunc", "floor"]


@pytest.mark.parametrize("mode", MODES)
@given(data=st.data())
def test_rounded_div_matches_torch_with_broadcasting(mode, data):
    torch = pytest.importorskip("torch")
    a, b = data.draw(broadcastable_shape_pairs(max_dims=3, max_side=3))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    x = data.draw(hnp.arrays(dtype, a, elements=ranged(-9, 9).map(dtype)))
    y = data.draw(hnp.arrays(dtype, b, elements=away_from(0.0, by=0.25, low=-4, high=4)
                             .map(dtype)))
    # the gradient is zero for both inputs, with no second derivative, as PyTorch
    assert_matches(torch, lambda lib, p, q: lib.div(p, q, rounding_mode=mode), x, y,
                   second_order=True)


@pytest.mark.parametrize("mode", MODES)
@given(data=st.data())
def test_rounded_integer_div_matches_torch(mode, data):
    torch = pytest.importorskip("torch")
    a, b = data.draw(broadcastable_shape_pairs(max_dims=3, max_side=3))
    x_dtype, y_dtype = data.draw(st.lists(st.sampled_from([np.int32, np.int64]), min_size=2,
                                          max_size=2))
    x = data.draw(hnp.arrays(x_dtype, a, elements=st.integers(-20, 20)))
    y = data.draw(hnp.arrays(y_dtype, b, elements=st.integers(-5, 5).filter(bool)))
    assert_matches(torch, lambda lib, p, q: lib.div(p, q, rounding_mode=mode), x, y,
                   grad=False)
    assert_matches(torch, lambda lib, p, q: p.div(3, rounding_mode=mode), x, y, grad=False)
    assert_matches(torch, lambda lib, p, q: lib.div(-7, q, rounding_mode=mode), x, y,
                   grad=False)


@pytest.mark.parametrize("mode", MODES)
def test_rounded_div_edges_match_torch(mode):
    torch = pytest.importorskip("torch")
    x = np.array([5.0, -5.0, 0.0, 1.0, 5.0, -5.0, 1.0])
    y = np.array([0.0, 0.0, 0.0, 0.1, np.inf, np.inf, -np.inf])
    with np.errstate(all="ignore"):  # x / 0
        assert_matches(torch, lambda lib, p, q: lib.div(p, q, rounding_mode=mode), x, y)
    # an integer tensor with a float number gives the default float, as PyTorch
    assert_matches(torch, lambda lib, p: lib.div(p, 2.5, rounding_mode=mode),
                   np.array([5, -5, 7]), grad=False)


def test_two_numbers_give_a_0d_tensor():
    torch = pytest.importorskip("torch")
    for mode in MODES:
        for x, y in ((7, 2), (-7, 2), (7.5, -2)):
            ours, theirs = nx.div(x, y, rounding_mode=mode), torch.div(x, y, rounding_mode=mode)
            assert ours.shape == () and ours.item() == theirs.item()
            assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")


def test_floordiv_operator_matches_torch_forward():
    torch = pytest.importorskip("torch")
    x = np.array([[-7.5, 7.5], [3.0, -0.5]])
    assert_matches(torch, lambda lib, p: p // 2, x, grad=False)
    assert_matches(torch, lambda lib, p: 7 // p, x, grad=False)
    assert_matches(torch, lambda lib, p: p // p.T, np.array([[-7, 7], [3, 2]]), grad=False)


def test_piecewise_constant_ops_give_zero_gradients():
    x = nx.tensor([-1.5, 0.3, 2.7], requires_grad=True)
    for fn in (nx.sign, nx.floor, nx.ceil, nx.trunc, nx.round,
               lambda t: nx.div(t, nx.tensor([2.0]), rounding_mode="floor")):
        out = fn(x)
        assert out.requires_grad and out.dtype == nx.float32
        (g,) = nx.autograd.grad(out.sum(), x)
        assert g.dtype == nx.float32 and g.tolist() == [0.0, 0.0, 0.0]


def test_sign_of_nan_is_zero_as_torch():
    assert nx.sign(nx.tensor([math.nan, -2.0, 0.0])).tolist() == [0.0, -1.0, 0.0]
    assert nx.sign(nx.tensor([3, -3, 0])).tolist() == [1, -1, 0]


def test_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match="div: rounding_mode must be None, 'trunc' or 'floor', "
                                         "got 'round'"):
        nx.div(nx.ones(2), 2, rounding_mode="round")
    with pytest.raises(RuntimeError, match=r"div: integer division by zero "
                                           r"\(rounding_mode='floor'\): other of shape \(2,\)"):
        nx.div(nx.tensor([1, 2]), nx.tensor([1, 0]), rounding_mode="floor")
    with pytest.raises(ValueError, match=r"div: shapes \(2,\), \(3,\) cannot be broadcast"):
        nx.div(nx.ones(2), nx.ones(3), rounding_mode="trunc")
    with pytest.raises(TypeError, match=r"div: rounding_mode='floor' is not implemented for "
                                        r"bool tensors \(shape \(1,\)\)"):
        nx.div(nx.tensor([True]), nx.tensor([True]), rounding_mode="floor")
    with pytest.raises(TypeError, match="floor: not implemented for bool tensors"):
        nx.floor(nx.tensor([True]))
    with pytest.raises(TypeError, match="round: decimals=1 needs a floating tensor"):
        nx.round(nx.tensor([1]), decimals=1)
    with pytest.raises(TypeError, match="trunc: expected a Tensor, got float"):
        nx.trunc(1.5)
