"""Dropout: zero elements (or whole channels) at random during training and rescale the rest
(inverted dropout)."""
import warnings

import numpy as np

from .. import random
from ..autograd import Function
from ..tensor import Tensor
from .piecewise import apply_activation


class DropoutOp(Function):
    """out = x * mask, mask = keep / (1 - p) drawn once per call.  dL/dx = dL/dout * mask: the
    op is linear in x, so its backward is itself, with the same (constant) mask."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, mask):
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad_out):
        (mask,) = ctx.saved_tensors
        return DropoutOp.apply(grad_out, mask), None


def _check_p(op: str, p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: probability has to be between 0 and 1, but got {p}")


def _masked(op: str, input: Tensor, p: float, mask_shape: tuple, inplace: bool) -> Tensor:
    """``input`` times a fresh mask of ``mask_shape`` (broadcast over the rest): keep / (1 - p),
    keep drawn with probability 1 - p."""
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating tensor, got dtype {input.dtype} (shape "
                        f"{input.shape})")
    dtype = input.dtype
    if p == 1.0:
        mask = np.zeros(mask_shape, dtype)
    else:
        draw = random.default_generator().random(
            mask_shape, dtype=np.float64 if dtype == np.float64 else np.float32)
        mask = np.multiply(draw >= p, 1.0 / (1.0 - p), dtype=dtype)
    return apply_activation(op, input, inplace, lambda t: DropoutOp.apply(t, mask))


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the kept ones by 1 / (1 - p), so the
    expected value is unchanged; the identity when not ``training``.

    The mask comes from neurenix's one generator (``nx.manual_seed`` makes it reproducible, and
    gradient checkpointing replays it). ``inplace`` writes the result into ``input`` and
    returns it, as in PyTorch.

    Shape: any; output has the input's shape and dtype.
    Raises: ValueError for p outside [0, 1]; TypeError for a non-floating input.

    Examples: ``F.dropout(x, 0.2, training=model.training)``.
    """
    _check_p("dropout", p)
    if not training or p == 0.0:
        return input
    return _masked("dropout", input, p, input.shape, inplace)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels: each (n, c) feature map with probability ``p``, the kept ones
    scaled by 1 / (1 - p); the identity when not ``training``. Neighbouring pixels of a
    feature map are strongly correlated, so dropping single elements would regularise little.

    As in PyTorch, a 3-D input is taken as (N, C, L) (with a warning: PyTorch will read it as
    an unbatched (C, H, W) in a future release), and inputs that are neither 3-D nor 4-D are
    deprecated (a warning) but dropped per (dim 0, dim 1) entry alike.

    Shape: (N, C, H, W) or (N, C, L) -> the same shape and dtype.
    Raises: ValueError for p outside [0, 1]; RuntimeError for an input of fewer than 2
        dimensions; TypeError for a non-floating input.

    Examples: ``F.dropout2d(features, 0.1, training=model.training)``.
    """
    _check_p("dropout2d", p)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated and will result in an error in a future release. To retain "
                      "the behavior and silence this warning, please use dropout instead. Note "
                      "that dropout2d exists to provide channel-wise dropout on inputs with 2 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 3D or 4D inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change in "
                      "a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", stacklevel=2)
    if not training or p == 0.0:
        return input
    if input.ndim < 2:
        raise RuntimeError(f"dropout2d: feature dropout requires at least 2 dimensions in the "
                           f"input, got shape {input.shape}")
    return _masked("dropout2d", input, p, input.shape[:2] + (1,) * (input.ndim - 2), inplace)
