"""Kernel windows of a padded image (N, C, Hp, Wp): the strided slab one kernel position sees
over every output position, and the im2col columns of all of them. Shared by convolution,
pooling and unfold / fold.

For kernel position (i, j), output (oh, ow) reads input (oh*sh + i*dh, ow*sw + j*dw): as
(oh, ow) vary, one strided slice of the image (``window_slices``), so a pool or a col2im is a
loop over the KH*KW kernel positions, never over pixels. ``sliding_windows`` views every
window at once without copying; ``im2col`` copies them into the channel-major column matrix
the convolution's GEMMs read.
"""
import threading

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def window_slices(i: int, j: int, OH: int, OW: int, stride: tuple, dilation: tuple) -> tuple:
    """The (H, W) slices of a padded input that kernel position (i, j) touches over all OH x OW
    output positions: the strided slab col2im and pooling add into or reduce over."""
    (sh, sw), (dh, dw) = stride, dilation
    return (slice(i * dh, i * dh + sh * (OH - 1) + 1, sh),
            slice(j * dw, j * dw + sw * (OW - 1) + 1, sw))


_scratch = threading.local()  # per thread: the buffer behind columns that die with the call


def scratch_array(shape: tuple, dtype) -> np.ndarray:
    """A reused array for columns that die with the call. Fresh memory for a column block costs
    a page fault per 4 KiB page and the kernel's zeroing of it, as much as the copy that fills
    it; Caffe shared one col_buffer the same way. Grows to the largest request."""
    size = int(np.prod(shape))
    buffer = getattr(_scratch, "buffer", None)
    if buffer is None or buffer.dtype != dtype or buffer.size < size:
        _scratch.buffer = buffer = None  # free the old buffer before allocating its successor
        _scratch.buffer = buffer = np.empty(size, dtype=dtype)
    return buffer[:size].reshape(shape)


def sliding_windows(xp: np.ndarray, KH: int, KW: int, OH: int, OW: int, stride: tuple,
                    dilation: tuple) -> np.ndarray:
    """Every kernel window of a padded input (N, C, Hp, Wp) as a strided view (no copy)
    (N, C, OH, OW, KH, KW): ``windows[n, c, oh, ow, i, j] = xp[n, c, oh*sh + i*dh,
    ow*sw + j*dw]``."""
    (sh, sw), (dh, dw) = stride, dilation
    windows = sliding_window_view(xp, (dh * (KH - 1) + 1, dw * (KW - 1) + 1), axis=(2, 3))
    return windows[:, :, :sh * (OH - 1) + 1:sh, :sw * (OW - 1) + 1:sw, ::dh, ::dw]


def im2col(xp: np.ndarray, KH: int, KW: int, OH: int, OW: int, stride: tuple,
           dilation: tuple, scratch: bool = False) -> np.ndarray:
    """Channel-major columns (C, KH, KW, N, OH, OW) of a padded input (N, C, Hp, Wp):
    ``cols[c, i, j, n, oh, ow] = xp[n, c, oh*sh + i*dh, ow*sw + j*dw]``. Viewed as a
    (C*KH*KW, N*OH*OW) matrix (without a copy), one row per kernel tap and one column per output
    pixel of the whole batch. With ``scratch`` they live in this thread's reused buffer, valid
    until the next scratch im2col."""
    # (N, C, OH, OW, KH, KW) -> (C, KH, KW, N, OH, OW)
    windows = sliding_windows(xp, KH, KW, OH, OW, stride, dilation).transpose(1, 4, 5, 0, 2, 3)
    C, KH, KW, N, OH, OW = windows.shape
    L = N * OH * OW
    # Rows a multiple of 4 KiB apart collide in the cache while BLAS packs them: one cache line
    # of padding per row spares the forward GEMM those conflict misses.
    row = L + (64 // xp.itemsize if L * xp.itemsize % 4096 == 0 else 0)
    shape = (C * KH * KW, row)
    buffer = scratch_array(shape, xp.dtype) if scratch else np.empty(shape, dtype=xp.dtype)
    cols = buffer[:, :L].reshape(windows.shape)
    np.copyto(cols, windows)
    return cols
