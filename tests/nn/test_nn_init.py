"""Initialisation: the formulas of torch.nn.init, checked by bounds and sample statistics, and
the layers' default initialisation."""
import math

import numpy as np
import pytest

import neurenix as nx
from neurenix import nn
from neurenix.nn import init


@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param))


def test_calculate_gain_rejects_unknown():
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("shape", [(3, 4), (8, 2, 3, 3), (2, 5, 1, 4)])
def test_fans_match_torch(shape):
    torch = pytest.importorskip("torch")
    assert init._calculate_fan_in_and_fan_out(nx.zeros(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions \(shape \(5,\)\)"):
        init.xavier_uniform_(nx.zeros(5))


SHAPE = (200, 50, 3, 3)  # fan_in 450, fan_out 1800; 90,000 samples
FAN_IN, FAN_OUT = 50 * 9, 200 * 9

UNIFORMS = [  # name, initialiser, expected bound
    ("uniform_", lambda t: init.uniform_(t, -0.3, 0.3), 0.3),
    ("xavier_uniform_", lambda t: init.xavier_uniform_(t, gain=2.0),
     2.0 * math.sqrt(6 / (FAN_IN + FAN_OUT))),
    ("kaiming_uniform_ default", lambda t: init.kaiming_uniform_(t),
     math.sqrt(2) * math.sqrt(3 / FAN_IN)),  # a=0: leaky_relu gain of slope 0
    ("kaiming_uniform_ a=sqrt(5)", lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)),
     1 / math.sqrt(FAN_IN)),
    ("kaiming_uniform_ relu fan_out",
     lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
     math.sqrt(2) * math.sqrt(3 / FAN_OUT)),
]


@pytest.mark.parametrize("name, fn, bound", UNIFORMS, ids=[u[0] for u in UNIFORMS])
def test_uniform_initialisers_fill_their_bounds(name, fn, bound):
    t = nx.zeros(*SHAPE)
    assert fn(t) is t and t.dtype == np.float32
    data = t.numpy()
    assert np.abs(data).max() <= bound * (1 + 1e-6)
    assert np.abs(data).max() > 0.99 * bound  # reaches the bound, so it is not narrower
    assert data.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert abs(data.mean()) < 0.02 * bound


NORMALS = [  # name, initialiser, expected std
    ("normal_", lambda t: init.normal_(t, 0.0, 0.02), 0.02),
    ("xavier_normal_", lambda t: init.xavier_normal_(t), math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("kaiming_normal_ relu", lambda t: init.kaiming_normal_(t, nonlinearity="relu"),
     math.sqrt(2 / FAN_IN)),
]


@pytest.mark.parametrize("name, fn, std", NORMALS, ids=[n[0] for n in NORMALS])
def test_normal_initialisers_have_their_std(name, fn, std):
    t = fn(nx.zeros(*SHAPE, dtype=nx.float64))
    assert t.dtype == np.float64
    assert t.numpy().std() == pytest.approx(std, rel=0.02)
    assert abs(t.numpy().mean()) < 0.02 * std


def test_constant_initialisers_and_the_one_generator():
    t = nx.zeros(3, requires_grad=True)
    assert init.constant_(t, 2.5) is t and not t.grad_fn
    np.testing.assert_array_equal(t.numpy(), 2.5)
    np.testing.assert_array_equal(init.ones_(t).numpy(), 1)
    np.testing.assert_array_equal(init.zeros_(t).numpy(), 0)
    nx.manual_seed(7)
    first = init.normal_(nx.zeros(5)).numpy().copy()
    nx.manual_seed(7)
    np.testing.assert_array_equal(init.normal_(nx.zeros(5)).numpy(), first)
    seeded = np.random.default_rng(3)
    a = init.uniform_(nx.zeros(4), generator=seeded).numpy()
    np.testing.assert_array_equal(a, np.random.default_rng(3).uniform(0, 1, 4).astype(np.float32))


@pytest.mark.parametrize("make, fan_in", [
    (lambda: nn.Linear(300, 200), 300),
    (lambda: nn.Conv2d(40, 64, 3), 40 * 9),
    (lambda: nn.Conv2d(40, 64, (3, 5), groups=4), 10 * 15),
    (lambda: nn.ConvTranspose2d(64, 40, 4, stride=2), 40 * 16),  # PyTorch's fan: weight.size(1)
])
def test_default_layer_init_is_pytorchs(make, fan_in):
    nx.manual_seed(0)
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    for p in (layer.weight, layer.bias):
        data = p.numpy()
        assert np.abs(data).max() <= bound * (1 + 1e-6)
        assert np.abs(data).max() > 0.9 * bound
    assert layer.weight.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_default_init_is_reproducible_under_manual_seed():
    nx.manual_seed(11)
    a = nn.Conv2d(3, 4, 3).weight.numpy().copy()
    nx.manual_seed(11)
    np.testing.assert_array_equal(nn.Conv2d(3, 4, 3).weight.numpy(), a)
    assert not np.array_equal(nn.Conv2d(3, 4, 3).weight.numpy(), a)


def test_batchnorm_starts_at_identity_statistics():
    bn = nn.BatchNorm2d(4)
    for value, t in [(1, bn.weight), (0, bn.bias), (0, bn.running_mean), (1, bn.running_var)]:
        np.testing.assert_array_equal(t.numpy(), value)
    assert bn.num_batches_tracked.item() == 0


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
def test_zero_element_layers_build_as_in_torch():
    torch = pytest.importorskip("torch")
    for in_f, out_f in [(0, 3), (3, 0)]:
        layer, reference = nn.Linear(in_f, out_f), torch.nn.Linear(in_f, out_f)
        assert layer.weight.shape == tuple(reference.weight.shape)
        assert layer.bias.shape == tuple(reference.bias.shape)
    assert nn.Conv2d(0, 4, 3).weight.shape == (4, 0, 3, 3)
    weight = nx.zeros(4, 0)
    assert init.kaiming_normal_(weight) is weight
