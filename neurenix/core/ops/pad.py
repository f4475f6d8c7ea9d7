"""Padding with PyTorch's ``F.pad`` conventions: constant, reflect and replicate.

``pad`` lists (before, after) pairs starting from the LAST dimension, as in PyTorch:
``(left, right, top, bottom)`` pads W then H. Reflect and replicate are applied one axis at a
time; each is a gather in the forward and a few slice additions in the backward (no np.add.at).

Padding is linear in x, and so is its backward, which is again an op whose backward is padding:
constant padding's backward crops, which is constant padding by the negated widths (so ``Pad``
is its own adjoint), and reflect / replicate padding's backward folds each padded position back
onto the one it copied (``FoldPadding``), whose backward pads again.
"""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor


def _constant_regions(shape, widths) -> tuple:
    """(kept, placed): the index of the part of an input of ``shape`` that survives constant
    padding by ``widths`` (negative widths crop), and where it lands in the output."""
    kept, placed = [...], [...]
    for n, (b, a) in zip(shape[len(shape) - len(widths):], widths):
        start, stop = max(-b, 0), n - max(-a, 0)
        kept.append(slice(start, stop))
        placed.append(slice(max(b, 0), max(b, 0) + stop - start))
    return tuple(kept), tuple(placed)


def constant_pad_array(x: np.ndarray, widths, value=0.0) -> np.ndarray:
    """``x`` padded with ``value``: ``widths`` holds one (before, after) pair per trailing axis,
    FIRST axis first (the NumPy order); negative widths crop. Used by conv and pool as well."""
    if not any(b or a for b, a in widths):
        return x
    lead = x.ndim - len(widths)
    shape = x.shape[:lead] + tuple(n + b + a for n, (b, a) in zip(x.shape[lead:], widths))
    out = np.full(shape, value, dtype=x.dtype)
    kept, placed = _constant_regions(x.shape, widths)
    out[placed] = x[kept]
    return out


def pad_channel_major(x: np.ndarray, pads: tuple) -> np.ndarray:
    """``x`` (N, C, H, W) zero-padded by ``pads`` (top, bottom, left, right; a negative bottom
    or right crops), as the (N, C, Hp, Wp) view of a channel-major (C, N, Hp, Wp) array: the
    layout im2col (conv.py) reads fastest, whole rows at a time. Only the border is zeroed."""
    pt, pb, pl, pr = pads
    N, C, H, W = x.shape
    x = x[:, :, :H + min(pb, 0), :W + min(pr, 0)]
    if max(pads) <= 0:
        return x  # nothing to pad (at most a crop): im2col reads any layout
    H, W = x.shape[2:]
    pb, pr = max(pb, 0), max(pr, 0)
    out = np.empty((C, N, pt + H + pb, pl + W + pr), dtype=x.dtype)
    for border in (out[:, :, :pt], out[:, :, pt + H:], out[:, :, pt:pt + H, :pl],
                   out[:, :, pt:pt + H, pl + W:]):
        border.fill(0)
    np.copyto(out[:, :, pt:pt + H, pl:pl + W], x.transpose(1, 0, 2, 3))
    return out.transpose(1, 0, 2, 3)


def _source_index(mode: str, n: int, before: int, after: int) -> np.ndarray:
    """For each padded position along one axis of size ``n``, the input position it copies."""
    i = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    period = 2 * (n - 1)  # reflect: ... 2 1 [0 1 2 ... n-1] n-2 ...; pads are < n, one fold
    i = np.abs(i) % period if period else np.zeros_like(i)
    return np.where(i >= n, period - i, i)


def _fold_axis(mode: str, grad: np.ndarray, axis: int, n: int, before: int, after: int):
    """The adjoint of padding one axis: padded positions are added back to their sources."""
    grad = np.moveaxis(grad, axis, -1)
    out = grad[..., before:before + n].copy()
    if mode == "replicate":
        if before:
            out[..., 0] += grad[..., :before].sum(-1)
        if after:
            out[..., -1] += grad[..., before + n:].sum(-1)
    else:  # reflect: the pad mirrors positions 1..before and n-1-after..n-2
        if before:
            out[..., 1:before + 1] += grad[..., before - 1::-1]
        if after:
            out[..., n - 1 - after:n - 1] += grad[..., before + n:][..., ::-1]
    return np.moveaxis(out, -1, axis)


class Pad(Function):
    """out = x padded (constant / reflect / replicate).  dL/dx = dL/dout cropped, i.e. padded by
    the negated widths (constant), or folded back onto the positions each pad copied
    (``FoldPadding``)."""

    __slots__ = ("widths", "mode", "x_shape")

    @staticmethod
    def forward(ctx, x, widths, mode, value):
        ctx.widths, ctx.mode, ctx.x_shape = widths, mode, x.shape
        lead = x.ndim - len(widths)
        if mode == "constant":
            out = constant_pad_array(x, widths, value)
            return x.copy() if out is x else out  # never hand out the input's own memory
        for k, (b, a) in enumerate(widths):
            index = _source_index(mode, x.shape[lead + k], b, a)
            x = np.take(x, index, axis=lead + k)
        return x

    @staticmethod
    def backward(ctx, grad_out):
        if ctx.mode == "constant":
            crop = tuple((-b, -a) for b, a in ctx.widths)
            return Pad.apply(grad_out, crop, "constant", 0), None, None, None
        return FoldPadding.apply(grad_out, ctx.widths, ctx.mode, ctx.x_shape), None, None, None


class FoldPadding(Function):
    """out (``shape``) = x with every padded position added back onto the position it copied:
    the adjoint of reflect / replicate padding.  dL/dx = dL/dout padded the same way (``Pad``)."""

    __slots__ = ("widths", "mode")

    @staticmethod
    def forward(ctx, x, widths, mode, shape):
        ctx.widths, ctx.mode = widths, mode
        lead = len(shape) - len(widths)
        for k, (b, a) in enumerate(widths):
            x = _fold_axis(mode, x, lead + k, shape[lead + k], b, a)
        return x

    @staticmethod
    def backward(ctx, grad_out):
        return Pad.apply(grad_out, ctx.widths, ctx.mode, None), None, None, None


def pad(x: Tensor, pad, mode: str = "constant", value: float = 0.0) -> Tensor:
    """Pad the trailing dimensions of ``x``, as ``torch.nn.functional.pad``.

    Args:
        x: the input tensor.
        pad: ``(left, right)`` for the last dimension, ``(left, right, top, bottom)`` for the
            last two, and so on (last dimension first). Constant padding may be negative (crop).
        mode: ``"constant"``, ``"reflect"`` (mirror without repeating the edge; each pad smaller
            than its dimension) or ``"replicate"`` (repeat the edge).
        value: the fill for ``"constant"``.

    Shape: (*, H, W) -> (*, top + H + bottom, left + W + right) for a 4-element ``pad``.
        Reflect and replicate pad the last ``len(pad) // 2`` dimensions (1 to 3) of an input with
        one or two more dimensions than that.

    Raises: ValueError naming ``pad``, the argument and the shapes.
    """
    widths = tuple(pad)
    if len(widths) % 2 or not all(isinstance(p, (int, np.integer)) for p in widths):
        raise ValueError(f"pad: pad must be an even-length sequence of ints, got {pad!r}")
    k = len(widths) // 2
    if k > x.ndim:
        raise ValueError(f"pad: pad {widths} pads {k} dimensions but the input {x.shape} has "
                         f"{x.ndim}")
    # F.pad's pairs run last dimension first; store them first dimension first.
    pairs = tuple((int(widths[2 * i]), int(widths[2 * i + 1])) for i in reversed(range(k)))
    dims = x.shape[x.ndim - k:]
    if mode == "constant":
        if any(n + b + a < 0 for n, (b, a) in zip(dims, pairs)):
            raise ValueError(f"pad: pad {widths} crops more than the input {x.shape} holds")
        if x.dtype.kind != "f" and x.requires_grad:
            raise TypeError(f"pad: integer input {x.shape} cannot require grad")
        return Pad.apply(x, pairs, mode, value)
    if mode not in ("reflect", "replicate"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect' or 'replicate', got {mode!r}")
    if not 1 <= k <= 3 or x.ndim not in (k + 1, k + 2):
        raise ValueError(f"pad: {mode} padding with pad {widths} pads {k} dimensions and needs "
                         f"a {k + 1}-D or {k + 2}-D input, got {x.shape}")
    for n, (b, a) in zip(dims, pairs):
        if b < 0 or a < 0:
            raise ValueError(f"pad: {mode} padding must be non-negative, got pad {widths}")
        if mode == "reflect" and (b >= n or a >= n):
            raise ValueError(f"pad: reflect padding {widths} must be smaller than the padded "
                             f"dimensions of the input {x.shape}")
        if mode == "replicate" and n == 0:
            raise ValueError(f"pad: replicate padding needs non-empty dimensions, got {x.shape}")
    return Pad.apply(x, pairs, mode, value)
