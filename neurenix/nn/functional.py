"""Stateless forms of the layers, as ``torch.nn.functional``:
``import neurenix.nn.functional as F``.

Each function here is a differentiable op from ``neurenix.core`` (or a thin adapter that
accepts PyTorch's extra arguments); the layers in ``neurenix.nn`` call them with their
parameters.
"""

from ..core.ops.activation import gelu
from ..core.ops.activation import leaky_relu as _leaky_relu
from ..core.ops.activation import log_softmax, sigmoid, softmax, tanh
from ..core.ops.activation import relu as _relu
from ..core.ops.conv import conv2d, conv_transpose2d
from ..core.ops.cross_entropy import cross_entropy, nll_loss
from ..core.ops.dropout import dropout
from ..core.ops.interpolate import interpolate
from ..core.ops.linear import linear
from ..core.ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, l1_loss,
                             mse_loss)
from ..core.ops.normalization import batch_norm
from ..core.ops.pad import pad
from ..core.ops.pool import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from ..core.tensor import Tensor

__all__ = ["adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool2d", "batch_norm",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "conv2d",
           "conv_transpose2d", "cross_entropy", "dropout", "gelu", "interpolate", "l1_loss",
           "leaky_relu", "linear", "log_softmax", "max_pool2d", "mse_loss", "nll_loss", "pad",
           "relu", "sigmoid", "silu", "softmax", "tanh"]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(input, 0). ``inplace`` is accepted for PyTorch compatibility; the result is new."""
    return _relu(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """input where input > 0, else negative_slope * input."""
    return _leaky_relu(input, negative_slope)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    return input * sigmoid(input)
