"""Converters of unfold and fold, as a convolution and a transposed convolution with one-hot
kernels: output channel c * KH*KW + i*KW + j of a depthwise (group = C) convolution whose kernel
is 1 at tap (i, j) alone reads tap (i, j) of each window, unfold's row (c, i, j); the
transposed convolution with the same kernels adds each column back onto its window, fold."""
import numpy as np

from ...core.ops import fold
from ..registry import converts


def _one_hot_kernels(g, kernel, channels: int, dtype) -> str:
    """(C*KH*KW, 1, KH, KW): kernel k of each channel is 1 at tap k."""
    KH, KW = kernel
    taps = np.eye(KH * KW, dtype=dtype).reshape(KH * KW, 1, KH, KW)
    return g.constant(np.tile(taps, (channels, 1, 1, 1)), "one_hot_kernels")


@converts(fold.UnfoldOp)
def unfold(g, call):
    x, kernel, dilation, padding, stride, _ = call.args
    # the number of windows is not written (the Reshape infers it): it may follow the input
    g.written("the channels, kernel, dilation, padding and stride",
              lambda args: (args[0].shape[1], *args[1:5]))
    (ph, pw), C = padding, x.shape[1]
    windows = g.op("Conv", g.value(x), _one_hot_kernels(g, kernel, C, call.out.dtype),
                   kernel_shape=list(kernel), strides=list(stride), dilations=list(dilation),
                   pads=[ph, pw, ph, pw], group=C)
    return g.op("Reshape", windows, g.ints([0, 0, -1]))  # (N, C*KH*KW, OH*OW)


@converts(fold.FoldOp)
def fold_(g, call):
    """The windows' grid (OH, OW) and the image size (arguments) are numbers of the graph.
    The transposed convolution covers the windows' reach, which may stop short of the padded
    image: zeros complete it before the padding is cut off."""
    x, size, kernel, dilation, padding, stride = call.args
    KH, KW = kernel
    C, blocks = x.shape[1] // (KH * KW), fold._blocks(size, kernel, dilation, padding, stride)
    grid = g.op("Reshape", g.value(x), g.ints([0, 0, *blocks]))
    full = g.op("ConvTranspose", grid, _one_hot_kernels(g, kernel, C, call.out.dtype),
                kernel_shape=list(kernel), strides=list(stride), dilations=list(dilation),
                group=C)
    reach = [(o - 1) * s + d * (k - 1) + 1 for o, s, d, k in zip(blocks, stride, dilation,
                                                                kernel)]
    short = [n + 2 * p - r for n, p, r in zip(size, padding, reach)]
    if any(short):
        full = g.op("Pad", full, g.ints([0, 0, 0, 0, 0, 0, *short]), mode="constant")
    starts, ends = list(padding), [p + n for p, n in zip(padding, size)]
    return g.op("Slice", full, g.ints(starts), g.ints(ends), g.ints([2, 3]))
