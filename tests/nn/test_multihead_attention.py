"""nn.MultiheadAttention (neurenix/nn/attention.py) against PyTorch's, loaded from its state
dict: forward outputs and weights, input and parameter gradients and second derivatives over
the option grid (batch_first, unbatched, kdim/vdim, bias, add_bias_kv, add_zero_attn, masks,
need_weights, average_attn_weights, is_causal); dropout; state-dict keys; errors."""
import numpy as np
import pytest

import neurenix as nx
from layer_reference import assert_layer_matches, math_kernel, torch_pair

# PyTorch warns when the two masks' types differ (a bool padding mask with a float attn_mask).
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")

E, H, L, S, N = 8, 2, 3, 4, 2
RNG = np.random.default_rng(0)


def _normal(*shape):
    return RNG.standard_normal(shape)


def _padding(*shape):
    """A bool key padding mask (True: ignore) leaving every query at least one key."""
    mask = RNG.random(shape) < 0.4
    mask[..., 0] = False
    return mask


def _mha(**kwargs):
    return lambda lib: lib.nn.MultiheadAttention(E, H, **kwargs)


def _self(**kwargs):
    return lambda m, x, **kw: m(x, x, x, **kwargs, **kw)


def _cross(**kwargs):
    return lambda m, q, kv, **kw: m(q, kv, kv, **kwargs, **kw)


def _full(**kwargs):
    return lambda m, q, k, v, *masks, **kw: m(q, k, v, *masks, **kwargs, **kw)


CONFIGS = [  # name, make, call(layer, *tensors, **kw), input arrays
    ("self-attention", _mha(), _self(), [_normal(L, N, E)]),
    ("self-attention batch_first", _mha(batch_first=True), _self(), [_normal(N, L, E)]),
    ("cross-attention", _mha(), _cross(), [_normal(L, N, E), _normal(S, N, E)]),
    ("unbatched", _mha(batch_first=True), _cross(), [_normal(L, E), _normal(S, E)]),
    ("kdim vdim", _mha(kdim=5, vdim=3), _full(), [_normal(L, N, E), _normal(S, N, 5),
                                                  _normal(S, N, 3)]),
    ("kdim vdim batch_first no bias", _mha(kdim=5, vdim=3, bias=False, batch_first=True),
     _full(), [_normal(N, L, E), _normal(N, S, 5), _normal(N, S, 3)]),
    ("add_bias_kv add_zero_attn", _mha(add_bias_kv=True, add_zero_attn=True), _cross(),
     [_normal(L, N, E), _normal(S, N, E)]),
    ("key_padding_mask", _mha(), _full(), [_normal(L, N, E), _normal(S, N, E),
                                           _normal(S, N, E), _padding(N, S)]),
    ("float key_padding_mask and bias_kv", _mha(add_bias_kv=True, batch_first=True), _full(),
     [_normal(N, L, E), _normal(N, S, E), _normal(N, S, E), _normal(N, S)]),
    ("bool attn_mask", _mha(), lambda m, q, kv, a, **kw: m(q, kv, kv, attn_mask=a, **kw),
     [_normal(L, N, E), _normal(S, N, E), _padding(L, S)]),
    ("3-D float attn_mask and padding, zero_attn", _mha(add_zero_attn=True),
     lambda m, q, kv, p, a, **kw: m(q, kv, kv, p, attn_mask=a, **kw),
     [_normal(L, N, E), _normal(S, N, E), _padding(N, S), _normal(N * H, L, S)]),
    ("unbatched 3-D attn_mask and padding", _mha(),
     lambda m, q, kv, p, a, **kw: m(q, kv, kv, p, attn_mask=a, **kw),
     [_normal(L, E), _normal(S, E), _padding(S), _normal(H, L, S)]),
    ("causal hint", _mha(batch_first=True),
     lambda m, x, a, **kw: m(x, x, x, attn_mask=a, is_causal=True, **kw),
     [_normal(N, L, E), np.triu(np.ones((L, L), bool), 1)]),
    ("causal hint with padding", _mha(),
     lambda m, x, p, a, **kw: m(x, x, x, p, attn_mask=a, is_causal=True, **kw),
     [_normal(L, N, E), _padding(N, L), np.triu(np.ones((L, L), bool), 1)]),
]
IDS = [c[0] for c in CONFIGS]
WEIGHTS = [dict(need_weights=False), dict(need_weights=True),
           dict(need_weights=True, average_attn_weights=False)]
WEIGHT_IDS = ["no weights", "averaged weights", "weights per head"]


def _with(call, weights):
    return lambda m, *ts: call(m, *ts, **weights)


@pytest.mark.parametrize("weights", WEIGHTS, ids=WEIGHT_IDS)
@pytest.mark.parametrize("name, make, call, arrays", CONFIGS, ids=IDS)
def test_matches_torch_to_second_order_in_float64(name, make, call, arrays, weights):
    torch = pytest.importorskip("torch")
    assert_layer_matches(torch, make, _with(call, weights), *arrays, second_order=True)


@pytest.mark.parametrize("weights", WEIGHTS[:2], ids=WEIGHT_IDS[:2])
@pytest.mark.parametrize("name, make, call, arrays", CONFIGS, ids=IDS)
def test_matches_torchs_default_kernel_in_float32(name, make, call, arrays, weights):
    torch = pytest.importorskip("torch")
    assert_layer_matches(torch, make, _with(call, weights), *arrays, dtype=np.float32)


def test_causal_hint_replaces_the_mask_as_in_torch():
    """With need_weights=False and no padding mask, is_causal=True attends causally whatever
    attn_mask holds (PyTorch's documented hint); with need_weights=True the mask is used."""
    torch = pytest.importorskip("torch")
    x, not_causal = _normal(L, N, E), np.zeros((L, L), bool)
    for need_weights in (False, True):
        assert_layer_matches(
            torch, _mha(), lambda m, x, a: m(x, x, x, attn_mask=a, is_causal=True,
                                             need_weights=need_weights),
            x, not_causal, second_order=True)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_fully_masked_query_nan_with_weights_zeros_without():
    """A query masked from every key: PyTorch's explicit path (need_weights=True) gives nan,
    its scaled_dot_product_attention path the output bias. Both are mirrored."""
    torch = pytest.importorskip("torch")
    mask = np.zeros((L, S), bool)
    mask[1] = True
    for need_weights in (True, False):
        ours, _ = assert_layer_matches(
            torch, _mha(), lambda m, q, kv, a: m(q, kv, kv, attn_mask=a,
                                                 need_weights=need_weights),
            _normal(L, N, E), _normal(S, N, E), mask, grad=False)
        out, _ = ours(*(nx.tensor(_normal(*s)) for s in ((L, N, E), (S, N, E), (S, N, E))),
                      attn_mask=nx.tensor(mask), need_weights=need_weights)
        assert np.isnan(out.numpy()[1]).all() == need_weights


def test_eval_mode_with_dropout_matches_torch():
    torch = pytest.importorskip("torch")
    for need_weights in (True, False):
        assert_layer_matches(torch, _mha(dropout=0.5), _self(need_weights=need_weights),
                             _normal(L, N, E), second_order=True)


def test_dropout_in_training_drops_attention_weights():
    """The returned weights (per head) are the dropped ones: about p of them zero, the rest
    scaled by 1 / (1 - p), so rows still sum to 1 on average; eval mode drops nothing."""
    p, long = 0.25, 50
    nx.manual_seed(0)
    layer = nx.nn.MultiheadAttention(E, H, dropout=p).double()
    x = nx.tensor(_normal(long, 4, E))
    _, weights = layer(x, x, x, average_attn_weights=False)
    w = weights.numpy()
    assert abs((w == 0).mean() - p) < 0.02
    assert abs(w.sum(-1).mean() - 1) < 0.03
    out_train, _ = layer(x, x, x, need_weights=False)
    layer.eval()
    out_eval, _ = layer(x, x, x, need_weights=False)
    _, eval_weights = layer(x, x, x, average_attn_weights=False)
    assert np.all(eval_weights.numpy() > 0)
    assert not np.allclose(out_train.numpy(), out_eval.numpy())


@pytest.mark.parametrize("kwargs", [{}, dict(bias=False), dict(add_bias_kv=True),
                                    dict(kdim=5, vdim=3), dict(kdim=5, bias=False,
                                                               add_bias_kv=True)])
def test_state_dict_keys_shapes_and_repr_match_torch(kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = torch_pair(torch, _mha(**kwargs))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].shape == tuple(value.shape), key
    assert repr(ours) == repr(theirs)


def test_default_initialisation_is_torchs():
    """xavier_uniform_ projections, zero biases, xavier_normal_ bias_k / bias_v and out_proj's
    Linear default: each parameter's spread is the formula's, as PyTorch's is."""
    torch = pytest.importorskip("torch")
    nx.manual_seed(0)
    torch.manual_seed(0)
    ours = nx.nn.MultiheadAttention(64, 4, add_bias_kv=True, kdim=32)
    theirs = torch.nn.MultiheadAttention(64, 4, add_bias_kv=True, kdim=32)
    expected_std = {"q_proj_weight": np.sqrt(2 / 128), "k_proj_weight": np.sqrt(2 / 96),
                    "v_proj_weight": np.sqrt(2 / 128), "bias_k": np.sqrt(2 / 128),
                    "bias_v": np.sqrt(2 / 128), "out_proj.weight": 1 / np.sqrt(3 * 64),
                    "in_proj_bias": 0, "out_proj.bias": 0}
    assert sorted(expected_std) == sorted(n for n, _ in theirs.named_parameters())
    for name, p in theirs.named_parameters():
        mine = dict(ours.named_parameters())[name]
        assert mine.dtype == nx.float32
        for values in (mine.numpy(), p.detach().numpy()):
            assert abs(values.std() - expected_std[name]) <= 0.2 * expected_std[name], name
        if name.endswith("proj_weight"):  # xavier_uniform_: U(-b, b), b = sqrt(6 / fans)
            bound = np.sqrt(3) * expected_std[name]
            assert 0.9 * bound < np.abs(mine.numpy()).max() <= bound, name


def test_causal_without_mask_and_shape_errors_name_the_layer():
    layer = nx.nn.MultiheadAttention(E, H)
    x = nx.tensor(_normal(L, N, E).astype(np.float32))
    cases = [  # call, exception, words
        (lambda: layer(x, x, x, is_causal=True), RuntimeError, ["is_causal", "attn_mask"]),
        (lambda: layer(x.reshape(1, L, N, E), x, x), ValueError, ["2-D", "3-D", "(1, 3, 2, 8)"]),
        (lambda: layer(x[..., :5], x, x), ValueError, ["(8, 8, 8)", "(3, 2, 5)"]),
        (lambda: layer(x, x[:2], x), ValueError, ["(2, 2, 8)", "(3, 2, 8)"]),
        (lambda: layer(x, x[:, :1], x[:, :1]), ValueError, ["batch", "(3, 1, 8)"]),
        (lambda: layer(x, x, x, key_padding_mask=nx.zeros(N, L + 1, dtype=nx.bool)),
         ValueError, ["key_padding_mask", "(2, 3)", "(2, 4)"]),
        (lambda: layer(x, x, x, attn_mask=nx.zeros(L, L + 1, dtype=nx.bool)), ValueError,
         ["attn_mask", "(3, 3)", "(4, 3, 3)", "(3, 4)"]),
        (lambda: layer(x, x, x, attn_mask=nx.zeros(L, L, dtype=nx.int64)), TypeError,
         ["attn_mask", "int64"]),
        (lambda: layer(x.double(), x.double(), x.double()), TypeError, ["float64", "float32"]),
    ]
    for call, error, words in cases:
        with pytest.raises(error) as info:
            call()
        assert "MultiheadAttention" in str(info.value)
        for word in words:
            assert word in str(info.value), (word, str(info.value))


@pytest.mark.parametrize("embed_dim, num_heads, words", [
    (10, 3, ["embed_dim 10", "num_heads 3", "divisible"]),
    (0, 2, ["embed_dim=0"]),
    (8, 0, ["num_heads=0"]),
])
def test_constructor_errors_name_the_layer(embed_dim, num_heads, words):
    with pytest.raises(ValueError) as info:
        nx.nn.MultiheadAttention(embed_dim, num_heads)
    assert "MultiheadAttention" in str(info.value)
    for word in words:
        assert word in str(info.value)


def test_math_kernel_is_what_torchs_default_computes():
    """The reference switch used above changes nothing but the double backward."""
    torch = pytest.importorskip("torch")
    layer = torch.nn.MultiheadAttention(E, H).double()
    x = torch.tensor(_normal(L, N, E))
    with math_kernel(torch):
        ref = layer(x, x, x, need_weights=False)[0]
    np.testing.assert_allclose(layer(x, x, x, need_weights=False)[0].detach().numpy(),
                               ref.detach().numpy(), rtol=1e-12, atol=1e-12)
