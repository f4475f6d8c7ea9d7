"""Adaptive pooling: PyTorch's bins, giving a fixed output size whatever the input size.

Output i along an axis of n inputs and m outputs pools inputs [floor(i*n/m), ceil((i+1)*n/m)).
When all bins have one size and one step, and the kernel has no more positions than the output
(global pooling has 1 output for H*W positions), it is a fixed-window pool (``pool.py``).
Otherwise average pooling is a product with small averaging matrices (the mean over a
rectangle is a mean over rows of means over columns: ``separable_resize``, whose adjoint is the
transposed product), and max pooling reduces the columns then the rows, one bin at a time (a
loop over output rows / columns only), and shares max pooling's scatter (``ScatterToArgmax``).
"""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .pool import AvgPool2dOp, ScatterToArgmax, batched, max_pool
from .separable import separable_resize


def _bin_max(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple:
    """Max over the bins [starts[o], ends[o]) of the last axis: (values, absolute argmax)."""
    out = np.empty(x.shape[:-1] + (len(starts),), dtype=x.dtype)
    argmax = np.empty(out.shape, dtype=np.intp)
    for o, (start, end) in enumerate(zip(starts, ends)):
        segment = x[..., start:end]
        first = segment.argmax(axis=-1)[..., None]  # the first maximum, as in PyTorch
        out[..., o] = np.take_along_axis(segment, first, axis=-1)[..., 0]
        argmax[..., o] = first[..., 0] + start
    return out, argmax


def _bin_maxima(x: np.ndarray, bins_h: tuple, bins_w: tuple) -> tuple:
    """(out, index): the max of x (N, C, H, W) over each adaptive bin, taken over columns then
    rows (a max over a rectangle is a max of row maxima; the first row-major maximum wins, as
    in PyTorch), and the flat position h * W + w of each maximum in its plane."""
    columns, argmax_w = _bin_max(x, *bins_w)  # (N, C, H, OW)
    rows, argmax_h = _bin_max(np.swapaxes(columns, 2, 3), *bins_h)  # (N, C, OW, OH)
    argmax_h = np.swapaxes(argmax_h, 2, 3)  # (N, C, OH, OW): the row of each maximum
    argmax_w = np.take_along_axis(argmax_w, argmax_h, axis=2)  # its column in that row
    return np.ascontiguousarray(np.swapaxes(rows, 2, 3)), argmax_h * x.shape[3] + argmax_w


class AdaptiveMaxPool2dOp(Function):
    """out = max over each adaptive bin (``_bin_maxima``).
    dL/dx = dL/dout scattered to each bin's maximum: ``ScatterToArgmax``."""

    __slots__ = ("x_shape", "index")

    @staticmethod
    def forward(ctx, x, bins_h, bins_w):
        out, ctx.index = _bin_maxima(x, bins_h, bins_w)
        ctx.x_shape = x.shape
        return out

    @staticmethod
    def backward(ctx, grad_out):
        return ScatterToArgmax.apply(grad_out, ctx.index, ctx.x_shape), None, None


class AdaptiveMaxPoolIndices(Function):
    """out = the flat positions h * W + w (int64) of the maxima of x over the adaptive bins,
    the indices of ``adaptive_max_pool2d(..., return_indices=True)``. Not differentiable; an
    op of its own so that an exporter sees them computed from x."""

    @staticmethod
    def forward(ctx, x, bins_h, bins_w):
        return _bin_maxima(x, bins_h, bins_w)[1].astype(np.int64)


def _adaptive_bins(n: int, m: int) -> tuple:
    """PyTorch's adaptive bins of an axis of n inputs and m outputs:
    [floor(i*n/m), ceil((i+1)*n/m))."""
    i = np.arange(m)
    return (i * n) // m, ((i + 1) * n + m - 1) // m


def _as_window(bins: list, shape: tuple):
    """(kernel, stride) pairs when the bins are the windows of an ordinary pool with a short
    kernel loop (no more kernel positions than outputs: global pooling is not), else None."""
    windows = []
    for (starts, ends), n in zip(bins, shape):
        sizes, steps = ends - starts, np.diff(starts)
        kernel = int(sizes[0])
        stride = int(steps[0]) if len(steps) else n
        if not ((sizes == kernel).all() and (steps == stride).all() and stride >= 1):
            return None
        windows.append((kernel, stride))
    (KH, SH), (KW, SW) = windows
    if KH * KW > len(bins[0][0]) * len(bins[1][0]):
        return None
    return (KH, KW), (SH, SW)


def _adaptive_args(op: str, x: Tensor, output_size) -> tuple:
    """Validated output size and per-axis bins; ``None`` entries keep the input size."""
    if not isinstance(x, Tensor) or x.ndim != 4 or x.dtype.kind != "f":
        raise ValueError(f"{op}: expected a floating 4-D input (N, C, H, W) or 3-D (C, H, W), "
                         f"got {getattr(x, 'shape', type(x).__name__)}")
    size = (output_size,) * 2 if output_size is None or isinstance(
        output_size, (int, np.integer)) else tuple(output_size)
    if len(size) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    size = tuple(n if s is None else s for s, n in zip(size, x.shape[2:]))
    if not all(isinstance(s, (int, np.integer)) and s > 0 for s in size) or min(x.shape[2:]) < 1:
        raise ValueError(f"{op}: output_size {output_size!r} must be positive ints and the "
                         f"input {x.shape} non-empty")
    size = (int(size[0]), int(size[1]))
    return size, [_adaptive_bins(n, m) for n, m in zip(x.shape[2:], size)]


def _averaging_matrix(starts: np.ndarray, ends: np.ndarray, n: int, dtype) -> np.ndarray:
    """(m, n): row o averages the inputs [starts[o], ends[o])."""
    j = np.arange(n)
    inside = (j >= starts[:, None]) & (j < ends[:, None])
    return (inside / (ends - starts)[:, None]).astype(dtype)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """2-D adaptive average pooling, as ``torch.nn.functional.adaptive_avg_pool2d``.

    Args:
        input: (N, C, H, W) or (C, H, W).
        output_size: an int or a pair (OH, OW); a None entry keeps that input size. Output i
            averages inputs [floor(i*H/OH), ceil((i+1)*H/OH)) (likewise along W).

    Shape: (N, C, H, W) -> (N, C, OH, OW), any sizes (e.g. 7 x 9 -> 3 x 2).

    Raises: ValueError naming adaptive_avg_pool2d and the shapes.

    Examples: ``F.adaptive_avg_pool2d(features, 1)`` (global average pooling)
    """
    unbatched = batched(adaptive_avg_pool2d, input, output_size)
    if unbatched is not None:
        return unbatched
    return adaptive_avg("adaptive_avg_pool2d", input, output_size)


def adaptive_avg(op: str, x: Tensor, output_size) -> Tensor:
    """``adaptive_avg_pool2d`` of a batched (N, C, H, W) input, its errors naming ``op``."""
    size, bins = _adaptive_args(op, x, output_size)
    window = _as_window(bins, x.shape[2:])
    if window is not None:
        kernel, stride = window
        return AvgPool2dOp.apply(x, kernel, stride, (0, 0), size, kernel[0] * kernel[1])
    return separable_resize(x, *(_averaging_matrix(*b, n, x.dtype)
                                 for b, n in zip(bins, x.shape[2:])))


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """2-D adaptive max pooling, as ``torch.nn.functional.adaptive_max_pool2d``.

    Args:
        input: (N, C, H, W) or (C, H, W).
        output_size: an int or a pair (OH, OW); a None entry keeps that input size. Output i
            takes the max over inputs [floor(i*H/OH), ceil((i+1)*H/OH)) (likewise along W).
        return_indices: also return each maximum's flat position h * W + w in its plane.

    Shape: (N, C, H, W) -> (N, C, OH, OW), any sizes; indices int64 of the output's shape.

    Returns: the pooled tensor, or (pooled, indices) with ``return_indices``.

    Raises: ValueError naming adaptive_max_pool2d and the shapes.

    Examples: ``F.adaptive_max_pool2d(features, (2, 2))``
    """
    op = "adaptive_max_pool2d"
    unbatched = batched(adaptive_max_pool2d, input, output_size, return_indices)
    if unbatched is not None:
        return unbatched
    size, bins = _adaptive_args(op, input, output_size)
    window = _as_window(bins, input.shape[2:])
    if window is not None:
        kernel, stride = window
        return max_pool(op, input, kernel, stride, 0, 1, False, return_indices)
    out = AdaptiveMaxPool2dOp.apply(input, bins[0], bins[1])
    if not return_indices:
        return out
    # input detached: the indices are integers and never require grad
    return out, AdaptiveMaxPoolIndices.apply(input.detach(), bins[0], bins[1])
