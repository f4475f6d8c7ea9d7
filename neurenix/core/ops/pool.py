"""2-D max and average pooling, fixed-window and adaptive, with PyTorch's size rules.

A fixed-window pool loops over the KH*KW kernel positions (never over pixels): position (i, j)
sees one strided slab of the padded input (``conv.window_slices``), and the pool is a running
maximum or sum of those slabs.

With its argmax fixed, every pool is linear in x, so its backward is a linear op of its own
whose backward is the pool's again; gradients are differentiable to any order:
- max pooling's backward scatters dL/dout to the position of each window's maximum
  (``ScatterToArgmax``); that op's backward gathers at the same positions (``GatherAtArgmax``),
  and the gather's backward is the scatter. The positions are constants of the graph.
- average pooling's backward spreads each dL/dout evenly over its window (``SpreadOverWindows``,
  the adjoint, as conv's col2im: one slab addition per kernel position), and that op's
  backward is average pooling with the same windows and divisors.

Adaptive pooling uses PyTorch's bins: output i along an axis of n inputs and m outputs pools
inputs [floor(i*n/m), ceil((i+1)*n/m)). When all bins have one size and one step, and the
kernel has no more positions than the output (global pooling has 1 output for H*W positions),
it is a fixed-window pool. Otherwise average pooling is a product with small averaging matrices
(the mean over a rectangle is a mean over rows of means over columns: ``separable_resize``, whose
adjoint is the transposed product), and max pooling reduces the columns then the rows, one bin
at a time (a loop over output rows / columns only), and shares max pooling's scatter.
"""
import numpy as np

from .._shapes import pair
from ..autograd import Function
from ..tensor import Tensor
from .conv import window_slices
from .interpolate import separable_resize
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


class MaxPool2dOp(Function):
    """out = max over each window.  dL/dx = dL/dout scattered to the first position holding
    each window's maximum (PyTorch's choice): ``ScatterToArgmax``."""

    __slots__ = ("kernel", "stride", "padding", "dilation", "x_shape", "argmax")

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out_size):
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
        planes = np.concatenate((x.reshape(N, C, -1), np.zeros((N, C, 1), x.dtype)), axis=2)
        return np.take_along_axis(planes, index.reshape(N, C, -1), axis=2).reshape(index.shape)

    @staticmethod
    def backward(ctx, grad_out):
        return ScatterToArgmax.apply(grad_out, ctx.index, ctx.x_shape), None


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


def _pool_args(op: str, x, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
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


def _batched(fn, x, *args):
    """Apply a pool written for (N, C, H, W) to an unbatched (C, H, W) input too."""
    if isinstance(x, Tensor) and x.ndim == 3:
        return fn(x.unsqueeze(0), *args).squeeze(0)
    return None


def max_pool2d(x: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False) -> Tensor:
    """2-D max pooling, as ``torch.nn.functional.max_pool2d``.

    Args:
        x: input (N, C, H, W) or (C, H, W).
        kernel_size, stride (default: kernel_size), padding, dilation: an int or a pair.
            Padding (implicitly -inf) is at most half the kernel size.
        ceil_mode: round the output size up, keeping only windows that start inside the input
            or its left padding.

    Shape: (N, C, H, W) -> (N, C, OH, OW) with
        OH = floor_or_ceil((H + 2*ph - dh*(KH-1) - 1) / sh) + 1 (likewise OW).

    Raises: ValueError naming max_pool2d, the argument and the shapes.
    """
    batched = _batched(max_pool2d, x, kernel_size, stride, padding, dilation, ceil_mode)
    if batched is not None:
        return batched
    args = _pool_args("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    return MaxPool2dOp.apply(x, *args)


def avg_pool2d(x: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """2-D average pooling, as ``torch.nn.functional.avg_pool2d``.

    Args:
        x: input (N, C, H, W) or (C, H, W).
        kernel_size, stride (default: kernel_size), padding: an int or a pair. Padding (zeros)
            is at most half the kernel size.
        ceil_mode: round the output size up (see ``max_pool2d``).
        count_include_pad: divide by the window size clipped to the padded input (True) or by
            the number of input elements it covers (False).
        divisor_override: divide every sum by this number instead.

    Shape: (N, C, H, W) -> (N, C, OH, OW), OH = floor_or_ceil((H + 2*ph - KH) / sh) + 1.

    Raises: ValueError naming avg_pool2d, the argument and the shapes.
    """
    batched = _batched(avg_pool2d, x, kernel_size, stride, padding, ceil_mode,
                       count_include_pad, divisor_override)
    if batched is not None:
        return batched
    kernel, stride, padding, _, out_size = _pool_args("avg_pool2d", x, kernel_size, stride,
                                                      padding, 1, ceil_mode)
    if divisor_override is not None and divisor_override == 0:
        raise ValueError(f"avg_pool2d: divisor_override must be non-zero (input {x.shape})")
    divisor = _avg_divisor(x.shape[2:], kernel, stride, padding, out_size, count_include_pad,
                           divisor_override, x.dtype)
    return AvgPool2dOp.apply(x, kernel, stride, padding, out_size, divisor)


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


class AdaptiveMaxPool2dOp(Function):
    """out = max over each adaptive bin, taken over columns then rows (a max over a rectangle
    is a max of row maxima; the first row-major maximum wins, as in PyTorch).
    dL/dx = dL/dout scattered to each bin's maximum: ``ScatterToArgmax``."""

    __slots__ = ("x_shape", "index")

    @staticmethod
    def forward(ctx, x, bins_h, bins_w):
        columns, argmax_w = _bin_max(x, *bins_w)  # (N, C, H, OW)
        rows, argmax_h = _bin_max(np.swapaxes(columns, 2, 3), *bins_h)  # (N, C, OW, OH)
        argmax_h = np.swapaxes(argmax_h, 2, 3)  # (N, C, OH, OW): the row of each maximum
        argmax_w = np.take_along_axis(argmax_w, argmax_h, axis=2)  # its column in that row
        ctx.x_shape, ctx.index = x.shape, argmax_h * x.shape[3] + argmax_w
        return np.ascontiguousarray(np.swapaxes(rows, 2, 3))

    @staticmethod
    def backward(ctx, grad_out):
        return ScatterToArgmax.apply(grad_out, ctx.index, ctx.x_shape), None, None


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


def adaptive_avg_pool2d(x: Tensor, output_size) -> Tensor:
    """2-D adaptive average pooling, as ``torch.nn.functional.adaptive_avg_pool2d``.

    Args:
        x: input (N, C, H, W) or (C, H, W).
        output_size: an int or a pair (OH, OW); a None entry keeps that input size. Output i
            averages inputs [floor(i*H/OH), ceil((i+1)*H/OH)) (likewise along W).

    Shape: (N, C, H, W) -> (N, C, OH, OW), any sizes (e.g. 7 x 9 -> 3 x 2).

    Raises: ValueError naming adaptive_avg_pool2d and the shapes.
    """
    batched = _batched(adaptive_avg_pool2d, x, output_size)
    if batched is not None:
        return batched
    size, bins = _adaptive_args("adaptive_avg_pool2d", x, output_size)
    window = _as_window(bins, x.shape[2:])
    if window is not None:
        kernel, stride = window
        return AvgPool2dOp.apply(x, kernel, stride, (0, 0), size, kernel[0] * kernel[1])
    return separable_resize(x, *(_averaging_matrix(*b, n, x.dtype)
                                 for b, n in zip(bins, x.shape[2:])))


def adaptive_max_pool2d(x: Tensor, output_size) -> Tensor:
    """2-D adaptive max pooling, as ``torch.nn.functional.adaptive_max_pool2d``.

    Args:
        x: input (N, C, H, W) or (C, H, W).
        output_size: an int or a pair (OH, OW); a None entry keeps that input size. Output i
            takes the max over inputs [floor(i*H/OH), ceil((i+1)*H/OH)) (likewise along W).

    Shape: (N, C, H, W) -> (N, C, OH, OW), any sizes.

    Raises: ValueError naming adaptive_max_pool2d and the shapes.
    """
    batched = _batched(adaptive_max_pool2d, x, output_size)
    if batched is not None:
        return batched
    size, bins = _adaptive_args("adaptive_max_pool2d", x, output_size)
    window = _as_window(bins, x.shape[2:])
    if window is not None:
        kernel, stride = window
        return MaxPool2dOp.apply(x, kernel, stride, (0, 0), (1, 1), size)
    return AdaptiveMaxPool2dOp.apply(x, bins[0], bins[1])
