"""Dropout: zero elements at random during training and rescale the rest (inverted dropout)."""
import numpy as np

from .. import random
from ..autograd import Function
from ..tensor import Tensor


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


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the kept ones by 1 / (1 - p), so the
    expected value is unchanged; the identity when not ``training``.

    The mask comes from neurenix's one generator (``nx.manual_seed`` makes it reproducible, and
    gradient checkpointing replays it). ``inplace`` is accepted for PyTorch compatibility; the
    result is always a new tensor.

    Shape: any; output has the input's shape and dtype.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if input.dtype.kind != "f":
        raise TypeError(f"dropout: expected a floating tensor, got dtype {input.dtype}")
    dtype = input.dtype
    if p == 1.0:
        mask = np.zeros(input.shape, dtype)
    else:
        draw = random.default_generator().random(
            input.shape, dtype=np.float64 if dtype == np.float64 else np.float32)
        mask = np.multiply(draw >= p, 1.0 / (1.0 - p), dtype=dtype)
    return DropoutOp.apply(input, mask)
