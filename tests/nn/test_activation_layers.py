"""The activation layers ReLU6, Hardtanh, ELU, SELU, Softplus, Mish, Hardswish, Hardsigmoid and
LogSigmoid against PyTorch's: forward, input gradients, second derivatives, repr, attributes,
inplace, train/eval, and the constructor's checks."""
import numpy as np
import pytest

import neurenix as nx
from neurenix.testing import assert_matches

LAYERS = [  # name, make(lib), PyTorch has a second derivative
    ("ReLU6", lambda lib: lib.nn.ReLU6(), True),
    ("ReLU6 inplace", lambda lib: lib.nn.ReLU6(inplace=True), True),
    ("Hardtanh", lambda lib: lib.nn.Hardtanh(), True),
    ("Hardtanh -2 3.5 inplace", lambda lib: lib.nn.Hardtanh(-2, 3.5, True), True),
    ("ELU", lambda lib: lib.nn.ELU(), True),
    ("ELU 0.5 inplace", lambda lib: lib.nn.ELU(alpha=0.5, inplace=True), True),
    ("SELU", lambda lib: lib.nn.SELU(), True),
    ("SELU inplace", lambda lib: lib.nn.SELU(inplace=True), True),
    ("Softplus", lambda lib: lib.nn.Softplus(), True),
    ("Softplus beta 2 threshold 3", lambda lib: lib.nn.Softplus(beta=2, threshold=3), True),
    ("Mish", lambda lib: lib.nn.Mish(), True),
    ("Mish inplace", lambda lib: lib.nn.Mish(inplace=True), True),
    ("Hardswish", lambda lib: lib.nn.Hardswish(), True),
    ("Hardswish inplace", lambda lib: lib.nn.Hardswish(True), True),
    ("Hardsigmoid", lambda lib: lib.nn.Hardsigmoid(), False),
    ("Hardsigmoid inplace", lambda lib: lib.nn.Hardsigmoid(inplace=True), False),
    ("LogSigmoid", lambda lib: lib.nn.LogSigmoid(), True),
]
IDS = [spec[0] for spec in LAYERS]


def _run(make):
    """The layer applied to an intermediate (x * 1), so an inplace layer changes that tensor
    and not the leaf, as it would inside a network."""
    def run(lib, x):
        return make(lib)(x * 1)
    return run


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, make, curved", LAYERS, ids=IDS)
def test_layer_matches_torch(name, make, curved, dtype):
    # values around every kink (0, +-1, +-3, 6 ...) and on both sides of it
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).uniform(-8, 8, (2, 3, 5)).astype(dtype)
    x.flat[:9] = [-3, -2, -1, 0, 1, 1.5, 3, 3.5, 6]
    for train in (True, False):  # no difference between the modes, as in PyTorch
        assert_matches(torch, lambda lib, a: make(lib).train(train)(a * 1), x,
                       second_order=curved)


@pytest.mark.parametrize("name, make, curved", LAYERS, ids=IDS)
def test_layer_of_empty_and_non_contiguous_inputs_matches_torch(name, make, curved):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).uniform(-8, 8, (4, 3)).T
    assert_matches(torch, _run(make), x, second_order=curved)
    assert_matches(torch, _run(make), np.zeros((0, 3)), second_order=curved)


@pytest.mark.parametrize("name, make, curved", LAYERS, ids=IDS)
def test_layer_repr_attributes_and_state_dict_match_torch(name, make, curved):
    torch = pytest.importorskip("torch")
    ours, theirs = make(nx), make(torch)
    assert repr(ours) == repr(theirs)
    public = {k: v for k, v in vars(theirs).items() if not k.startswith("_") and k != "training"}
    for key, value in public.items():
        assert getattr(ours, key) == value, key
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []


@pytest.mark.parametrize("name, make, curved", [s for s in LAYERS if "inplace" in s[0]],
                         ids=[i for i in IDS if "inplace" in i])
def test_inplace_layer_writes_into_its_input_like_torch(name, make, curved):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).uniform(-8, 8, (3, 4))
    ours, theirs = nx.tensor(x), torch.tensor(x)
    assert make(nx)(ours) is ours
    assert make(torch)(theirs) is theirs
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_relu6_is_a_hardtanh_from_0_to_6_like_torch():
    layer = nx.nn.ReLU6()
    assert isinstance(layer, nx.nn.Hardtanh)
    assert (layer.min_val, layer.max_val) == (0.0, 6.0)


def test_hardtanh_checks_its_bounds_and_takes_the_deprecated_names():
    with pytest.raises(ValueError, match=r"Hardtanh: max_val \(1\) must be greater than "
                                         r"min_val \(1\)"):
        nx.nn.Hardtanh(1, 1)
    with pytest.warns(FutureWarning, match="`min_value` is deprecated"):
        layer = nx.nn.Hardtanh(min_value=-2.0)
    assert layer.min_val == -2.0


def test_layers_keep_the_dtype_and_run_under_no_grad():
    x = nx.randn(2, 3, dtype=nx.float64)
    for _, make, _ in LAYERS:
        with nx.no_grad():
            out = make(nx)(x * 1)
        assert out.dtype == nx.float64 and not out.requires_grad


@pytest.mark.parametrize("make", [lambda nn: nn.ReLU(inplace=True),
                                  lambda nn: nn.LeakyReLU(0.1, inplace=True),
                                  lambda nn: nn.SiLU(inplace=True)])
def test_relu_leaky_relu_and_silu_write_in_place_as_pytorch(make):
    torch = pytest.importorskip("torch")
    values = [-2.0, -0.5, 0.0, 1.5]
    ours, theirs = nx.tensor(values), torch.tensor(values)
    out, ref = make(nx.nn)(ours), make(torch.nn)(theirs)
    assert out is ours
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    x = nx.tensor(values, requires_grad=True)
    h = x * 1
    make(nx.nn)(h).sum().backward()
    tx = torch.tensor(values, requires_grad=True)
    th = tx * 1
    make(torch.nn)(th).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
