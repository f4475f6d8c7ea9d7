"""Elementwise unary math: exp, log, sqrt, abs, clamp."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, away_from, ranged, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])

UNARY = [  # name, fn(lib, x) for both libraries, input elements
    ("exp", lambda lib, x: lib.exp(x), ranged(-3, 3)),
    ("exp method", lambda lib, x: x.exp(), ranged(-3, 3)),
    ("log", lambda lib, x: lib.log(x), ranged(0.1, 10)),
    ("log method", lambda lib, x: x.log(), ranged(0.1, 10)),
    ("sqrt", lambda lib, x: lib.sqrt(x), ranged(0.1, 10)),
    ("sqrt method", lambda lib, x: x.sqrt(), ranged(0.1, 10)),
    ("abs", lambda lib, x: lib.abs(x), away_from(0.0)),
    ("abs method", lambda lib, x: x.abs(), away_from(0.0)),
    ("abs builtin", lambda lib, x: abs(x), away_from(0.0)),
    # keep the clamp bounds out of the finite differences
    ("clamp both", lambda lib, x: lib.clamp(x, -1.0, 1.0), away_from(-1.0, by=1e-3)
     .filter(lambda v: abs(v - 1.0) > 1e-3)),
    ("clamp min", lambda lib, x: x.clamp(min=0.5), away_from(0.5)),
    ("clamp max", lambda lib, x: x.clamp(max=-0.5), away_from(-0.5)),
    ("clip", lambda lib, x: x.clip(-2, 2), away_from(2.0).filter(lambda v: abs(v + 2) > 1e-3)),
]


@pytest.mark.parametrize("name, fn, elements", UNARY)
@given(data=st.data())
def test_unary_gradcheck_and_gradgradcheck(name, fn, elements, data):
    x = data.draw(tensors(dtype=nx.float64, elements=elements, requires_grad=True, max_dims=3))
    assert nx.gradcheck(lambda a: fn(nx, a), (x,))
    assert nx.gradgradcheck(lambda a: fn(nx, a), (x,))


@pytest.mark.parametrize("name, fn, elements", UNARY)
@given(data=st.data())
def test_unary_matches_torch(name, fn, elements, data):
    torch = pytest.importorskip("torch")
    x = data.draw(tensors(dtype=data.draw(FLOATS), elements=elements, max_dims=3))
    assert_matches(torch, fn, x.numpy(), second_order=True)


EDGES = [  # name, fn(lib, x), input values at the edges of the domains and kinks
    ("abs at 0", lambda lib, x: x.abs(), [0.0, -0.0, 1.0]),
    ("clamp at the bounds", lambda lib, x: x.clamp(-1.0, 1.0), [-1.0, 1.0, 0.0, 2.0]),
    ("sqrt at 0", lambda lib, x: x.sqrt(), [0.0, 4.0]),
    ("log at 0", lambda lib, x: x.log(), [0.0, 1.0]),
    ("exp of large", lambda lib, x: x.exp(), [100.0, -100.0, 0.0]),
]


@pytest.mark.parametrize("name, fn, values", EDGES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_edges_match_torch(name, fn, values, dtype):
    torch = pytest.importorskip("torch")
    with np.errstate(all="ignore"):
        assert_matches(torch, fn, np.array(values, dtype), second_order=True)


@pytest.mark.parametrize("name, fn, elements", UNARY)
def test_unary_on_empty_and_0d(name, fn, elements):
    empty = fn(nx, nx.zeros(0, 3, requires_grad=True))
    assert empty.shape == (0, 3)
    scalar = nx.tensor(2.0, requires_grad=True)
    out = fn(nx, scalar)
    out.backward()
    assert out.shape == () and scalar.grad.shape == () and scalar.grad.dtype == nx.float32


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="clamp: at least one of min and max"):
        nx.ones(2).clamp()


def test_clamp_keeps_float32_with_float_bounds():
    assert nx.ones(2).clamp(np.float64(0.0), 0.5).dtype == nx.float32


@pytest.mark.parametrize("fn", [lambda lib, x: x.exp(), lambda lib, x: x.log(),
                                lambda lib, x: x.sqrt(), lambda lib, x: x.sigmoid(),
                                lambda lib, x: x.tanh(), lambda lib, x: x.abs(),
                                lambda lib, x: x.clamp(0, 1), lambda lib, x: x.relu(),
                                # float bounds make an integer clamp float (not 1.5 -> 1)
                                lambda lib, x: x.clamp(1.5, 2.5),
                                lambda lib, x: x.clamp(max=np.float32(2.5))])
def test_integer_inputs_give_torch_dtypes(fn):
    torch = pytest.importorskip("torch")
    x = np.array([1, 2, 3])
    assert_matches(torch, fn, x, grad=False)
