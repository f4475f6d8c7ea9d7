"""hardtanh, relu6, hardsigmoid, hardswish: values and first and second derivatives against
finite differences and PyTorch, PyTorch's values at the kinks, and ``inplace=True``."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
import neurenix.nn.functional as F
from neurenix.testing import assert_matches, ranged, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])


def away_from_all(points, by=1e-3, low=-8.0, high=8.0):
    """Floats in [low, high] at least ``by`` from each of ``points`` (the kinks)."""
    def push(x):
        for p in points:
            if abs(x - p) < by:
                return p + by if x >= p else p - by
        return x
    return ranged(low, high).map(push)


def functional(lib):
    return lib.nn.functional


PIECEWISE = [  # name, fn(lib, x), input elements (kinks kept away), has a second derivative
    ("hardtanh", lambda lib, x: functional(lib).hardtanh(x), away_from_all([-1, 1]), False),
    ("hardtanh -2 3.5", lambda lib, x: functional(lib).hardtanh(x, -2.0, 3.5),
     away_from_all([-2, 3.5]), False),
    ("hardtanh keywords", lambda lib, x: functional(lib).hardtanh(x, min_val=0.5, max_val=2),
     away_from_all([0.5, 2]), False),
    ("relu6", lambda lib, x: functional(lib).relu6(x), away_from_all([0, 6]), False),
    ("hardsigmoid", lambda lib, x: functional(lib).hardsigmoid(x), away_from_all([-3, 3]),
     False),
    ("hardswish", lambda lib, x: functional(lib).hardswish(x), away_from_all([-3, 3]), True),
]
IDS = [spec[0] for spec in PIECEWISE]


@pytest.mark.parametrize("name, fn, elements, curved", PIECEWISE, ids=IDS)
@given(data=st.data())
def test_piecewise_gradcheck(name, fn, elements, curved, data):
    x = data.draw(tensors(dtype=nx.float64, elements=elements, requires_grad=True, max_dims=3))
    assert nx.gradcheck(lambda a: fn(nx, a), (x,))


@pytest.mark.parametrize("name, fn, elements, curved", PIECEWISE, ids=IDS)
@settings(max_examples=15)
@given(data=st.data())
def test_piecewise_gradgradcheck(name, fn, elements, curved, data):
    x = data.draw(tensors(dtype=nx.float64, elements=elements, requires_grad=True, max_dims=3))
    assert nx.gradgradcheck(lambda a: fn(nx, a), (x,))


@pytest.mark.parametrize("name, fn, elements, curved", PIECEWISE, ids=IDS)
@given(data=st.data())
def test_piecewise_matches_torch(name, fn, elements, curved, data):
    # PyTorch has no second derivative of hardsigmoid (its backward is not differentiable);
    # ours is 0, which gradgradcheck confirms above.
    torch = pytest.importorskip("torch")
    x = data.draw(tensors(dtype=data.draw(FLOATS), elements=elements, max_dims=3))
    assert_matches(torch, fn, x.numpy(), second_order=name != "hardsigmoid")


@pytest.mark.parametrize("name, fn, elements, curved", PIECEWISE, ids=IDS)
@pytest.mark.parametrize("shape", [(0,), (2, 0, 3)])
def test_piecewise_of_empty_tensors_matches_torch(name, fn, elements, curved, shape):
    torch = pytest.importorskip("torch")
    assert_matches(torch, fn, np.zeros(shape), second_order=name != "hardsigmoid")


@pytest.mark.parametrize("name, fn, elements, curved", PIECEWISE, ids=IDS)
def test_piecewise_of_non_contiguous_input_matches_torch(name, fn, elements, curved):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).uniform(-8, 8, (4, 5)).T  # a transposed view
    assert_matches(torch, fn, x, second_order=name != "hardsigmoid")


def test_values_at_the_kinks_are_torchs():
    # Each kink and a point on either side: the gradient is PyTorch's one-sided choice there
    # (0 at hardtanh's and relu6's bounds, hardswish 0 at -3 and 1 at 3) and so are the
    # second derivatives (hardswish: 1/3 strictly inside (-3, 3) only).
    torch = pytest.importorskip("torch")
    x = np.array([-7.0, -6, -3.5, -3, -2, -1, -0.5, 0, 1, 2, 3, 3.5, 6, 7])
    for name, fn, _, _ in PIECEWISE:
        assert_matches(torch, fn, x, second_order=name != "hardsigmoid")


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_hardtanh_and_relu6_keep_integers_like_torch(dtype):
    torch = pytest.importorskip("torch")
    x = np.array([-3, 0, 2, 5, 7], dtype)
    assert_matches(torch, lambda lib, a: functional(lib).relu6(a), x)
    assert_matches(torch, lambda lib, a: functional(lib).hardtanh(a, -0.5, 2.5), x)


def test_hardsigmoid_and_hardswish_of_integers_give_the_default_float():
    assert F.hardswish(nx.tensor([-4, 0, 4])).dtype == nx.float32
    assert F.hardsigmoid(nx.tensor([0])).tolist() == [0.5]


INPLACE = {  # name -> fn(lib, x) with inplace=True
    "hardtanh": lambda lib, x: functional(lib).hardtanh(x, -2.0, 3.5, inplace=True),
    "relu6": lambda lib, x: functional(lib).relu6(x, inplace=True),
    "hardsigmoid": lambda lib, x: functional(lib).hardsigmoid(x, inplace=True),
    "hardswish": lambda lib, x: functional(lib).hardswish(x, inplace=True),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_writes_into_the_input_and_returns_it(name):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).uniform(-8, 8, (3, 4))
    ours, theirs = nx.tensor(x), torch.tensor(x)
    assert INPLACE[name](nx, ours) is ours
    assert INPLACE[name](torch, theirs) is theirs
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_on_an_intermediate_is_recorded_like_torch(name):
    # (x * 2) changed in place: the result is that tensor, its gradient PyTorch's
    torch = pytest.importorskip("torch")

    def fn(lib, x):
        y = x * 2
        assert INPLACE[name](lib, y) is y
        return y * x

    x = np.random.default_rng(3).uniform(-4, 4, (3, 4))
    assert_matches(torch, fn, x, second_order=name != "hardsigmoid")


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    x = nx.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="relu6.*leaf"):
        F.relu6(x, inplace=True)


def test_inplace_after_an_op_saved_the_tensor_is_refused_at_backward():
    x = nx.randn(3, requires_grad=True)
    y = x.exp()  # saves its output y
    F.hardtanh(y, inplace=True)
    with pytest.raises(RuntimeError, match="Exp"):
        y.sum().backward()


def test_inplace_of_a_floating_result_into_an_integer_tensor_is_refused():
    with pytest.raises(TypeError, match=r"hardswish: inplace=True.*int64.*\(3,\)"):
        F.hardswish(nx.tensor([1, 2, 3]), inplace=True)


def test_hardtanh_refuses_min_above_max():
    with pytest.raises(ValueError, match="hardtanh: min_val cannot be greater than max_val"):
        F.hardtanh(nx.zeros(2), 2.0, 1.0)
    assert F.hardtanh(nx.tensor([-3.0, 0.0, 5.0]), 1.0, 1.0).tolist() == [1.0, 1.0, 1.0]


def test_piecewise_refuses_a_non_tensor():
    with pytest.raises(TypeError, match="relu6: input must be a Tensor, got list"):
        F.relu6([1.0, 2.0])
    with pytest.raises(TypeError, match="hardswish: input must be a Tensor"):
        F.hardswish(1.0)
