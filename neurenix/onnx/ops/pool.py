"""Converters of the pools: max and average with PyTorch's windows, adaptive max pooling.

PyTorch's ceil_mode keeps a last window only if it starts inside the input; ONNX's ceil_mode
rule differs between versions. So the recorded output size is written out instead: the windows
that ceil_mode adds become extra padding at the bottom / right, and pooling then runs in floor
mode (max pooling ignores padding; average pooling's divisors are applied explicitly).
"""
import numpy as np

from ...core.ops import pool
from ..registry import converts


def _pads(g, x_shape, kernel, stride, padding, dilation, out_size) -> list:
    """ONNX pads (top, left, bottom, right) giving ``out_size`` in floor mode."""
    reach = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    widths = pool._pad_widths(x_shape[2:], padding, reach, out_size, stride)
    if any(after != before for before, after in widths):
        g.fixes("size", f"a ceil_mode window past the input of size {tuple(x_shape[2:])}")
    return [widths[0][0], widths[1][0], widths[0][1], widths[1][1]]


@converts(pool.MaxPool2dOp)
def max_pool2d(g, call):
    x, kernel, stride, padding, dilation, out_size = call.args
    return g.op("MaxPool", g.value(x), kernel_shape=list(kernel), strides=list(stride),
                dilations=list(dilation),
                pads=_pads(g, x.shape, kernel, stride, padding, dilation, out_size))


@converts(pool.AvgPool2dOp)
def avg_pool2d(g, call):
    """ONNX averages over the whole window, padding included; PyTorch's divisors (padding not
    counted, ceil_mode overhang, divisor_override) then rescale: out = avg * KH*KW / divisor."""
    x, kernel, stride, padding, out_size, divisor = call.args
    out = g.op("AveragePool", g.value(x), kernel_shape=list(kernel), strides=list(stride),
               pads=_pads(g, x.shape, kernel, stride, padding, (1, 1), out_size),
               count_include_pad=1)
    window = kernel[0] * kernel[1]
    divisor = np.asarray(divisor, dtype=call.out.dtype)
    if np.all(divisor == window):
        return out
    if divisor.ndim:
        g.fixes("size", f"the divisors of {tuple(x.shape[2:])} windows")
    return g.op("Mul", out, g.constant((window / divisor).astype(call.out.dtype)))


def _bins_reduce(g, x: str, op_type: str, starts, ends, axis: int) -> str:
    """``op_type`` (ReduceMax) over each bin [start, end) of ``axis``, joined back on it."""
    parts = [g.reduce(op_type, g.op("Slice", x, g.ints([s]), g.ints([e]), g.ints([axis])),
                      [axis], True) for s, e in zip(starts, ends)]
    return parts[0] if len(parts) == 1 else g.op("Concat", *parts, axis=axis)


@converts(pool.AdaptiveMaxPool2dOp)
def adaptive_max_pool2d(g, call):
    """A max over a rectangle is a max of maxima over its rows: each adaptive bin of W, then
    of H, is a Slice and a ReduceMax (GlobalMaxPool for one bin over the whole input)."""
    x, bins_h, bins_w = call.args
    xv = g.value(x)
    if len(bins_h[0]) == len(bins_w[0]) == 1:
        return g.op("GlobalMaxPool", xv)
    g.fixes("size", f"adaptive bins of {tuple(x.shape[2:])}")
    return _bins_reduce(g, _bins_reduce(g, xv, "ReduceMax", *bins_w, 3), "ReduceMax",
                        *bins_h, 2)
