"""Converters of the pools: max and average with PyTorch's windows, adaptive max pooling and
the indices of its maxima. (Max pooling's indices and unpooling are in ``unpool.py``.)

PyTorch's ceil_mode keeps a last window only if it starts inside the input; ONNX's ceil_mode
rule differs between versions. So the recorded output size is written out instead: the windows
that ceil_mode adds become extra padding at the bottom / right, and pooling then runs in floor
mode (max pooling ignores padding; average pooling's divisors are applied explicitly).
"""
import numpy as np

from ...core.ops import adaptive_pool, pool
from ..registry import converts


def _pads(g, x_shape, kernel, stride, padding, dilation, out_size) -> list:
    """ONNX pads (top, left, bottom, right) giving ``out_size`` in floor mode. (``g``, the
    graph, is unused: the converters call every helper with it.)"""
    reach = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    widths = pool._pad_widths(x_shape[2:], padding, reach, out_size, stride)
    return [widths[0][0], widths[1][0], widths[0][1], widths[1][1]]


@converts(pool.MaxPool2dOp)
def max_pool2d(g, call):
    x, kernel, stride, padding, dilation, out_size = call.args
    g.written(f"the pads of a ceil_mode window past the input of size {tuple(x.shape[2:])}",
              lambda a: _pads(g, a[0].shape, *a[1:6]))
    return g.op("MaxPool", g.value(x), kernel_shape=list(kernel), strides=list(stride),
                dilations=list(dilation),
                pads=_pads(g, x.shape, kernel, stride, padding, dilation, out_size))


@converts(pool.AvgPool2dOp)
def avg_pool2d(g, call):
    """ONNX averages over the whole window, padding included; PyTorch's divisors (padding not
    counted, ceil_mode overhang, divisor_override) then rescale: out = avg * KH*KW / divisor."""
    x, kernel, stride, padding, out_size, divisor = call.args
    window = kernel[0] * kernel[1]

    def factors(a):
        divisors = np.asarray(a[5])
        return None if np.all(divisors == window) else divisors

    g.written(f"the divisors of the windows of {tuple(x.shape[2:])}",
              lambda a: (_pads(g, a[0].shape, a[1], a[2], a[3], (1, 1), a[4]), factors(a)))
    out = g.op("AveragePool", g.value(x), kernel_shape=list(kernel), strides=list(stride),
               pads=_pads(g, x.shape, kernel, stride, padding, (1, 1), out_size),
               count_include_pad=1)
    divisors = factors(call.args)
    if divisors is None:
        return out
    return g.op("Mul", out, g.constant((window / divisors).astype(call.out.dtype)))


def _bins_reduce(g, x: str, op_type: str, starts, ends, axis: int) -> str:
    """``op_type`` (ReduceMax) over each bin [start, end) of ``axis``, joined back on it."""
    parts = [g.reduce(op_type, g.op("Slice", x, g.ints([s]), g.ints([e]), g.ints([axis])),
                      [axis], True) for s, e in zip(starts, ends)]
    return parts[0] if len(parts) == 1 else g.op("Concat", *parts, axis=axis)


@converts(adaptive_pool.AdaptiveMaxPool2dOp)
def adaptive_max_pool2d(g, call):
    """A max over a rectangle is a max of maxima over its rows: each adaptive bin of W, then
    of H, is a Slice and a ReduceMax (GlobalMaxPool for one bin over the whole input)."""
    x, bins_h, bins_w = call.args
    xv = g.value(x)
    if len(bins_h[0]) == len(bins_w[0]) == 1:
        g.size_free()
        return g.op("GlobalMaxPool", xv)
    g.written(f"adaptive bins of {tuple(x.shape[2:])}", lambda a: (a[1], a[2]))
    return _bins_reduce(g, _bins_reduce(g, xv, "ReduceMax", *bins_w, 3), "ReduceMax",
                        *bins_h, 2)


@converts(adaptive_pool.AdaptiveMaxPoolIndices)
def adaptive_max_pool_indices(g, call):
    """The flat position h * W + w of each bin's first maximum: per bin, ArgMax over its
    flattened rectangle (the first maximum in row-major order, as the op's), turned into a
    position in the plane."""
    x, bins_h, bins_w = call.args
    g.written(f"adaptive bins of {tuple(x.shape[2:])}", lambda a: (a[0].shape[3], a[1], a[2]))
    xv, W, rows = g.value(x), x.shape[3], []
    for h0, h1 in zip(*bins_h):
        columns = []
        for w0, w1 in zip(*bins_w):
            block = g.op("Slice", xv, g.ints([h0, w0]), g.ints([h1, w1]), g.ints([2, 3]))
            at = g.op("ArgMax", g.op("Reshape", block, g.ints([0, 0, -1])), axis=2)  # (N, C, 1)
            width = g.ints([w1 - w0])
            row = g.op("Add", g.op("Div", at, width), g.ints([h0]))
            column = g.op("Add", g.op("Mod", at, width), g.ints([w0]))
            columns.append(g.op("Add", g.op("Mul", row, g.ints([W])), column))
        rows.append(g.op("Unsqueeze", g.op("Concat", *columns, axis=2), g.ints([2])))
    return rows[0] if len(rows) == 1 else g.op("Concat", *rows, axis=2)
