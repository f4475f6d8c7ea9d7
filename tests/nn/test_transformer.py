"""nn.TransformerEncoderLayer and nn.TransformerEncoder (neurenix/nn/transformer.py) against
PyTorch's, loaded from its state dict: outputs, input and parameter gradients and second
derivatives over norm_first, batch_first, activation, bias, masks, causal hints and unbatched
inputs; dropout; state-dict keys and sub-module names; errors."""
import numpy as np
import pytest

import neurenix as nx
from layer_reference import assert_layer_matches, torch_pair

D_MODEL, NHEAD, FF, L, N = 8, 2, 12, 4, 2
RNG = np.random.default_rng(0)
CAUSAL = np.triu(np.ones((L, L), bool), 1)

# PyTorch warns that its nested-tensor fast path is off, and about mixed mask types.
pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:Support for mismatched")]


def _padding():
    mask = RNG.random((N, L)) < 0.4
    mask[:, 0] = False
    return mask


def _layer(**kwargs):
    return lambda lib: lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, **kwargs)


def _silu(lib):
    return lib.nn.functional.silu


LAYERS = [  # name, make, call(layer, *tensors), arrays
    ("post-norm relu", _layer(), lambda m, x: m(x), [RNG.standard_normal((L, N, D_MODEL))]),
    ("pre-norm gelu batch_first", _layer(norm_first=True, activation="gelu", batch_first=True),
     lambda m, x: m(x), [RNG.standard_normal((N, L, D_MODEL))]),
    ("callable activation no bias", lambda lib: lib.nn.TransformerEncoderLayer(
        D_MODEL, NHEAD, FF, activation=_silu(lib), bias=False), lambda m, x: m(x),
     [RNG.standard_normal((L, N, D_MODEL))]),
    ("module activation, eps", lambda lib: lib.nn.TransformerEncoderLayer(
        D_MODEL, NHEAD, FF, activation=lib.nn.GELU(), layer_norm_eps=1e-3), lambda m, x: m(x),
     [RNG.standard_normal((L, N, D_MODEL))]),
    ("unbatched", _layer(norm_first=True), lambda m, x: m(x),
     [RNG.standard_normal((L, D_MODEL))]),
    ("padding mask", _layer(batch_first=True), lambda m, x, p: m(x, src_key_padding_mask=p),
     [RNG.standard_normal((N, L, D_MODEL)), _padding()]),
    ("causal mask and hint", _layer(), lambda m, x, a: m(x, src_mask=a, is_causal=True),
     [RNG.standard_normal((L, N, D_MODEL)), CAUSAL]),
    ("float mask and padding, pre-norm", _layer(norm_first=True),
     lambda m, x, a, p: m(x, a, p), [RNG.standard_normal((L, N, D_MODEL)),
                                     RNG.standard_normal((L, L)), _padding()]),
]
IDS = [c[0] for c in LAYERS]


@pytest.mark.parametrize("name, make, call, arrays", LAYERS, ids=IDS)
def test_layer_matches_torch_to_second_order_in_float64(name, make, call, arrays):
    """In eval mode (dropout off, PyTorch's default 0.1 otherwise)."""
    torch = pytest.importorskip("torch")
    assert_layer_matches(torch, make, call, *arrays, second_order=True)


@pytest.mark.parametrize("name, make, call, arrays", LAYERS, ids=IDS)
def test_layer_matches_torch_in_float32(name, make, call, arrays):
    torch = pytest.importorskip("torch")
    assert_layer_matches(torch, make, call, *arrays, dtype=np.float32)


def test_layer_in_training_with_dropout_one_matches_torch():
    """p = 1 drops every block's output (and every attention weight): deterministic, so the
    training-mode path is compared exactly."""
    torch = pytest.importorskip("torch")
    for norm_first in (False, True):
        assert_layer_matches(torch, _layer(dropout=1.0, norm_first=norm_first),
                             lambda m, x: m(x), RNG.standard_normal((L, N, D_MODEL)),
                             training=True, second_order=True)


def test_layer_dropout_in_training_is_random_and_off_in_eval():
    layer = nx.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dropout=0.3).double()
    x = nx.tensor(RNG.standard_normal((L, N, D_MODEL)))
    nx.manual_seed(0)
    first = layer(x).numpy()
    nx.manual_seed(0)
    np.testing.assert_array_equal(layer(x).numpy(), first)  # one generator: reproducible
    assert not np.allclose(layer(x).numpy(), first)
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), layer(x).numpy())


ENCODERS = [  # name, make, call, arrays
    ("2 layers", lambda lib: lib.nn.TransformerEncoder(_layer()(lib), 2), lambda m, x: m(x),
     [RNG.standard_normal((L, N, D_MODEL))]),
    ("2 pre-norm layers, final norm, padding", lambda lib: lib.nn.TransformerEncoder(
        _layer(norm_first=True, batch_first=True)(lib), 2, norm=lib.nn.LayerNorm(D_MODEL)),
     lambda m, x, p: m(x, src_key_padding_mask=p),
     [RNG.standard_normal((N, L, D_MODEL)), _padding()]),
    ("causal mask detected", lambda lib: lib.nn.TransformerEncoder(_layer()(lib), 2),
     lambda m, x, a: m(x, mask=a), [RNG.standard_normal((L, N, D_MODEL)), CAUSAL]),
]
ENCODER_IDS = [c[0] for c in ENCODERS]


@pytest.mark.parametrize("name, make, call, arrays", ENCODERS, ids=ENCODER_IDS)
def test_encoder_matches_torch_to_second_order_in_float64(name, make, call, arrays):
    torch = pytest.importorskip("torch")
    assert_layer_matches(torch, make, call, *arrays, second_order=True)


def test_encoder_layers_are_independent_copies():
    layer = nx.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF)
    encoder = nx.nn.TransformerEncoder(layer, 3)
    weights = [m.linear1.weight for m in encoder.layers]
    assert len({id(w) for w in weights}) == 3 and all(w is not layer.linear1.weight
                                                       for w in weights)
    assert len(list(encoder.parameters())) == 3 * len(list(layer.parameters()))


def test_causal_mask_detection():
    from neurenix.nn.transformer import _is_causal_mask
    float_causal = nx.tensor(np.where(CAUSAL, -np.inf, 0.0))
    assert _is_causal_mask(nx.tensor(CAUSAL)) and _is_causal_mask(float_causal)
    assert not _is_causal_mask(nx.tensor(~CAUSAL)) and not _is_causal_mask(None)
    assert not _is_causal_mask(nx.tensor(np.zeros((L, L))))


@pytest.mark.parametrize("make", [
    _layer(), _layer(bias=False),
    lambda lib: lib.nn.TransformerEncoder(_layer(norm_first=True)(lib), 2,
                                          norm=lib.nn.LayerNorm(D_MODEL)),
])
def test_state_dict_keys_shapes_and_repr_match_torch(make):
    torch = pytest.importorskip("torch")
    ours, theirs = torch_pair(torch, make)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].shape == tuple(value.shape), key
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert repr(ours) == repr(theirs)


def test_errors_name_the_layer():
    with pytest.raises(ValueError, match="TransformerEncoderLayer.*relu/gelu.*'tanh'"):
        nx.nn.TransformerEncoderLayer(D_MODEL, NHEAD, activation="tanh")
    with pytest.raises(TypeError, match="TransformerEncoderLayer.*activation"):
        nx.nn.TransformerEncoderLayer(D_MODEL, NHEAD, activation=3)
    with pytest.raises(ValueError, match="embed_dim 10 must be divisible by num_heads 3"):
        nx.nn.TransformerEncoderLayer(10, 3)
    layer = nx.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF)
    with pytest.raises(ValueError, match=r"MultiheadAttention.*\(4, 2, 5\)"):
        layer(nx.zeros(L, N, 5))
