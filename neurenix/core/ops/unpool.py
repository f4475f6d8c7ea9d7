"""Max unpooling: the partial inverse of ``max_pool2d(..., return_indices=True)``.

Each input value is written at the flat position its index names in a zero (OH, OW) plane:
the maxima go back where max pooling found them and every other position is 0. The map is
linear in x, and its backward reads dL/dout at the same positions: the gather
``GatherAtArgmax`` of max pooling, whose own backward is the scatter ``ScatterToArgmax``, so
gradients are differentiable to any order.

Two values with one index (overlapping pooling windows that share a maximum) are written, not
added: the last one stays, as on PyTorch's CPU, and each reads the gradient of that position.
"""
import numpy as np

from .._shapes import pair
from ..autograd import Function
from ..tensor import Tensor
from .pool import GatherAtArgmax


class MaxUnpool2dOp(Function):
    """out (N, C, OH, OW) = 0 but at the flat position index[n, c, i] of plane (n, c), where it
    is x[n, c, i].  dL/dx = dL/dout read at those positions: ``GatherAtArgmax``."""

    __slots__ = ("index",)

    @staticmethod
    def forward(ctx, x, index, size):
        ctx.index = index
        (N, C, H, W), (OH, OW) = x.shape, size  # explicit sizes: N may be 0
        out = np.zeros((N, C, OH * OW), dtype=x.dtype)
        np.put_along_axis(out, index.reshape(N, C, H * W), x.reshape(N, C, H * W), axis=2)
        return out.reshape((N, C) + size)

    @staticmethod
    def backward(ctx, grad_out):
        return GatherAtArgmax.apply(grad_out, ctx.index), None, None


def _output_size(op: str, x: Tensor, kernel, stride, padding, output_size) -> tuple:
    """PyTorch's _unpool_output_size: (H - 1) * stride - 2 * padding + kernel_size per axis,
    or ``output_size`` ((OH, OW), or ending with them), within a stride of that."""
    default = tuple((n - 1) * s - 2 * p + k
                    for n, k, s, p in zip(x.shape[-2:], kernel, stride, padding))
    if output_size is None:
        return default
    size = tuple(output_size)
    size = size[2:] if len(size) == 4 else size[1:] if len(size) == 3 else size
    if len(size) != 2 or not all(isinstance(n, (int, np.integer)) for n in size):
        raise ValueError(f"{op}: output_size should be (OH, OW), optionally after N and C, got "
                         f"{output_size!r}")
    for d, (n, want, s) in enumerate(zip(default, size, stride)):
        if not n - s < want < n + s:
            raise ValueError(f"{op}: invalid output_size {tuple(output_size)} (dim {d} must be "
                             f"between {n - s} and {n + s}, exclusive; input {x.shape})")
    return (int(size[0]), int(size[1]))


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,
                 output_size=None) -> Tensor:
    """Place each value of ``input`` at the position ``indices`` names in a zero output, as
    ``torch.nn.functional.max_unpool2d``: the partial inverse of ``max_pool2d`` with
    ``return_indices=True``.

    Args:
        input: (N, C, H, W) or (C, H, W), the pooled values.
        indices: int64, the shape of ``input``: flat positions oh * OW + ow in each output
            plane, as ``max_pool2d(..., return_indices=True)`` returns them.
        kernel_size, stride (default: kernel_size), padding: an int or a pair, those of the
            max pooling; they give the default output size.
        output_size: (OH, OW) (or (N, C, OH, OW)) to pick among the sizes a strided pooling
            maps to the same (H, W); within a stride of the default.

    Shape: (N, C, H, W) -> (N, C, OH, OW), OH = (H - 1) * sh - 2 * ph + KH by default
        (likewise OW); the input's dtype.

    Raises: ValueError naming max_unpool2d and the shapes for a wrong rank, indices of another
        shape or dtype, an index outside the output plane, or an unreachable output_size.

    Examples: ``F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2)``
    """
    op = "max_unpool2d"
    if not isinstance(input, Tensor) or input.ndim not in (3, 4) or input.dtype.kind != "f":
        raise ValueError(f"{op}: expected a floating 4-D input (N, C, H, W) or 3-D (C, H, W), "
                         f"got {getattr(input, 'shape', type(input).__name__)}")
    if not isinstance(indices, Tensor) or indices.dtype != np.int64 or \
            indices.shape != input.shape:
        raise ValueError(f"{op}: indices must be an int64 Tensor of the input's shape "
                         f"{input.shape}, got {getattr(indices, 'dtype', type(indices).__name__)}"
                         f" {getattr(indices, 'shape', '')}")
    kernel = pair(op, "kernel_size", kernel_size)
    stride = kernel if stride is None else pair(op, "stride", stride)
    padding = pair(op, "padding", padding)
    size = _output_size(op, input, kernel, stride, padding, output_size)
    if input.ndim == 3:
        return max_unpool2d(input.unsqueeze(0), indices.unsqueeze(0), kernel, stride, padding,
                            size).squeeze(0)
    index = indices.data
    if index.size and (index.min() < 0 or index.max() >= size[0] * size[1]):
        bad = index.min() if index.min() < 0 else index.max()
        raise ValueError(f"{op}: found an invalid max index {bad}: the output planes are "
                         f"{size[0]} x {size[1]} (input {input.shape})")
    return MaxUnpool2dOp.apply(input, index, size)
