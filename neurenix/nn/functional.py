"""Stateless forms of the layers, as ``torch.nn.functional``:
``import neurenix.nn.functional as F``.

Each function here is a differentiable op from ``neurenix.core`` (or a thin adapter that
accepts PyTorch's extra arguments); the layers in ``neurenix.nn`` call them with their
parameters.
"""
import warnings

from ..core.ops.activation import gelu as _gelu
from ..core.ops.activation import leaky_relu as _leaky_relu
from ..core.ops.activation import sigmoid as _sigmoid
from ..core.ops.activation import tanh as _tanh
from ..core.ops.activation import log_softmax as _log_softmax
from ..core.ops.activation import softmax as _softmax
from ..core.ops.activation import relu as _relu
from ..core.ops.attention import scaled_dot_product_attention
from ..core.ops.conv import conv2d, conv_transpose2d
from ..core.ops.cross_entropy import cross_entropy, nll_loss
from ..core.ops.dropout import dropout
from ..core.ops.interpolate import interpolate
from ..core.ops.linear import linear
from ..core.ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits, l1_loss,
                             mse_loss)
from ..core.ops.normalization import batch_norm
from ..core.ops.pad import pad
from ..core.ops.adaptive_pool import adaptive_avg_pool2d, adaptive_max_pool2d
from ..core.ops.pool import avg_pool2d, max_pool2d
from ..core.ops.divergence import kl_div
from ..core.ops.dropout import dropout2d
from ..core.ops.piecewise import apply_activation, hardsigmoid, hardswish, hardtanh, relu6
from ..core.ops.regression_loss import huber_loss, smooth_l1_loss
from ..core.ops.similarity import cosine_similarity, normalize
from ..core.ops.smooth import elu, logsigmoid, mish, selu, softplus
from ..core.ops.conv1d import conv1d
from ..core.ops.embedding import embedding, one_hot
from ..core.ops.fold import fold, unfold
from ..core.ops.layer_norm import group_norm, instance_norm, layer_norm
from ..core.ops.pixel_shuffle import pixel_shuffle, pixel_unshuffle
from ..core.ops.pool1d import adaptive_avg_pool1d, avg_pool1d, max_pool1d
from ..core.ops.unpool import max_unpool2d
from ..core.tensor import Tensor

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "avg_pool1d",
           "avg_pool2d", "batch_norm", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "conv1d", "conv2d", "conv_transpose2d", "cosine_similarity", "cross_entropy", "dropout",
           "dropout2d", "elu", "embedding", "fold", "gelu", "group_norm", "hardsigmoid",
           "hardswish", "hardtanh", "huber_loss", "instance_norm", "interpolate", "kl_div",
           "l1_loss", "layer_norm", "leaky_relu", "linear", "log_softmax", "logsigmoid",
           "max_pool1d", "max_pool2d", "max_unpool2d", "mish", "mse_loss", "nll_loss", "normalize",
           "one_hot", "pad", "pixel_shuffle", "pixel_unshuffle", "relu", "relu6",
           "scaled_dot_product_attention", "selu", "sigmoid", "silu", "smooth_l1_loss", "softmax",
           "softplus", "tanh", "unfold"]


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(input, 0); with ``inplace`` written into ``input``, which is returned."""
    return apply_activation("relu", input, inplace, _relu, keep_integers=True)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """input where input > 0, else negative_slope * input; with ``inplace`` written into
    ``input``, which is returned."""
    return apply_activation("leaky_relu", input, inplace,
                            lambda x: _leaky_relu(x, negative_slope))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish); with ``inplace`` written into ``input``."""
    return apply_activation("silu", input, inplace, lambda x: x * _sigmoid(x))


# The three below rename the op's argument to ``input``, PyTorch's keyword for every F function.
def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-input)); see ``nx.sigmoid``.  Examples: ``F.sigmoid(logits)``."""
    return _sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent; see ``nx.tanh``.  Examples: ``F.tanh(x)``."""
    return _tanh(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """input * Phi(input), exact or with PyTorch's tanh approximation; see ``nx.gelu``.
    Examples: ``F.gelu(x, approximate="tanh")``."""
    return _gelu(input, approximate)


def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """PyTorch's legacy axis for a softmax called without ``dim`` (0 for 0-, 1- and 3-D
    inputs, else 1), with its deprecation warning."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(input) / sum(exp(input)) along ``dim``, cast to ``dtype`` first if given; see
    ``nx.softmax``. Without ``dim``, PyTorch's legacy axis with a deprecation warning.

    Shape: (*) -> (*).  Examples: ``F.softmax(logits, dim=-1)``.
    """
    if dim is None:
        dim = _get_softmax_dim("softmax", input.ndim, _stacklevel)
    return _softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """log(softmax(input)) along ``dim``, cast to ``dtype`` first if given; see
    ``nx.log_softmax``. Without ``dim``, PyTorch's legacy axis with a deprecation warning.

    Shape: (*) -> (*).  Examples: ``F.log_softmax(logits, dim=1)``.
    """
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _log_softmax(input, dim, dtype)
