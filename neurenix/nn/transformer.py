"""The Transformer encoder, as ``torch.nn.TransformerEncoderLayer`` and ``TransformerEncoder``:
self-attention and a feed-forward block, each with a residual connection and a LayerNorm.
Sub-modules carry PyTorch's names, so a PyTorch state dict loads with ``strict=True``."""
import copy

import numpy as np

from ..core.tensor import Tensor
from . import functional as F
from .attention import MultiheadAttention
from .container import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm

_ACTIVATIONS = {"relu": F.relu, "gelu": F.gelu}


class TransformerEncoderLayer(Module):
    """Self-attention, then a position-wise feed-forward network, each added to its input::

        norm_first=False:  x = norm1(x + sa(x));   x = norm2(x + ff(x))
        norm_first=True:   x = x + sa(norm1(x));   x = x + ff(norm2(x))
        sa(x) = dropout1(self_attn(x, x, x)[0])
        ff(x) = dropout2(linear2(dropout(activation(linear1(x)))))

    Args:
        d_model: E, the features of each position.  nhead: attention heads (E % nhead == 0).
        dim_feedforward: the feed-forward network's hidden size.
        dropout: probability for every dropout (and the attention weights').
        activation: "relu", "gelu" or a callable (a function or a Module).
        layer_norm_eps: the LayerNorms' eps.  batch_first: (N, L, E) rather than (L, N, E).
        norm_first: normalise before each block (pre-LN) rather than after (post-LN).
        bias: learn the additive biases of the linear maps and the LayerNorms.
        device, dtype: where and in what dtype the parameters are made ("cpu" only).
    Sub-modules: self_attn (MultiheadAttention), linear1, dropout, linear2, norm1, norm2,
        dropout1, dropout2, with PyTorch's default initialisation.
    Shape: src (L, E), (L, N, E) or (N, L, E) with batch_first -> the same;
        src_mask (L, L) or (N * nhead, L, L); src_key_padding_mask (N, L) or (L,): masks as
        ``MultiheadAttention`` (bool True: may not attend; float: added).
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation=F.relu, layer_norm_eps: float = 1e-5,
                 batch_first: bool = False, norm_first: bool = False, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(f"TransformerEncoderLayer: activation should be relu/gelu, "
                                 f"not {activation!r}")
            activation = _ACTIVATIONS[activation]
        elif not callable(activation):
            raise TypeError(f"TransformerEncoderLayer: activation must be 'relu', 'gelu' or a "
                            f"callable, got {type(activation).__name__}")
        self.activation = activation
        if device is not None or dtype is not None:
            self.to(device=device, dtype=dtype)

    def forward(self, src: Tensor, src_mask=None, src_key_padding_mask=None,
                is_causal: bool = False) -> Tensor:
        """Encode ``src``; ``is_causal`` hints that ``src_mask`` is the causal mask (see
        ``MultiheadAttention.forward``)."""
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x: Tensor, attn_mask, key_padding_mask, is_causal: bool) -> Tensor:
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer`` (each with its own parameters),
    then an optional ``norm``.

    Args:
        encoder_layer: the layer to copy (a TransformerEncoderLayer).  num_layers: copies.
        norm: a module applied to the last layer's output (e.g. a LayerNorm), or None.
        enable_nested_tensor, mask_check: accepted for PyTorch compatibility. PyTorch's
            nested-tensor fast path (eval mode, no grad, a padding mask), which returns zeros at
            padded positions, is not mirrored: those positions are computed as in training.
    Sub-modules: layers (ModuleList: layers.0, layers.1, ...), norm.
    Shape: as ``TransformerEncoderLayer``: src -> the same shape; mask (L, L) or
        (N * nhead, L, L); src_key_padding_mask (N, L) or (L,).
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm=None,
                 enable_nested_tensor: bool = True, mask_check: bool = True):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check

    def forward(self, src: Tensor, mask=None, src_key_padding_mask=None,
                is_causal=None) -> Tensor:
        """Run ``src`` through every layer, then ``norm``. ``is_causal=None`` detects a causal
        ``mask`` (True above the diagonal, or -inf there and 0 elsewhere), as PyTorch."""
        if is_causal is None:
            is_causal = _is_causal_mask(mask)
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=is_causal,
                           src_key_padding_mask=src_key_padding_mask)
        return self.norm(output) if self.norm is not None else output


def _is_causal_mask(mask) -> bool:
    """Whether ``mask`` (L, L) masks exactly the positions after each query."""
    if mask is None or mask.ndim != 2 or mask.shape[0] != mask.shape[1]:
        return False
    above = np.triu(np.ones(mask.shape, bool), 1)
    if mask.dtype == np.bool_:
        return bool(np.array_equal(mask.data, above))
    return bool(np.array_equal(mask.data, np.where(above, -np.inf, 0)))
