"""1-D pooling over (N, C, L) signals: the 2-D pools over a height of 1.

A window of k samples along L is a (1, k) window over an image of one row, so each 1-D pool
is the 2-D op of ``pool.py`` / ``adaptive_pool.py`` on ``input.unsqueeze(2)``, with the same
differentiable-to-any-order backward; max pooling's indices are then positions along L.
"""
from .._shapes import single
from ..tensor import Tensor
from .adaptive_pool import adaptive_avg
from .pool import avg_pool, max_pool


def _as_image(op: str, x) -> Tensor:
    """(N, C, L) or unbatched (C, L) as a (N, C, 1, L) image, else a ValueError naming ``op``."""
    if not isinstance(x, Tensor) or x.ndim not in (2, 3) or x.dtype.kind != "f":
        raise ValueError(f"{op}: expected a floating 3-D input (N, C, L) or 2-D (C, L), got "
                         f"{getattr(x, 'shape', type(x).__name__)} {getattr(x, 'dtype', '')}")
    return x.unsqueeze(-2) if x.ndim == 3 else x.unsqueeze(0).unsqueeze(-2)


def _as_signal(out: Tensor, x: Tensor) -> Tensor:
    """The (N, C, 1, OL) result of a pool of ``_as_image(x)`` back in x's layout."""
    out = out.squeeze(-2)
    return out if x.ndim == 3 else out.squeeze(0)


def _window(op: str, kernel_size, stride, padding, dilation) -> tuple:
    """The 2-D (kernel, stride, padding, dilation) of a 1-D window along the last axis."""
    k = single(op, "kernel_size", kernel_size)
    no_stride = stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0)
    s = k if no_stride else single(op, "stride", stride)
    return ((1, k), (1, s), (0, single(op, "padding", padding)),
            (1, single(op, "dilation", dilation)))


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """1-D max pooling, as ``torch.nn.functional.max_pool1d``.

    Args:
        input: (N, C, L) or (C, L).
        kernel_size, stride (default: kernel_size), padding, dilation: an int (or a
            one-element tuple). Padding (implicitly -inf) is at most half the kernel size.
        ceil_mode: round the output length up (see ``max_pool2d``).
        return_indices: also return the position along L of each maximum (int64).

    Shape: (N, C, L) -> (N, C, OL), OL = floor_or_ceil((L + 2*p - d*(k-1) - 1) / s) + 1.

    Returns: the pooled tensor, or (pooled, indices) with ``return_indices``.

    Raises: ValueError naming max_pool1d, the argument and the shapes.

    Examples: ``F.max_pool1d(signal, 3, stride=2)``
    """
    op = "max_pool1d"
    x = _as_image(op, input)
    out = max_pool(op, x, *_window(op, kernel_size, stride, padding, dilation), ceil_mode,
                   return_indices)
    if return_indices:
        return _as_signal(out[0], input), _as_signal(out[1], input)
    return _as_signal(out, input)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """1-D average pooling, as ``torch.nn.functional.avg_pool1d``.

    Args:
        input: (N, C, L) or (C, L).
        kernel_size, stride (default: kernel_size), padding: an int (or a one-element tuple).
            Padding (zeros) is at most half the kernel size.
        ceil_mode: round the output length up.
        count_include_pad: count the padding in each window's divisor.

    Shape: (N, C, L) -> (N, C, OL), OL = floor_or_ceil((L + 2*p - k) / s) + 1.

    Raises: ValueError naming avg_pool1d, the argument and the shapes.

    Examples: ``F.avg_pool1d(signal, 4)``
    """
    op = "avg_pool1d"
    kernel, stride, padding, _ = _window(op, kernel_size, stride, padding, 1)
    out = avg_pool(op, _as_image(op, input), kernel, stride, padding, ceil_mode,
                   count_include_pad, None)
    return _as_signal(out, input)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:
    """1-D adaptive average pooling, as ``torch.nn.functional.adaptive_avg_pool1d``: output i
    averages inputs [floor(i*L/OL), ceil((i+1)*L/OL)).

    Args:
        input: (N, C, L) or (C, L).  output_size: OL, an int (or a one-element tuple).

    Shape: (N, C, L) -> (N, C, OL).

    Raises: ValueError naming adaptive_avg_pool1d and the shapes.

    Examples: ``F.adaptive_avg_pool1d(signal, 1)`` (the mean over L)
    """
    op = "adaptive_avg_pool1d"
    size = (1, single(op, "output_size", output_size))
    return _as_signal(adaptive_avg(op, _as_image(op, input), size), input)
