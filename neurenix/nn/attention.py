"""Multi-head attention, as ``torch.nn.MultiheadAttention``.

The queries, keys and values are projected, split into ``num_heads`` heads of
``head_dim = embed_dim / num_heads`` features, attended head by head
(``F.scaled_dot_product_attention``), joined and projected again. Parameters carry PyTorch's
names (``in_proj_weight``, ``in_proj_bias``, ``out_proj.weight``, ...), so a PyTorch state dict
loads with ``strict=True``.
"""
import math

import numpy as np

from ..core import factories
from ..core.ops.shape import cat
from ..core.tensor import Tensor
from . import functional as F
from . import init
from .linear import Linear
from .module import Module
from .parameter import Parameter


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under the class name PyTorch gives ``MultiheadAttention.out_proj``, so the
    two reprs read the same."""


def _additive(mask: Tensor, dtype) -> Tensor:
    """A mask as a Tensor to add to attention scores: a float mask as given (in ``dtype``), a
    bool one -inf where True (ignore) and 0 elsewhere, PyTorch's "canonical" mask."""
    if mask.dtype == np.bool_:
        return Tensor._wrap(np.where(mask.data, -np.inf, 0).astype(dtype))
    return mask if mask.dtype == dtype else mask.to(dtype)


class MultiheadAttention(Module):
    """Attention over ``num_heads`` heads in parallel:
    ``out_proj(concat_h softmax(Q_h K_h^T / sqrt(head_dim) + mask) V_h)`` with
    ``Q = query W_q^T + b_q``, ``K = key W_k^T + b_k``, ``V = value W_v^T + b_v``.

    Args:
        embed_dim: E, the model's (and the query's) feature size; divisible by num_heads.
        num_heads: the number of heads, each of head_dim = E / num_heads features.
        dropout: probability of dropping an attention weight in training.
        bias: learn in_proj_bias and out_proj.bias.
        add_bias_kv: learn bias_k and bias_v (1, 1, E), appended to the keys and values as one
            more source position.
        add_zero_attn: append a source position of zeros to the projected keys and values.
        kdim, vdim: the key's and value's feature sizes (default E).
        batch_first: inputs and output are (N, L, E) rather than (L, N, E).
        device, dtype: where and in what dtype the parameters are made ("cpu" only).
    Attributes:
        in_proj_weight (3E, E): W_q, W_k, W_v stacked, when kdim == vdim == E; otherwise
            q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim). All
            xavier_uniform_.
        in_proj_bias (3E,): zeros.  out_proj: a Linear(E, E), its bias zeros.
        bias_k, bias_v (1, 1, E): xavier_normal_, with add_bias_kv.
    Shape (forward):
        query (L, E) or (L, N, E) [(N, L, E) batch_first]; key (S, kdim) or (S, N, kdim);
        value (S, vdim) or (S, N, vdim); key_padding_mask (S,) or (N, S), True (or -inf) for
        a key to ignore; attn_mask (L, S) or (N * num_heads, L, S), True for a pair that may
        not attend (a float mask is added to the scores).
        -> attn_output like query with E features, and attn_output_weights (N, L, S) averaged
        over heads or (N, num_heads, L, S) (the leading N dropped for unbatched inputs), None
        unless need_weights.
    Raises: ValueError naming the layer and the shapes for an embed_dim not divisible by
        num_heads or inputs and masks of the wrong shape.

    The weights returned by ``need_weights=True`` come from a plain softmax, so a query masked
    from every key gets nan, as in PyTorch; with ``need_weights=False`` it gets zeros
    (``F.scaled_dot_product_attention``).
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim=None, vdim=None,
                 batch_first: bool = False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater than "
                             f"0, got embed_dim={embed_dim} and num_heads={num_heads}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim {embed_dim} must be divisible by "
                             f"num_heads {num_heads}")
        self.embed_dim, self.num_heads = embed_dim, num_heads
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = dropout, batch_first
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(factories.zeros(3 * embed_dim, embed_dim))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = Parameter(factories.zeros(embed_dim, embed_dim))
            self.k_proj_weight = Parameter(factories.zeros(embed_dim, self.kdim))
            self.v_proj_weight = Parameter(factories.zeros(embed_dim, self.vdim))
        if bias:
            self.in_proj_bias = Parameter(factories.zeros(3 * embed_dim))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias)
        if add_bias_kv:
            self.bias_k = Parameter(factories.zeros(1, 1, embed_dim))
            self.bias_v = Parameter(factories.zeros(1, 1, embed_dim))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()
        if device is not None or dtype is not None:
            self.to(device=device, dtype=dtype)

    def _reset_parameters(self) -> None:
        """Redraw the parameters with PyTorch's initialisation (see Attributes); out_proj's
        weight keeps Linear's."""
        for weight in (self.in_proj_weight, self.q_proj_weight, self.k_proj_weight,
                       self.v_proj_weight):
            if weight is not None:
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        for bias in (self.bias_k, self.bias_v):
            if bias is not None:
                init.xavier_normal_(bias)

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask=None,
                need_weights: bool = True, attn_mask=None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple:
        """Attend from ``query`` to ``key``/``value``; see the class docstring for shapes.

        Args:
            key_padding_mask, attn_mask: bool (True: ignore) or float (added) masks.
            need_weights: also return the attention weights (computed explicitly; False uses
                ``F.scaled_dot_product_attention``).
            average_attn_weights: average the returned weights over the heads.
            is_causal: a hint that ``attn_mask`` is the causal mask, which must be given. As
                in PyTorch, it is used instead of attn_mask only with need_weights=False and no
                key_padding_mask.
        Returns: (attn_output, attn_output_weights or None).
        """
        batched = self._check_inputs(query, key, value, key_padding_mask, attn_mask)
        if is_causal and attn_mask is None:
            raise RuntimeError("MultiheadAttention: is_causal=True needs attn_mask, the causal "
                               "mask itself (e.g. nx.ones(L, L, dtype=nx.bool).triu(1))")
        causal = is_causal and key_padding_mask is None and not need_weights
        seq_first = not batched or not self.batch_first
        q, k, v = self._in_projection(query, key, value)
        if not batched:  # one sequence: a batch of one, (L, 1, E)
            q, k, v = q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        q, k, v = (self._split_heads(t, seq_first) for t in (q, k, v))
        N, H, L, D = q.shape
        k, v, extra = self._append_positions(k, v)
        mask = None if causal else self._merged_mask(attn_mask, key_padding_mask, N, L,
                                                     q.dtype, extra)
        dropout_p = self.dropout if self.training else 0.0
        if need_weights:
            # PyTorch's explicit path: a plain softmax, and the weights returned after dropout.
            scores = (q * (1 / math.sqrt(D))).matmul(k.mT)
            weights = F.softmax(scores if mask is None else scores + mask, dim=-1)
            weights = F.dropout(weights, dropout_p, self.training)
            out = weights.matmul(v)
        else:
            out = F.scaled_dot_product_attention(q, k, v, mask, dropout_p, is_causal=causal)
            weights = None
        # (N, H, L, D) -> the caller's layout with E = H * D features, then the output map
        out = (out.permute(2, 0, 1, 3).reshape(L, N, self.embed_dim) if seq_first else
               out.permute(0, 2, 1, 3).reshape(N, L, self.embed_dim))
        out = F.linear(out, self.out_proj.weight, self.out_proj.bias)
        if weights is not None and average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out = out.squeeze(1)
            weights = weights.squeeze(0) if weights is not None else None
        return out, weights

    def _in_projection(self, query: Tensor, key: Tensor, value: Tensor) -> tuple:
        """query W_q^T + b_q, key W_k^T + b_k, value W_v^T + b_v, in the inputs' layout."""
        b = self.in_proj_bias
        if self._qkv_same_embed_dim and query is key and key is value:
            # self-attention: one product with the stacked weight, then split
            return F.linear(query, self.in_proj_weight, b).chunk(3, dim=-1)
        if self._qkv_same_embed_dim:
            w_q, w_k, w_v = self.in_proj_weight.chunk(3)
        else:
            w_q, w_k, w_v = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        b_q, b_k, b_v = b.chunk(3) if b is not None else (None, None, None)
        return F.linear(query, w_q, b_q), F.linear(key, w_k, b_k), F.linear(value, w_v, b_v)

    def _split_heads(self, t: Tensor, seq_first: bool) -> Tensor:
        """(L, N, E) if seq_first else (N, L, E) -> (N, num_heads, L, head_dim)."""
        a, b, _ = t.shape
        t = t.reshape(a, b, self.num_heads, self.head_dim)
        return t.permute(1, 2, 0, 3) if seq_first else t.permute(0, 2, 1, 3)

    def _append_positions(self, k: Tensor, v: Tensor) -> tuple:
        """k and v (N, H, S, D) with the source positions of add_bias_kv (bias_k, bias_v) and
        then of add_zero_attn (zeros) appended, and how many were appended."""
        N, H, _, D = k.shape
        extra = []
        if self.bias_k is not None:
            extra.append((self.bias_k, self.bias_v))
        if self.add_zero_attn:
            zeros = Tensor._wrap(np.zeros((1, 1, self.embed_dim), k.dtype))
            extra.append((zeros, zeros))
        for bias_k, bias_v in extra:
            k = cat([k, self._split_heads(bias_k, True).expand(N, H, 1, D)], dim=2)
            v = cat([v, self._split_heads(bias_v, True).expand(N, H, 1, D)], dim=2)
        return k, v, len(extra)

    def _merged_mask(self, attn_mask, key_padding_mask, N: int, L: int, dtype, extra: int):
        """attn_mask and key_padding_mask as one additive mask broadcastable to
        (N, num_heads, L, S + extra), 0 for the ``extra`` appended source positions."""
        mask = None
        if attn_mask is not None:
            mask = _additive(attn_mask, dtype)
            if mask.ndim == 3:  # (N * num_heads, L, S), batch-major
                mask = mask.reshape(-1, self.num_heads, L, mask.shape[-1])
        if key_padding_mask is not None:
            padding = _additive(key_padding_mask, dtype)
            padding = padding.reshape(N, 1, 1, padding.shape[-1])
            mask = padding if mask is None else mask + padding
        if mask is not None and extra:
            mask = F.pad(mask, (0, extra))
        return mask

    def _check_inputs(self, query, key, value, key_padding_mask, attn_mask) -> bool:
        """Check shapes and dtypes as PyTorch does; True for batched (3-D) inputs."""
        shapes = f"query {query.shape}, key {key.shape}, value {value.shape}"
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"MultiheadAttention: query, key and value must be all 2-D "
                             f"(unbatched) or all 3-D (batched), got {shapes}")
        batched = query.ndim == 3
        seq, batch = (1, 0) if batched and self.batch_first else (0, 1)
        dims = (query.shape[-1], key.shape[-1], value.shape[-1])
        if dims != (self.embed_dim, self.kdim, self.vdim):
            raise ValueError(f"MultiheadAttention: expected features (embed_dim, kdim, vdim) = "
                             f"{(self.embed_dim, self.kdim, self.vdim)}, got {shapes}")
        if key.shape[:-1] != value.shape[:-1] or (
                batched and query.shape[batch] != key.shape[batch]):
            raise ValueError(f"MultiheadAttention: key and value must have the same sequence "
                             f"length and batch size, and query the same batch size: {shapes}")
        for t in (query, key, value):
            if t.dtype != self.out_proj.weight.dtype:
                raise TypeError(f"MultiheadAttention: inputs are {query.dtype}, {key.dtype}, "
                                f"{value.dtype}, the parameters {self.out_proj.weight.dtype}; "
                                f"convert the inputs or the module (.to(dtype))")
        L, S = query.shape[seq], key.shape[seq]
        N = query.shape[batch] if batched else None
        if key_padding_mask is not None:
            _check_mask_dtype("key_padding_mask", key_padding_mask)
            expected = (N, S) if batched else (S,)
            if key_padding_mask.shape != expected:
                raise ValueError(f"MultiheadAttention: key_padding_mask must have shape "
                                 f"{expected} (batch, source length), got "
                                 f"{key_padding_mask.shape} for {shapes}")
        if attn_mask is not None:
            _check_mask_dtype("attn_mask", attn_mask)
            heads = self.num_heads if N is None else N * self.num_heads
            if attn_mask.shape not in ((L, S), (heads, L, S)):
                raise ValueError(f"MultiheadAttention: attn_mask must have shape {(L, S)} or "
                                 f"{(heads, L, S)}, got {attn_mask.shape} for {shapes}")
        return batched


def _check_mask_dtype(name: str, mask) -> None:
    if not isinstance(mask, Tensor):
        raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got "
                        f"{type(mask).__name__}")
    if mask.dtype != np.bool_ and mask.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: only bool and floating {name} are supported, "
                        f"got {mask.dtype}")
