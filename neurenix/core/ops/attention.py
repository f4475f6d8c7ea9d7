"""Scaled dot-product attention, as ``torch.nn.functional.scaled_dot_product_attention``.

A composite of differentiable ops, so its derivatives of every order are theirs (it is
PyTorch's "math" kernel, the one PyTorch itself differentiates twice)::

    scores = (query * scale) @ key^T + mask         (*, L, S)
    attn   = softmax(scores, dim=-1)                a row of only -inf scores gives zeros
    out    = dropout(attn, dropout_p) @ value       (*, L, Ev)

The mask is additive. A float mask is added as given; a bool mask is 0 where True (attend) and
-inf where False; ``is_causal`` is the bool mask ``ones(L, S).tril()``, aligned to the top-left
corner. A query that may attend to nothing gets zeros, and zero gradients, instead of the nan of
0 / 0 (PyTorch's ``_safe_softmax``).
"""
import math

import numpy as np

from .._shapes import broadcast_shapes
from ..tensor import Tensor
from .activation import softmax
from .arithmetic import cast
from .dropout import dropout
from .gather import masked_fill
from .matmul import MatMul

_OP = "scaled_dot_product_attention"


def _check_qkv(query, key, value) -> None:
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{_OP}: {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim < 2:
            raise ValueError(f"{_OP}: query, key and value must be at least 2-D (*, L, E), got "
                             f"shapes {query.shape}, {key.shape}, {value.shape}")
    if not query.dtype == key.dtype == value.dtype or query.dtype.kind != "f":
        raise TypeError(f"{_OP}: query, key and value must have one floating dtype, got "
                        f"{query.dtype}, {key.dtype}, {value.dtype}")
    if key.shape[-1] != query.shape[-1] or value.shape[-2] != key.shape[-2]:
        raise ValueError(f"{_OP}: expected query (*, L, E), key (*, S, E) and value (*, S, Ev), "
                         f"got {query.shape}, {key.shape}, {value.shape}")


def _group_heads(query: Tensor, key: Tensor, value: Tensor) -> tuple:
    """key and value with each of their heads (axis -3) repeated for its group of query heads
    (grouped-query attention: Hq query heads share Hk key/value heads, Hk dividing Hq)."""
    if min(query.ndim, key.ndim, value.ndim) < 3:
        raise ValueError(f"{_OP}: enable_gqa needs a heads axis (*, H, L, E), got query "
                         f"{query.shape}, key {key.shape}, value {value.shape}")
    heads = query.shape[-3]
    if heads % key.shape[-3] or heads % value.shape[-3]:
        raise ValueError(f"{_OP}: the number of heads in key ({key.shape[-3]}) and value "
                         f"({value.shape[-3]}) must divide the number in query ({heads})")
    return (key.repeat_interleave(heads // key.shape[-3], dim=-3),
            value.repeat_interleave(heads // value.shape[-3], dim=-3))


def _additive_mask(attn_mask, is_causal: bool, L: int, S: int, dtype):
    """The mask as a Tensor to add to the scores (None for none)."""
    if is_causal:
        return Tensor._wrap(np.where(np.tril(np.ones((L, S), bool)), 0, -np.inf).astype(dtype))
    if attn_mask is None:
        return None
    if attn_mask.dtype == np.bool_:
        return Tensor._wrap(np.where(attn_mask.data, 0, -np.inf).astype(dtype))
    return attn_mask if attn_mask.dtype == dtype else cast(attn_mask, dtype)


def _check_mask(attn_mask, is_causal: bool, scores_shape: tuple, dtype) -> None:
    if attn_mask is None:
        return
    if is_causal:
        raise RuntimeError(f"{_OP}: an explicit attn_mask (shape {attn_mask.shape}) should not "
                           "be set when is_causal=True")
    if not isinstance(attn_mask, Tensor):
        raise TypeError(f"{_OP}: attn_mask must be a Tensor, got {type(attn_mask).__name__}")
    if attn_mask.dtype not in (np.bool_, np.float32, dtype):  # as PyTorch
        raise TypeError(f"{_OP}: attn_mask must be bool, float32 or the query's dtype "
                        f"{dtype}, got {attn_mask.dtype}")
    try:
        fits = np.broadcast_shapes(attn_mask.shape, scores_shape) == scores_shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"{_OP}: attn_mask of shape {attn_mask.shape} does not broadcast to "
                         f"the attention scores (*, L, S) = {scores_shape}")


def softmax_or_zeros(scores: Tensor) -> Tensor:
    """softmax over the last axis, with zeros for a row whose scores are all -inf (where
    softmax is 0 / 0). Such rows are set to 0 before the softmax and to 0 after it, so neither
    the forward nor any derivative meets a nan; the test costs one pass over the scores."""
    dead = np.all(scores.data == -np.inf, axis=-1, keepdims=True)
    if not dead.any():
        return softmax(scores, -1)
    return masked_fill(softmax(masked_fill(scores, dead, 0.0), -1), dead, 0.0)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale=None,
                                 enable_gqa: bool = False) -> Tensor:
    """Attention: each query's output is the average of the values, weighted by the softmax of
    its scaled dot products with the keys.

    Args:
        query: (*, L, E).  key: (*, S, E).  value: (*, S, Ev); the leading axes broadcast.
        attn_mask: None, a bool mask (True: may attend) or a float mask added to the scores
            (float32 or the query's dtype; differentiable), broadcastable to (*, L, S).
        dropout_p: the probability of dropping an attention weight. Applied whenever > 0, as
            PyTorch (a layer passes 0.0 in eval mode).
        is_causal: mask out keys after the query (``ones(L, S).tril()``, top-left aligned);
            refused together with an attn_mask.
        scale: multiplies the scores; 1 / sqrt(E) when None.
        enable_gqa: grouped-query attention: key and value have Hk heads on axis -3, each
            shared by Hq / Hk query heads.

    Shape: query (*, L, E), key (*, S, E), value (*, S, Ev) -> (*, L, Ev), the query's dtype.
        A query masked from every key gets zeros (no nan), as PyTorch.
    Raises: ValueError naming the shapes when they do not fit; TypeError for mixed or
        non-floating dtypes or a mask of another dtype; RuntimeError for attn_mask with
        is_causal.

    Examples: ``F.scaled_dot_product_attention(q, k, v, is_causal=True)`` with q, k, v of shape
        (N, heads, L, head_dim).
    """
    _check_qkv(query, key, value)
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{_OP}: dropout_p must be in [0, 1], got {dropout_p}")
    if enable_gqa:
        key, value = _group_heads(query, key, value)
    L, S, E = query.shape[-2], key.shape[-2], query.shape[-1]
    batch = broadcast_shapes(_OP, query.shape[:-2], key.shape[:-2], value.shape[:-2])
    _check_mask(attn_mask, is_causal, batch + (L, S), query.dtype)
    if scale is None:
        scale = 1 / math.sqrt(E) if E else 1.0  # E = 0: every score is 0 whatever the scale
    # Scaling the query costs L*E products, scaling the scores L*S: S is usually the larger.
    scores = MatMul.apply(query * scale, key.mT)
    mask = _additive_mask(attn_mask, is_causal, L, S, query.dtype)
    if mask is not None:
        scores = scores + mask
    attn = softmax_or_zeros(scores)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p)
    return MatMul.apply(attn, value)
