"""F.scaled_dot_product_attention (neurenix/core/ops/attention.py): gradient checks to second
order, PyTorch comparisons (forward, first and second derivatives) over masks, causal masks,
broadcasting, grouped-query attention and empty sequences; dropout statistics; errors.

PyTorch's fused CPU kernel has no double backward, so the second-order comparisons run PyTorch's
"math" kernel (the same formula); first-order comparisons also run its default kernel."""
import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurenix as nx
import neurenix.nn.functional as F
from neurenix.testing import assert_matches, ranged

RNG = np.random.default_rng(0)


def _normal(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def _bool_mask(*shape, dead_row=None):
    """A random bool mask (True: attend); row ``dead_row`` attends to nothing."""
    mask = RNG.random(shape) > 0.4
    if dead_row is not None:
        mask[..., dead_row, :] = False
    return mask


def _float_mask(*shape, dead_row=None):
    mask = _normal(*shape)
    mask[RNG.random(shape) < 0.2] = -np.inf
    if dead_row is not None:
        mask[..., dead_row, :] = -np.inf
    return mask


def _sdpa(lib):
    return (F if lib is nx else lib.nn.functional).scaled_dot_product_attention


CASES = [  # name, arrays (query, key, value[, attn_mask]), keyword arguments
    ("plain 3-D", (_normal(2, 3, 4), _normal(2, 5, 4), _normal(2, 5, 6)), {}),
    ("2-D", (_normal(3, 4), _normal(5, 4), _normal(5, 2)), {}),
    ("4-D heads", (_normal(2, 2, 3, 4), _normal(2, 2, 5, 4), _normal(2, 2, 5, 3)), {}),
    ("broadcast batch", (_normal(2, 2, 3, 4), _normal(2, 1, 5, 4), _normal(5, 3)), {}),
    ("causal square", (_normal(2, 4, 3), _normal(2, 4, 3), _normal(2, 4, 2)),
     dict(is_causal=True)),
    ("causal L < S", (_normal(1, 2, 3), _normal(1, 4, 3), _normal(1, 4, 2)),
     dict(is_causal=True)),
    ("causal L > S: top-left aligned", (_normal(1, 4, 3), _normal(1, 2, 3), _normal(1, 2, 2)),
     dict(is_causal=True)),
    ("bool mask, a dead row", (_normal(2, 3, 4), _normal(2, 5, 4), _normal(2, 5, 3),
                               _bool_mask(3, 5, dead_row=1)), {}),
    ("bool mask per batch", (_normal(2, 2, 3, 4), _normal(2, 2, 5, 4), _normal(2, 2, 5, 3),
                             _bool_mask(2, 1, 3, 5, dead_row=2)), {}),
    ("float mask with -inf and a dead row", (_normal(2, 3, 4), _normal(2, 5, 4),
                                             _normal(2, 5, 3), _float_mask(2, 3, 5, dead_row=0)),
     {}),
    ("float mask broadcast over heads", (_normal(2, 2, 3, 4), _normal(2, 2, 5, 4),
                                         _normal(2, 2, 5, 3), _normal(2, 1, 3, 5)), {}),
    ("scale", (_normal(2, 3, 4), _normal(2, 5, 4), _normal(2, 5, 6)), dict(scale=0.7)),
    ("negative scale", (_normal(2, 3, 4), _normal(2, 5, 4), _normal(2, 5, 6)),
     dict(scale=-1.3)),
    ("grouped-query attention", (_normal(1, 4, 3, 4), _normal(1, 2, 5, 4), _normal(1, 1, 5, 3)),
     dict(enable_gqa=True)),
    ("grouped-query attention 3-D", (_normal(4, 3, 4), _normal(2, 5, 4), _normal(2, 5, 3)),
     dict(enable_gqa=True)),
    ("empty target", (_normal(2, 0, 4), _normal(2, 5, 4), _normal(2, 5, 3)), {}),
    ("empty source: zeros", (_normal(2, 3, 4), _normal(2, 0, 4), _normal(2, 0, 3)), {}),
    ("empty batch", (_normal(0, 3, 4), _normal(0, 5, 4), _normal(0, 5, 3)), {}),
    ("non-contiguous", (_normal(4, 2, 3).transpose(1, 2, 0), _normal(2, 4, 5).transpose(0, 2, 1),
                        _normal(2, 5, 3)), {}),
]
IDS = [case[0] for case in CASES]


def _math_kernel(torch):
    from torch.nn.attention import SDPBackend, sdpa_kernel
    return sdpa_kernel(SDPBackend.MATH)


def _call(kwargs):
    return lambda lib, *ts: _sdpa(lib)(*ts, **kwargs)


@pytest.mark.parametrize("name, arrays, kwargs", CASES, ids=IDS)
def test_sdpa_matches_torch_to_second_order(name, arrays, kwargs):
    torch = pytest.importorskip("torch")
    with _math_kernel(torch):
        assert_matches(torch, _call(kwargs), *arrays, second_order=True)


@pytest.mark.parametrize("name, arrays, kwargs", CASES, ids=IDS)
def test_sdpa_matches_torchs_default_kernel_in_float32(name, arrays, kwargs):
    """Forward and gradients in float32 against PyTorch's default (fused) kernel: the same
    semantics, dead rows included."""
    torch = pytest.importorskip("torch")
    arrays = [a.astype(np.float32) if a.dtype.kind == "f" else a for a in arrays]
    assert_matches(torch, _call(kwargs), *arrays)


def test_float32_mask_with_float64_query_matches_torch():
    """PyTorch accepts a float32 mask with any query dtype (and adds it in the query's)."""
    torch = pytest.importorskip("torch")
    arrays = (_normal(2, 3, 4), _normal(2, 5, 4), _normal(2, 5, 3),
              _float_mask(3, 5, dead_row=1).astype(np.float32))
    with _math_kernel(torch):
        assert_matches(torch, _call({}), *arrays, second_order=True)


def test_dead_rows_give_zeros_and_zero_gradients():
    q, k, v = (nx.tensor(_normal(3, 4), requires_grad=True) for _ in range(3))
    mask = nx.tensor(np.array([[True, False, True], [False] * 3, [True] * 3]))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert np.all(out.numpy()[1] == 0) and np.all(np.isfinite(out.numpy()))
    out.sum().backward()
    assert np.all(q.grad.numpy()[1] == 0) and np.all(np.isfinite(k.grad.numpy()))


@st.composite
def _attention_inputs(draw):
    """(query, key, value, mask or None, kwargs): float64 leaves of small random shapes."""
    N, L, S = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    E, Ev = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    arrays = [draw(hnp.arrays(np.float64, shape, elements=ranged(-2, 2)))
              for shape in ((N, L, E), (N, S, E), (N, S, Ev))]
    tensors = [nx.tensor(a, requires_grad=True) for a in arrays]
    kind = draw(st.sampled_from(["none", "bool", "float", "causal"]))
    mask, kwargs = None, {}
    if kind == "bool":
        mask = nx.tensor(draw(hnp.arrays(np.bool_, (L, S))))
    elif kind == "float":
        mask = nx.tensor(draw(hnp.arrays(np.float64, (N, 1, S), elements=ranged(-2, 2))),
                         requires_grad=True)
    elif kind == "causal":
        kwargs["is_causal"] = True
    if draw(st.booleans()):
        kwargs["scale"] = draw(st.floats(-2, 2, allow_nan=False))
    return tensors, mask, kwargs


@settings(max_examples=15)
@given(inputs=_attention_inputs())
def test_sdpa_gradcheck_and_gradgradcheck(inputs):
    tensors, mask, kwargs = inputs
    if mask is not None and mask.requires_grad:
        tensors.append(mask)

        def fn(q, k, v, m):
            return F.scaled_dot_product_attention(q, k, v, attn_mask=m, **kwargs)
    else:
        def fn(q, k, v):
            return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, **kwargs)
    assert nx.gradcheck(fn, tuple(tensors))
    assert nx.gradgradcheck(fn, tuple(tensors))


def _seeded_dropout(p):
    """sdpa with dropout whose mask is redrawn the same on every call (seeded), so finite
    differences see one function."""
    def fn(q, k, v):
        nx.manual_seed(7)
        return F.scaled_dot_product_attention(q, k, v, dropout_p=p)
    return fn


def test_dropout_gradcheck_and_gradgradcheck():
    tensors = tuple(nx.tensor(_normal(2, 3, 3), requires_grad=True) for _ in range(3))
    assert nx.gradcheck(_seeded_dropout(0.4), tensors)
    assert nx.gradgradcheck(_seeded_dropout(0.4), tensors)


def test_dropout_statistics():
    """With value the identity, the output is the dropped-out attention matrix: about p of it
    zero, the rest scaled by 1 / (1 - p), so each row still sums to 1 on average. Applied
    whenever dropout_p > 0 (there is no training flag), as PyTorch."""
    p, L, S = 0.3, 64, 200
    q, k = nx.tensor(_normal(4, L, 8)), nx.tensor(_normal(4, S, 8))
    nx.manual_seed(0)
    attn = F.scaled_dot_product_attention(q, k, nx.eye(S, dtype=nx.float64), dropout_p=p)
    zeros = float((attn.numpy() == 0).mean())
    assert abs(zeros - p) < 0.01
    assert abs(attn.numpy().sum(-1).mean() - 1) < 0.02
    assert np.all(F.scaled_dot_product_attention(q, k, nx.eye(S, dtype=nx.float64),
                                                 dropout_p=1.0).numpy() == 0)


def test_result_dtype_is_the_querys():
    q, k, v = (nx.tensor(_normal(2, 3, 4, dtype=np.float32)) for _ in range(3))
    mask = nx.tensor(_normal(3, 3, dtype=np.float32))
    assert F.scaled_dot_product_attention(q, k, v, attn_mask=mask).dtype == nx.float32


ERRORS = [  # arrays, kwargs, exception, words in the message
    ((_normal(4), _normal(4), _normal(4)), {}, ValueError, ["at least 2-D", "(4,)"]),
    ((_normal(2, 3, 4), _normal(2, 5, 3), _normal(2, 5, 6)), {}, ValueError,
     ["(2, 3, 4)", "(2, 5, 3)"]),
    ((_normal(2, 3, 4), _normal(2, 5, 4), _normal(2, 4, 6)), {}, ValueError, ["(2, 4, 6)"]),
    ((_normal(2, 3, 4), _normal(3, 5, 4), _normal(3, 5, 6)), {}, ValueError,
     ["(2,)", "(3,)", "broadcast"]),
    ((_normal(2, 3, 4), _normal(2, 5, 4, dtype=np.float32), _normal(2, 5, 6)), {}, TypeError,
     ["float64", "float32"]),
    ((np.ones((2, 3, 4), np.int64),) * 3, {}, TypeError, ["int64"]),
    ((_normal(2, 3, 4), _normal(2, 5, 4), _normal(2, 5, 6), np.ones((3, 5), bool)),
     dict(is_causal=True), RuntimeError, ["is_causal", "(3, 5)"]),
    ((_normal(2, 3, 4), _normal(2, 5, 4), _normal(2, 5, 6), np.ones((3, 5), np.int64)), {},
     TypeError, ["attn_mask", "int64"]),
    ((_normal(2, 3, 4, dtype=np.float32),) + (_normal(2, 5, 4, dtype=np.float32),) * 2
     + (np.zeros((3, 5)),), {}, TypeError, ["attn_mask", "float64"]),
    ((_normal(2, 3, 4), _normal(2, 5, 4), _normal(2, 5, 6), np.ones((4, 5), bool)), {},
     ValueError, ["attn_mask", "(4, 5)", "(2, 3, 5)"]),
    ((_normal(1, 4, 3, 4), _normal(1, 3, 5, 4), _normal(1, 3, 5, 6)), dict(enable_gqa=True),
     ValueError, ["heads", "(3)", "(4)"]),
    ((_normal(3, 4), _normal(5, 4), _normal(5, 6)), dict(enable_gqa=True), ValueError,
     ["enable_gqa", "(3, 4)"]),
    ((_normal(2, 3, 4), _normal(2, 5, 4), _normal(2, 5, 6)), dict(dropout_p=1.5), ValueError,
     ["dropout_p", "1.5"]),
]


@pytest.mark.parametrize("arrays, kwargs, error, words", ERRORS)
def test_sdpa_errors_name_the_op_and_shapes(arrays, kwargs, error, words):
    tensors = [nx.tensor(a) for a in arrays]
    with pytest.raises(error) as info:
        F.scaled_dot_product_attention(*tensors, **kwargs)
    message = str(info.value)
    assert "scaled_dot_product_attention" in message
    for word in words:
        assert word in message, (word, message)


def test_torch_refuses_what_we_refuse():
    """The errors above are PyTorch's too (its messages differ)."""
    torch = pytest.importorskip("torch")
    for arrays, kwargs, _, _ in ERRORS:
        with contextlib.suppress(Exception):
            _sdpa(torch)(*[torch.tensor(a) for a in arrays], **kwargs)
            pytest.fail(f"PyTorch accepted {[a.shape for a in arrays]} {kwargs}")
