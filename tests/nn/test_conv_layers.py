"""Conv1d (and Conv2d's circular padding_mode) against PyTorch's layers loaded from their state
dicts (strict): forward, input and parameter gradients, second derivatives, state-dict keys,
repr, default initialisation, and the constructor's checks (a kernel size of 0 included)."""
import math

import numpy as np
import pytest

import neurenix as nx
from layer_reference import assert_layer_matches

LAYERS = [  # name, make(lib), input shape
    ("Conv1d", lambda lib: lib.nn.Conv1d(2, 3, 3), (2, 2, 7)),
    ("Conv1d strided padded no bias",
     lambda lib: lib.nn.Conv1d(2, 4, 3, stride=2, padding=1, bias=False), (2, 2, 8)),
    ("Conv1d dilated grouped", lambda lib: lib.nn.Conv1d(4, 2, 2, dilation=2, groups=2),
     (1, 4, 7)),
    ("Conv1d same", lambda lib: lib.nn.Conv1d(2, 2, 4, padding="same"), (2, 2, 6)),
    ("Conv1d valid", lambda lib: lib.nn.Conv1d(2, 2, (3,), padding="valid"), (2, 2, 5)),
    ("Conv1d reflect", lambda lib: lib.nn.Conv1d(2, 2, 3, padding=2, padding_mode="reflect"),
     (2, 2, 6)),
    ("Conv1d replicate same",
     lambda lib: lib.nn.Conv1d(2, 2, 4, padding="same", padding_mode="replicate"), (2, 2, 6)),
    ("Conv1d circular", lambda lib: lib.nn.Conv1d(2, 3, 3, padding=1, padding_mode="circular"),
     (2, 2, 5)),
    ("Conv1d unbatched", lambda lib: lib.nn.Conv1d(2, 3, 2), (2, 5)),
    ("Conv2d circular", lambda lib: lib.nn.Conv2d(2, 3, 3, padding=(1, 2),
                                                  padding_mode="circular"), (2, 2, 4, 5)),
    ("Conv2d circular same dilated",
     lambda lib: lib.nn.Conv2d(2, 2, (2, 3), padding="same", dilation=2,
                               padding_mode="circular"), (1, 2, 5, 6)),
]
IDS = [spec[0] for spec in LAYERS]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # PyTorch's own
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, make, shape", LAYERS, ids=IDS)
def test_layer_matches_torch(name, make, shape, dtype):
    """Forward, input and parameter gradients; second derivatives (through a tanh, as the
    convolution is bilinear) in float64."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    assert_layer_matches(torch, make, lambda layer, x: layer(x).tanh(), x, dtype=dtype,
                         training=True, second_order=dtype == np.float64)


@pytest.mark.parametrize("name, make, shape", LAYERS, ids=IDS)
def test_state_dict_keys_repr_and_default_initialisation_match_torch(name, make, shape):
    """PyTorch's keys and shapes, repr, and its default initialisation: weight and bias drawn
    from U(-k, k), k = 1 / sqrt(C/groups * prod(kernel))."""
    torch = pytest.importorskip("torch")
    nx.manual_seed(0)
    ours, theirs = make(nx), make(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].shape == tuple(value.shape), key
    assert repr(ours) == repr(theirs)
    k = 1 / math.sqrt(math.prod(ours.weight.shape[1:]))
    values = np.abs(np.concatenate([p.numpy().reshape(-1) for p in ours.parameters()]))
    assert values.max() <= k and values.max() > k / 2  # U(-k, k), not a narrower law


def test_constructor_checks_its_arguments():
    for make in (lambda: nx.nn.Conv2d(3, 4, 0), lambda: nx.nn.Conv2d(3, 4, (0, 2)),
                 lambda: nx.nn.Conv1d(3, 4, 0)):
        with pytest.raises(ValueError, match="kernel size should be greater than zero"):
            make()
    with pytest.raises(ValueError, match=r"Conv1d: kernel_size must be an int or a one-element"):
        nx.nn.Conv1d(3, 4, (3, 3))
    with pytest.raises(ValueError, match=r"Conv1d: in_channels \(3\) and out_channels \(4\) "
                                         r"must be divisible by groups \(2\)"):
        nx.nn.Conv1d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"Conv1d: padding='same' is not supported for strided"):
        nx.nn.Conv1d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode must be one of zeros, reflect, "
                                         "replicate, circular"):
        nx.nn.Conv1d(3, 4, 3, padding_mode="wrap")
    with pytest.raises(ValueError, match=r"conv1d: weight expects 3 input channels.*"
                                         r"\(1, 2, 5\)"):
        nx.nn.Conv1d(3, 4, 3)(nx.zeros(1, 2, 5))
