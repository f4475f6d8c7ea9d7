"""Winograd's minimal filtering F(2x2, 3x3): a 3x3 stride-1 convolution in 2.25x fewer
multiplications (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).

The plain form, which stays the reference (``conv.conv_forward``, im2col + GEMM), computes each
output pixel as a dot product of the 3x3 window under it with the filter: 9 multiplications per
output pixel, input channel and output channel. Winograd computes a 2x2 block of outputs Y from
the 4x4 tile d of the padded input under it as

    Y = A^T [ U ⊙ V ] A,   U = G g G^T (the 3x3 filter g as 4x4),   V = B^T d B (the tile)

with ⊙ the elementwise product: 16 multiplications for 4 outputs instead of 36. Summed over the
input channels, the 16 elementwise products become 16 matrix products, one per tile position
(a, b): M[a, b] (O, tiles) = U[a, b] (O, C) @ V[a, b] (C, tiles). The transforms B^T . B and
A^T . A are additions only, and G's entries are 0, 1 and 1/2, so the float32 results differ from
the direct sum by a few units in the last place (tests compare with im2col and PyTorch).

What it buys: the GEMMs, which dominate a convolution, shrink 2.25x; the transforms add passes
over 4x the input and the output, and the filter transform 16/9 of the weight. So it can win
only where the products are large against those passes: many channels on both sides and many
tiles (``worth_it``); it loses on the small images of a network's deepest levels, whose weights
are larger than their activations. And the transforms are NumPy passes on one core while the
GEMMs use every BLAS thread: measured in a whole U-Net step it pays with one BLAS thread and
costs time with two. So it is off by default (``ENABLED``): turn it on for single-threaded
runs (OPENBLAS_NUM_THREADS=1, e.g. one process per core); ``benchmarks/bench_kernels.py``
times both paths at 1 and 2 threads.

Only the forward computation changes: conv2d's gradients stay the adjoint ops of conv.py. A
conv2d's input gradient, a stride-1 transposed convolution, is itself a conv2d with the flipped
kernel (``conv.flipped_kernel``), so it goes through this path too when enabled.
"""
import numpy as np

from .pad import pad_channel_major

# ENABLED: take this path where ``worth_it`` (see the module docstring for why it is off by
# default). Below these sizes the transforms cost more than the multiplications they save.
ENABLED = False
MIN_CHANNELS = 64       # the smaller of input and output channels
MIN_TILES = 256         # 2x2 output blocks over the batch


def applies(w_shape: tuple, stride: tuple, dilation: tuple, groups: int) -> bool:
    """Whether a convolution is F(2x2, 3x3)'s: a 3x3 kernel, stride 1, dilation 1, one group."""
    return w_shape[2:] == (3, 3) and stride == dilation == (1, 1) and groups == 1


def worth_it(x_shape: tuple, w_shape: tuple, pads: tuple) -> bool:
    """Whether F(2x2, 3x3) pays for a conv2d of a (N, C, H, W) input padded by ``pads`` with a
    (O, C, 3, 3) weight (the caller checks ``applies``)."""
    OH, OW = x_shape[2] + pads[0] + pads[1] - 2, x_shape[3] + pads[2] + pads[3] - 2
    tiles = x_shape[0] * -(-OH // 2) * -(-OW // 2)
    return ENABLED and min(w_shape[0], w_shape[1]) >= MIN_CHANNELS and tiles >= MIN_TILES


def filter_transform(w: np.ndarray) -> np.ndarray:
    """U = G g G^T for each (O, C) filter g of ``w`` (O, C, 3, 3), as (16, O, C): one matrix per
    tile position. G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]]."""
    def rows_of_g(g0, g1, g2):  # G applied along one axis, each term an (O, C, ...) array
        half_sum = (g0 + g2) * 0.5
        return g0, half_sum + g1 * 0.5, half_sum - g1 * 0.5, g2

    O, C = w.shape[:2]
    u = np.empty((4, 4, O, C), dtype=w.dtype)
    for a, row in enumerate(rows_of_g(w[:, :, 0], w[:, :, 1], w[:, :, 2])):  # (O, C, 3) each
        for b, value in enumerate(rows_of_g(row[..., 0], row[..., 1], row[..., 2])):
            u[a, b] = value
    return u.reshape(16, O, C)


def _data_transform(d0, d1, d2, d3, out) -> None:
    """B^T applied along one axis: out[0..3] = d0 - d2, d1 + d2, d2 - d1, d1 - d3."""
    np.subtract(d0, d2, out=out[0])
    np.add(d1, d2, out=out[1])
    np.subtract(d2, d1, out=out[2])
    np.subtract(d1, d3, out=out[3])


def _inverse_transform(m0, m1, m2, m3, out0, out1) -> None:
    """A^T applied along one axis: out0 = m0 + m1 + m2, out1 = m1 - m2 - m3."""
    np.add(m0, m1, out=out0)
    out0 += m2
    np.subtract(m1, m2, out=out1)
    out1 -= m3


def conv2d_3x3(x: np.ndarray, w: np.ndarray, pads: tuple) -> np.ndarray:
    """conv2d of ``x`` (N, C, H, W) with a (O, C, 3, 3) weight ``w``, stride 1, dilation 1, one
    group, padding ``pads`` (top, bottom, left, right), by F(2x2, 3x3). Returns the (N, O, OH,
    OW) view of a channel-major (O, N, OH, OW) array, as ``conv.conv_forward``."""
    N, C, H, W = x.shape
    O = w.shape[0]
    OH, OW = H + pads[0] + pads[1] - 2, W + pads[2] + pads[3] - 2
    th, tw = -(-OH // 2), -(-OW // 2)  # 2x2 output blocks; an odd size pads one more row
    pt, pb, pl, pr = pads
    xp = pad_channel_major(x, (pt, pb + 2 * th - OH, pl, pr + 2 * tw - OW)).transpose(1, 0, 2, 3)
    # V = B^T d B for every 4x4 tile (tiles overlap by 2): along rows, then along columns
    rows = np.empty((4, C, N, th, 2 * tw + 2), dtype=x.dtype)
    _data_transform(*(xp[:, :, k:k + 2 * th:2] for k in range(4)), rows)
    v = np.empty((4, 4, C, N, th, tw), dtype=x.dtype)
    for a in range(4):
        _data_transform(*(rows[a][..., k:k + 2 * tw:2] for k in range(4)), v[a])
    del rows
    # one product per tile position: M[a, b] = U[a, b] @ V[a, b]
    m = np.matmul(filter_transform(w), v.reshape(16, C, N * th * tw))
    del v
    m = m.reshape(4, 4, O, N, th, tw)
    # Y = A^T M A: along rows, then along columns into each block's 2x2 outputs
    half = np.empty((2, 4, O, N, th, tw), dtype=x.dtype)
    _inverse_transform(m[0], m[1], m[2], m[3], half[0], half[1])
    del m
    out = np.empty((O, N, th, 2, tw, 2), dtype=x.dtype)
    for a in range(2):
        _inverse_transform(*half[a], out[:, :, :, a, :, 0], out[:, :, :, a, :, 1])
    return out.reshape(O, N, 2 * th, 2 * tw)[:, :, :OH, :OW].transpose(1, 0, 2, 3)
