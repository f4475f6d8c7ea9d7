"""2-D max and average pooling over fixed windows, with PyTorch's size rules.

A fixed-window pool loops over the KH*KW kernel positions (never over pixels): position (i, j)
sees one strided slab of the padded input (``windows.window_slices``), and the pool is a running
maximum or sum of those slabs.

With its argmax fixed, every pool is linear in x, so its backward is a linear op of its own
whose backward is the pool's again; gradients are differentiable to any order:
- max pooling's backward scatters dL/dout to the position of each window's maximum
  (``ScatterToArgmax``); that op's backward gathers at the same positions (``GatherAtArgmax``),
  and the gather's backward is the scatter. The positions are constants of the graph.
- average pooling's backward spreads each dL/dout evenly over its window (``SpreadOverWindows``,
  the adjoint, as conv's col2im: one slab addition per kernel position), and that op's
  backward is average pooling with the same windows and divisors.

``max_pool2d(..., return_indices=True)`` also returns each maximum's flat position h * W + w
in its (H, W) plane, PyTorch's indices, which ``max_unpool2d`` (``unpool.py``) scatters back.
Adaptive pooling is in ``adaptive_pool.py``, 1-D pooling in ``pool1d.py``.
"""
import numpy as np

from .._shapes import pair
from ..autograd import Function
from ..tensor import Tensor
from .windows import window_slices
from .pad import constant_pad_array


def _pool_out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling_output_shape: with ceil_mode the last window must still start inside
    the input or its left padding."""
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _pad_widths(size: tuple, padding: tuple, reach: tuple, out_size: tuple, stride: tuple):
    """(before, after) padding of each spatial axis: ``padding`` on each side, and more on the
    bottom / right where a ceil_mode window of extent ``reach`` runs past it."""
    return [(p, p + max(0, (o - 1) * s + r - (n + 2 * p)))
            for n, p, r, o, s in zip(size, padding, reach, out_size, stride)]


def _taps_inside(size, kernel, stride, padding, dilation, out_size) -> list:
    """Per spatial axis, a (K, O) mask: tap k of window o falls inside the input, not in the
    padding."""
    masks = []
    for n, k, s, p, d, o in zip(size, kernel, stride, padding, dilation, out_size):
        position = np.arange(o)[None] * s + np.arange(k)[:, None] * d - p
        masks.append((position >= 0) & (position < n))
    return masks


def _first_inside(argmax, out, size, kernel, stride, padding, dilation) -> None:
    """Where a window's maximum is -inf, point ``argmax`` at the window's first position inside
    the input, as PyTorch does: the -inf padding would otherwise win the tie and swallow the
    gradient (an all -inf window, e.g. of masked scores)."""
    rows, cols = _taps_inside(size, kernel, stride, padding, dilation, out.shape[2:])
    taps = rows[:, None, :, None] & cols[None, :, None, :]  # (KH, KW, OH, OW)
    first = taps.reshape(-1, *out.shape[2:]).argmax(axis=0).astype(argmax.dtype)
    np.copyto(argmax, first, where=np.isneginf(out))


def _argmax_positions(argmax, x_shape, kernel, stride, padding, dilation) -> np.ndarray:
    """The flat positions in the (H, W) planes of x of the maxima that ``argmax`` names by
    kernel position: window origin + tap offset. H*W (the sink ``ScatterToArgmax`` drops) for a
    dilated window that misses the input and only saw -inf padding."""
    (H, W), (OH, OW), (KH, KW) = x_shape[2:], argmax.shape[2:], kernel
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    tap = (np.arange(KH)[:, None] * dh * W + np.arange(KW) * dw).reshape(-1)  # (KH*KW,)
    origin = (np.arange(OH) * sh - ph)[:, None] * W + (np.arange(OW) * sw - pw)  # (OH, OW)
    index = tap.take(argmax)  # a lookup in a table of KH*KW offsets: one pass
    index += origin
    rows, cols = _taps_inside(x_shape[2:], kernel, stride, padding, dilation, (OH, OW))
    sees_input = rows.any(axis=0)[:, None] & cols.any(axis=0)  # (OH, OW)
    return index if sees_input.all() else np.where(sees_input, index, H * W)


def _window_maxima(x, kernel, stride, padding, dilation, out_size) -> tuple:
    """(out, argmax): the maximum of each window of ``x`` and the kernel position i * KW + j of
    its first maximum (a running maximum over the KH*KW strided slabs)."""
    (KH, KW), (OH, OW) = kernel, out_size
    reach = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    xp = constant_pad_array(x, _pad_widths(x.shape[2:], padding, reach, out_size, stride),
                            -np.inf)
    out = argmax = None
    for i in range(KH):
        for j in range(KW):
            slab = xp[(..., *window_slices(i, j, OH, OW, stride, dilation))]
            if out is None:
                out = slab.copy()
                argmax = np.zeros(out.shape, dtype=np.min_scalar_type(KH * KW - 1))
                continue
            better = slab > out
            better |= np.isnan(slab)  # NaN wins and stays, as in PyTorch
            np.copyto(out, slab, where=better)
            argmax[better] = i * KW + j
    if xp is not x and np.isneginf(out).any():
        _first_inside(argmax, out, x.shape[2:], kernel, stride, padding, dilation)
    return out, argmax


class MaxPool2dOp(Function):
    """out = max over each window.  dL/dx = dL/dout scattered to the first position holding
    each window's maximum (PyTorch's choice): ``ScatterToArgmax``."""

    __slots__ = ("kernel", "stride", "padding", "dilation", "x_shape", "argmax")

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out_size):
        out, argmax = _window_maxima(x, kernel, stride, padding, dilation, out_size)
        ctx.kernel, ctx.stride, ctx.padding, ctx.dilation = kernel, stride, padding, dilation
        # the kernel position of each maximum (one byte each); the flat positions the scatter
        # needs are rebuilt from it in backward rather than kept, eight times larger, in the graph
        ctx.x_shape, ctx.argmax = x.shape, argmax
        return out

    @staticmethod
    def backward(ctx, grad_out):
        index = _argmax_positions(ctx.argmax, ctx.x_shape, ctx.kernel, ctx.stride, ctx.padding,
                                  ctx.dilation)
        return ScatterToArgmax.apply(grad_out, index, ctx.x_shape), None, None, None, None, None


class ScatterToArgmax(Function):
    """out = zeros of ``shape`` (N, C, H, W) with each x[n, c, o] added at the flat position
    index[n, c, o] of plane (n, c) (position H*W is a sink, dropped): the backward of max
    pooling.  dL/dx = dL/dout gathered at the same positions: ``GatherAtArgmax``."""

    __slots__ = ("index",)

    @staticmethod
    def forward(ctx, x, index, shape):
        ctx.index = index
        N, C, H, W = shape
        # Windows may overlap and share their argmax, so values at one position must add up.
        # np.bincount does that in one pass over the flat positions (faster than np.add.at or
        # a masked addition per kernel position); it sums in float64, and the result is cast
        # back. Each plane gets H*W + 1 slots, the last one the sink.
        planes = np.arange(N * C, dtype=index.dtype).reshape(N, C, 1, 1) * (H * W + 1)
        total = np.bincount((index + planes).reshape(-1), weights=x.reshape(-1),
                            minlength=N * C * (H * W + 1))
        total = total.reshape(N, C, H * W + 1)[..., :H * W]  # the sinks dropped
        return total.reshape(shape).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_out):
        return GatherAtArgmax.apply(grad_out, ctx.index), None, None


class GatherAtArgmax(Function):
    """out[n, c, o] = x[n, c] at the flat position index[n, c, o] (0 at the sink H*W).
    dL/dx = dL/dout scattered back to those positions: ``ScatterToArgmax``."""

    __slots__ = ("index", "x_shape")

    @staticmethod
    def forward(ctx, x, index):
        ctx.index, ctx.x_shape = index, x.shape
        N, C = x.shape[:2]
        # explicit sizes, never -1: NumPy cannot infer one for an empty batch
        planes = np.concatenate((x.reshape(N, C, int(np.prod(x.shape[2:]))),
                                 np.zeros((N, C, 1), x.dtype)), axis=2)
        index_planes = index.reshape(N, C, int(np.prod(index.shape[2:])))
        return np.take_along_axis(planes, index_planes, axis=2).reshape(index.shape)

    @staticmethod
    def backward(ctx, grad_out):
        return ScatterToArgmax.apply(grad_out, ctx.index, ctx.x_shape), None


class MaxPoolIndices(Function):
    """out = the flat positions h * W + w (int64) of the window maxima of x, the indices of
    ``max_pool2d(..., return_indices=True)``. Not differentiable; an op of its own (finding
    the maxima again) so that an exporter sees them computed from x."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out_size):
        _, argmax = _window_maxima(x, kernel, stride, padding, dilation, out_size)
        return _argmax_positions(argmax, x.shape, kernel, stride, padding,
                                 dilation).astype(np.int64)

    @staticmethod
    def backward(ctx, grad_out):  # unreachable: x is detached, so nothing requires grad
        return None, None, None


class AvgPool2dOp(Function):
    """out = sum over each window / divisor.  dL/dx = dL/dout / divisor spread over every
    position of its window: ``SpreadOverWindows``."""

    __slots__ = ("kernel", "stride", "padding", "divisor", "x_shape")

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, out_size, divisor):
        (KH, KW), (OH, OW) = kernel, out_size
        xp = constant_pad_array(x, _pad_widths(x.shape[2:], padding, kernel, out_size, stride))
        out = np.zeros(x.shape[:2] + out_size, dtype=x.dtype)
        for i in range(KH):
            for j in range(KW):
                out += xp[(..., *window_slices(i, j, OH, OW, stride, (1, 1)))]
        out /= divisor
        ctx.kernel, ctx.stride, ctx.padding, ctx.divisor = kernel, stride, padding, divisor
        ctx.x_shape = x.shape
        return out

    @staticmethod
    def backward(ctx, grad_out):
        grad_x = SpreadOverWindows.apply(grad_out, ctx.kernel, ctx.stride, ctx.padding,
                                         ctx.divisor, ctx.x_shape)
        return grad_x, None, None, None, None, None


class SpreadOverWindows(Function):
    """out (``shape``) = each x[..., oh, ow] / divisor[oh, ow] added to every input position of
    its window: the adjoint of average pooling.  dL/dx = ``AvgPool2dOp`` of dL/dout."""

    __slots__ = ("kernel", "stride", "padding", "divisor", "out_size")

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, divisor, shape):
        (KH, KW), (OH, OW), (H, W) = kernel, x.shape[2:], shape[2:]
        ctx.kernel, ctx.stride, ctx.padding, ctx.divisor = kernel, stride, padding, divisor
        ctx.out_size = (OH, OW)
        widths = _pad_widths(shape[2:], padding, kernel, (OH, OW), stride)
        out = np.zeros(shape[:2] + tuple(n + b + a for n, (b, a) in zip((H, W), widths)),
                       dtype=x.dtype)
        share = x / divisor
        for i in range(KH):
            for j in range(KW):
                out[(..., *window_slices(i, j, OH, OW, stride, (1, 1)))] += share
        (ph, _), (pw, _) = widths
        return out[:, :, ph:ph + H, pw:pw + W]  # what fell on the padding has no input

    @staticmethod
    def backward(ctx, grad_out):
        grad_x = AvgPool2dOp.apply(grad_out, ctx.kernel, ctx.stride, ctx.padding, ctx.out_size,
                                   ctx.divisor)
        return grad_x, None, None, None, None, None


def _avg_divisor(x_size: tuple, kernel, stride, padding, out_size, count_include_pad,
                 divisor_override, dtype) -> np.ndarray:
    """The (OH, OW) divisors, an outer product of per-axis window lengths: with
    count_include_pad the window clipped to the padded input, else to the input itself."""
    if divisor_override is not None:
        return np.full(out_size, divisor_override, dtype=dtype)
    lengths = []
    for n, k, s, p, o in zip(x_size, kernel, stride, padding, out_size):
        start = np.arange(o) * s - p
        if count_include_pad:
            lengths.append(np.minimum(start + k, n + p) - start)
        else:
            lengths.append(np.minimum(start + k, n) - np.maximum(start, 0))
    return np.multiply.outer(lengths[0], lengths[1]).astype(dtype)


def pool_args(op: str, x, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    """Validated (kernel, stride, padding, dilation, out_size) for a fixed-window pool."""
    if not isinstance(x, Tensor) or x.ndim != 4 or x.dtype.kind != "f":
        raise ValueError(f"{op}: expected a floating 4-D input (N, C, H, W) or 3-D (C, H, W), "
                         f"got {getattr(x, 'shape', type(x).__name__)}")
    kernel = pair(op, "kernel_size", kernel_size)
    no_stride = stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)
    stride = kernel if no_stride else pair(op, "stride", stride)
    padding, dilation = pair(op, "padding", padding), pair(op, "dilation", dilation)
    if min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1:
        raise ValueError(f"{op}: kernel_size {kernel}, stride {stride} and dilation {dilation} "
                         f"must be positive (input {x.shape})")
    if min(padding) < 0 or padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{op}: padding {padding} must be non-negative and at most half the "
                         f"kernel size {kernel} (input {x.shape})")
    out_size = tuple(_pool_out_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in zip(
        x.shape[2:], kernel, stride, padding, dilation))
    if min(out_size) < 1:
        raise ValueError(f"{op}: the output size {out_size} is empty: kernel_size {kernel} "
                         f"(dilation {dilation}) is larger than the padded input (input "
                         f"{x.shape}, padding {padding})")
    return kernel, stride, padding, dilation, out_size


def batched(fn, x, *args):
    """Apply a pool written for (N, C, H, W) to an unbatched (C, H, W) input too: the result
    (or each result) of ``fn`` on a batch of one; None for any other input."""
    if isinstance(x, Tensor) and x.ndim == 3:
        out = fn(x.unsqueeze(0), *args)
        return tuple(t.squeeze(0) for t in out) if isinstance(out, tuple) else out.squeeze(0)
    return None


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """2-D max pooling, as ``torch.nn.functional.max_pool2d``.

    Args:
        input: (N, C, H, W) or (C, H, W).
        kernel_size, stride (default: kernel_size), padding, dilation: an int or a pair.
            Padding (implicitly -inf) is at most half the kernel size.
        ceil_mode: round the output size up, keeping only windows that start inside the input
            or its left padding.
        return_indices: also return where each maximum is, as its flat position h * W + w in
            its (H, W) plane (the first maximum of a window), for ``max_unpool2d``.

    Shape: (N, C, H, W) -> (N, C, OH, OW) with
        OH = floor_or_ceil((H + 2*ph - dh*(KH-1) - 1) / sh) + 1 (likewise OW); indices have the
        output's shape, dtype int64.

    Returns: the pooled tensor, or (pooled, indices) with ``return_indices``.

    Raises: ValueError naming max_pool2d, the argument and the shapes.

    Examples: ``out, indices = F.max_pool2d(x, 2, return_indices=True)``
    """
    unbatched = batched(max_pool2d, input, kernel_size, stride, padding, dilation, ceil_mode,
                        return_indices)
    if unbatched is not None:
        return unbatched
    return max_pool("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode,
                    return_indices)


def max_pool(op: str, x: Tensor, kernel_size, stride, padding, dilation, ceil_mode: bool,
             return_indices: bool):
    """``max_pool2d`` of a batched (N, C, H, W) input, its errors naming ``op``."""
    args = pool_args(op, x, kernel_size, stride, padding, dilation, ceil_mode)
    out = MaxPool2dOp.apply(x, *args)
    # x detached: the indices are integers and never require grad
    return (out, MaxPoolIndices.apply(x.detach(), *args)) if return_indices else out


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """2-D average pooling, as ``torch.nn.functional.avg_pool2d``.

    Args:
        input: (N, C, H, W) or (C, H, W).
        kernel_size, stride (default: kernel_size), padding: an int or a pair. Padding (zeros)
            is at most half the kernel size.
        ceil_mode: round the output size up (see ``max_pool2d``).
        count_include_pad: divide by the window size clipped to the padded input (True) or by
            the number of input elements it covers (False).
        divisor_override: divide every sum by this number instead.

    Shape: (N, C, H, W) -> (N, C, OH, OW), OH = floor_or_ceil((H + 2*ph - KH) / sh) + 1.

    Raises: ValueError naming avg_pool2d, the argument and the shapes.

    Examples: ``F.avg_pool2d(x, 3, stride=2, padding=1)``
    """
    unbatched = batched(avg_pool2d, input, kernel_size, stride, padding, ceil_mode,
                        count_include_pad, divisor_override)
    if unbatched is not None:
        return unbatched
    return avg_pool("avg_pool2d", input, kernel_size, stride, padding, ceil_mode,
                    count_include_pad, divisor_override)


def avg_pool(op: str, x: Tensor, kernel_size, stride, padding, ceil_mode: bool,
             count_include_pad: bool, divisor_override) -> Tensor:
    """``avg_pool2d`` of a batched (N, C, H, W) input, its errors naming ``op``."""
    kernel, stride, padding, _, out_size = pool_args(op, x, kernel_size, stride, padding, 1,
                                                     ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise ValueError(f"{op}: divisor_override must be non-zero (input {x.shape})")
    divisor = _avg_divisor(x.shape[2:], kernel, stride, padding, out_size, count_include_pad,
                           divisor_override, x.dtype)
    return AvgPool2dOp.apply(x, kernel, stride, padding, out_size, divisor)
