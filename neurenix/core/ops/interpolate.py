"""Resizing with PyTorch's ``F.interpolate`` semantics: nearest, nearest-exact, (bi)linear, bicubic,
area.

Every mode is linear in x, so each backward pass is the adjoint resize, itself an op whose own
backward is the forward resize again: gradients are differentiable to any order.

(Bi)linear and bicubic resizing are separable linear maps, so an (N, C, H, W) input becomes
out = Ah @ x @ Aw^T with small interpolation matrices Ah (OH, H) and Aw (OW, W)
(``separable.SeparableResize``, whose backward uses the transposed matrices). The matrices are
built in the input dtype from PyTorch's source-index formulas, so float32 results match its
float32 arithmetic. Nearest modes gather rows and columns (``NearestResize``); their adjoint
(``NearestScatter``) sums each run of output rows that copied one input row (np.add.reduceat:
the indices never decrease), and its adjoint is the gather again. "area" is adaptive average
pooling to the output size, as in PyTorch.
"""
import math

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .adaptive_pool import adaptive_avg_pool2d
from .separable import SeparableResize

_CUBIC_A = -0.75  # PyTorch's (and OpenCV's) bicubic convolution constant


def _fold_runs(grad: np.ndarray, index: np.ndarray, n: int, axis: int) -> np.ndarray:
    """The adjoint of ``np.take(x, index, axis)`` for non-decreasing ``index`` into a size-n
    axis: consecutive equal indices form runs, each run sums into its input position."""
    starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
    shape = list(grad.shape)
    shape[axis] = n
    out = np.zeros(shape, dtype=grad.dtype)
    target = [slice(None)] * grad.ndim
    target[axis] = index[starts]
    out[tuple(target)] = np.add.reduceat(grad, starts, axis=axis)
    return out


class NearestResize(Function):
    """out[..., i, j] = x[..., ih[i], iw[j]].  dL/dx = ``NearestScatter`` of dL/dout: each
    output's gradient summed into the input pixel it copied."""

    __slots__ = ("ih", "iw", "x_size")

    @staticmethod
    def forward(ctx, x, ih, iw):
        ctx.ih, ctx.iw, ctx.x_size = ih, iw, x.shape[2:]
        return np.take(np.take(x, ih, axis=2), iw, axis=3)

    @staticmethod
    def backward(ctx, grad_out):
        return NearestScatter.apply(grad_out, ctx.ih, ctx.iw, ctx.x_size), None, None


class NearestScatter(Function):
    """out[..., h, w] = sum of x[..., i, j] over ih[i] = h, iw[j] = w (``size`` = (H, W)): the
    adjoint of ``NearestResize``.  dL/dx = ``NearestResize`` of dL/dout, a gather."""

    __slots__ = ("ih", "iw")

    @staticmethod
    def forward(ctx, x, ih, iw, size):
        ctx.ih, ctx.iw = ih, iw
        return _fold_runs(_fold_runs(x, iw, size[1], 3), ih, size[0], 2)

    @staticmethod
    def backward(ctx, grad_out):
        return NearestResize.apply(grad_out, ctx.ih, ctx.iw), None, None, None


def _nearest_index(n_in: int, n_out: int, scale_factor, exact: bool) -> np.ndarray:
    """PyTorch's nearest source indices, in its float32 arithmetic: floor(dst * scale), or
    floor((dst + 0.5) * scale) for nearest-exact, with scale = 1/scale_factor when a scale
    factor is used, else n_in/n_out. Like PyTorch's nearest_idx, "nearest" copies when
    n_out == n_in and halves when n_out == 2 * n_in, whatever the scale factor (PyTorch's
    vectorised CPU path for some outputs of 128+ columns skips these two shortcuts)."""
    dst = np.arange(n_out)
    if not exact and n_out == n_in:
        return dst
    if not exact and n_out == 2 * n_in:
        return dst >> 1
    scale = (np.float32(1.0 / scale_factor) if scale_factor else
             np.float32(n_in) / np.float32(n_out))
    if exact:  # (dst + 0.5) is a double in PyTorch, rounded to float before floorf
        src = np.floor(((dst + 0.5) * np.float64(scale)).astype(np.float32))
    else:
        src = np.floor(dst.astype(np.float32) * scale)
    return np.minimum(src.astype(np.int64), n_in - 1)


def _source_coords(n_in: int, n_out: int, scale_factor, align_corners: bool, cubic: bool,
                   dtype) -> np.ndarray:
    """PyTorch's area_pixel_compute_source_index for every output position, in ``dtype``:
    half-pixel centres (clamped at 0 except for cubic), or corner-aligned."""
    if align_corners:
        scale = dtype.type(n_in - 1) / dtype.type(n_out - 1) if n_out > 1 else dtype.type(0)
        return scale * np.arange(n_out).astype(dtype)
    scale = dtype.type(1.0 / scale_factor) if scale_factor else dtype.type(n_in) / dtype.type(n_out)
    # PyTorch's CPU build fuses scale * (dst + 0.5) - 0.5 into one multiply-add (one rounding);
    # for float32, computing in float64 and rounding once gives the same number.
    src = (np.float64(scale) * (np.arange(n_out) + 0.5) - 0.5).astype(dtype)
    return src if cubic else np.maximum(src, 0)


def _floor_and_fraction(src: np.ndarray, n_in: int) -> tuple:
    """PyTorch's guard_index_and_lambda: the tap below ``src`` (at most n_in - 1) and the
    fraction past it, clamped to [0, 1]."""
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    return i0, np.clip(src - i0.astype(src.dtype), 0, 1)


def _linear_matrix(n_in: int, n_out: int, scale_factor, align_corners: bool, dtype):
    """(n_out, n_in) linear-interpolation weights: two taps per row."""
    if n_out == n_in:  # PyTorch's linear kernel copies, whatever the scale factor
        return np.eye(n_in, dtype=dtype)
    i0, lam = _floor_and_fraction(_source_coords(n_in, n_out, scale_factor, align_corners,
                                                 False, dtype), n_in)
    rows, A = np.arange(n_out), np.zeros((n_out, n_in), dtype=dtype)
    A[rows, i0] += 1 - lam
    A[rows, i0 + (i0 < n_in - 1)] += lam  # at the last input both taps are the same pixel
    return A


def _cubic_weights(t: np.ndarray) -> list:
    """Keys' cubic convolution weights of the taps at -1, 0, 1, 2 for fractions ``t``."""
    a = _CUBIC_A

    def near(s):  # |s| <= 1
        return ((a + 2) * s - (a + 3)) * s * s + 1

    def far(s):  # 1 < |s| < 2
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _cubic_matrix(n_in: int, n_out: int, scale_factor, align_corners: bool, dtype):
    """(n_out, n_in) bicubic weights: four taps per row, indices clamped to the border (the
    weights of clamped taps add up on the edge pixel, as in PyTorch)."""
    i0, t = _floor_and_fraction(_source_coords(n_in, n_out, scale_factor, align_corners,
                                               True, dtype), n_in)
    rows, A = np.arange(n_out), np.zeros((n_out, n_in), dtype=dtype)
    for k, weight in enumerate(_cubic_weights(t)):
        A[rows, np.clip(i0 - 1 + k, 0, n_in - 1)] += weight
    return A


_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "area")


def _resize_args(x, size, scale_factor, mode, align_corners, recompute_scale_factor) -> tuple:
    """Validated (output size, scale factors passed on to the index formulas)."""
    if mode not in _MODES:
        raise ValueError(f"interpolate: mode must be one of {', '.join(_MODES)}, got {mode!r}")
    if not isinstance(x, Tensor) or x.dtype.kind != "f":
        raise TypeError(f"interpolate: expected a floating Tensor, got "
                        f"{getattr(x, 'dtype', type(x).__name__)}")
    dims = x.ndim - 2
    if (mode == "linear" and dims != 1) or (mode in ("bilinear", "bicubic") and dims != 2) or \
            dims not in (1, 2):
        raise ValueError(f"interpolate: mode {mode!r} got a {x.ndim}-D input {x.shape}; linear "
                         "needs 3-D (N, C, W), bilinear and bicubic 4-D (N, C, H, W), nearest "
                         "modes and area either")
    if align_corners is not None and mode not in ("linear", "bilinear", "bicubic"):
        raise ValueError("interpolate: align_corners option can only be set with the "
                         f"interpolating modes: linear | bilinear | bicubic (mode {mode!r})")
    if (size is None) == (scale_factor is None):
        raise ValueError(f"interpolate: give exactly one of size and scale_factor (input "
                         f"{x.shape}, size={size!r}, scale_factor={scale_factor!r})")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                             f"explicit size (size={size!r}, input {x.shape})")
        out = tuple(size) if isinstance(size, (tuple, list)) else (size,) * dims
        scales = (None,) * dims
    else:
        scales = (tuple(scale_factor) if isinstance(scale_factor, (tuple, list))
                  else (scale_factor,) * dims)
        if len(scales) != dims or min(scales) <= 0:
            raise ValueError(f"interpolate: scale_factor {scale_factor!r} must be positive, one "
                             f"per spatial dimension of the input {x.shape}")
        out = tuple(math.floor(n * float(s)) for n, s in zip(x.shape[2:], scales))
        if recompute_scale_factor:  # the index formulas then use in/out instead of 1/scale
            scales = (None,) * dims
    if len(out) != dims or not all(isinstance(o, (int, np.integer)) for o in out):
        raise ValueError(f"interpolate: the output size {out} must hold {dims} ints (input "
                         f"{x.shape}, size={size!r}, scale_factor={scale_factor!r})")
    # PyTorch's zero-size rules: an empty batch resizes to an empty batch, but an empty image
    # or output has no pixels to interpolate from or to, and (except for area, which is
    # adaptive pooling) neither has an input without channels
    if min(x.shape[2:]) < 1 or min(out) < 1:
        raise ValueError(f"interpolate: input and output sizes should be greater than 0, got "
                         f"input {x.shape} and output size {out}")
    if x.shape[1] == 0 and mode != "area":
        raise ValueError(f"interpolate: non-empty data expected (only the batch dimension may "
                         f"be 0), got input {x.shape} for mode {mode!r}")
    return tuple(int(o) for o in out), tuple(None if s is None else float(s) for s in scales)


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners=None, recompute_scale_factor=None) -> Tensor:
    """Resize the spatial dimensions of ``input``, as ``torch.nn.functional.interpolate``.

    Args:
        input: (N, C, H, W), or (N, C, W) for ``"linear"``, the nearest modes and area.
        size: output size, an int or one int per spatial dimension.
        scale_factor: a float or one per spatial dimension; the output size is
            floor(input size * scale_factor). Give exactly one of size and scale_factor.
        mode: ``"nearest"`` (source index floor(dst * scale), PyTorch's legacy rule),
            ``"nearest-exact"`` (floor((dst + 0.5) * scale), half-pixel centres), ``"linear"``,
            ``"bilinear"``, ``"bicubic"`` (A = -0.75, border indices clamped) or ``"area"``
            (the mean over PyTorch's adaptive bins: ``adaptive_avg_pool2d`` to the output size).
        align_corners: for the interpolating modes, map corner pixel centres onto each other
            (True) or use half-pixel centres (False, the default when None).
        recompute_scale_factor: with scale_factor, let the index formulas use the computed
            output size (in/out) instead of 1/scale_factor.

    Shape: (N, C, H, W) -> (N, C, OH, OW); the dtype is kept. A batch of 0 gives a batch of 0;
        an empty image, an empty output size, or (but for area) 0 channels is refused.

    Raises: ValueError naming interpolate, the argument and the shapes.

    Examples: ``F.interpolate(x, scale_factor=2, mode="bilinear")``
    """
    out_size, scales = _resize_args(input, size, scale_factor, mode, align_corners,
                                    recompute_scale_factor)
    if input.ndim == 3:  # a 1-D resize is a 2-D one over a height of 1
        mode = "bilinear" if mode == "linear" else mode
        return _resize(input.unsqueeze(2), (1,) + out_size, (None,) + scales, mode,
                       bool(align_corners)).squeeze(2)
    return _resize(input, out_size, scales, mode, bool(align_corners))


def _resize(x: Tensor, out_size: tuple, scales: tuple, mode: str, align_corners: bool) -> Tensor:
    (H, W), (OH, OW) = x.shape[2:], out_size
    if mode == "area":
        return adaptive_avg_pool2d(x, out_size)
    if mode.startswith("nearest"):
        exact = mode == "nearest-exact"
        return NearestResize.apply(x, _nearest_index(H, OH, scales[0], exact),
                                   _nearest_index(W, OW, scales[1], exact))
    build = _cubic_matrix if mode == "bicubic" else _linear_matrix
    return SeparableResize.apply(x, build(H, OH, scales[0], align_corners, x.dtype),
                                 build(W, OW, scales[1], align_corners, x.dtype))
