"""Padding with PyTorch's ``F.pad`` conventions: constant, reflect, replicate and circular.

``pad`` lists (before, after) pairs starting from the LAST dimension, as in PyTorch:
``(left, right, top, bottom)`` pads W then H. A negative width crops. Reflect, replicate and
circular padding are applied one axis at a time: each output position copies one input
position (``_source_index``), a gather in the forward and, in the backward, one slice copy for
the positions kept in place plus one slab addition per padded position (no np.add.at).

Padding is linear in x, and so is its backward, which is again an op whose backward is padding:
constant padding's backward crops, which is constant padding by the negated widths (so ``Pad``
is its own adjoint), and the other modes' backward folds each padded position back onto the one
it copied (``FoldPadding``), whose backward pads again.
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
    """For each output position along one axis of size ``n`` padded by (before, after), the
    input position it copies. Position k holds input k - before where that exists; elsewhere
    reflect mirrors about the edge without repeating it, replicate repeats the edge, and
    circular wraps around the input as cropped by the negative widths (PyTorch crops first)."""
    i = np.arange(-before, n + after)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if mode == "circular":
        start, kept = max(-before, 0), n - max(-before, 0) - max(-after, 0)
        return (i - start) % kept + start if kept else i
    period = 2 * (n - 1)  # reflect: ... 2 1 [0 1 2 ... n-1] n-2 ...; pads are < n, one fold
    i = np.abs(i) % period if period else np.zeros_like(i)
    return np.where(i >= n, period - i, i)


def _fold_axis(grad: np.ndarray, index: np.ndarray, axis: int, n: int, before: int):
    """The adjoint of ``np.take(x, index, axis)`` for padding (``index`` from
    ``_source_index``): the positions k that hold input k - before are copied back in one
    slice, and each padded position is added onto the input position it copied."""
    grad = np.moveaxis(grad, axis, 0)
    out = np.zeros((n,) + grad.shape[1:], dtype=grad.dtype)
    lo, hi = max(before, 0), max(min(n + before, len(index)), max(before, 0))
    out[lo - before:hi - before] = grad[lo:hi]
    for k in (*range(lo), *range(hi, len(index))):  # pads are short: one slab each
        out[index[k]] += grad[k]
    return np.moveaxis(out, 0, axis)


class Pad(Function):
    """out = x padded (constant / reflect / replicate / circular).  dL/dx = dL/dout cropped,
    i.e. padded by the negated widths (constant), or folded back onto the positions each pad
    copied (``FoldPadding``)."""

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
    the adjoint of reflect / replicate / circular padding.  dL/dx = dL/dout padded the same way
    (``Pad``)."""

    __slots__ = ("widths", "mode")

    @staticmethod
    def forward(ctx, x, widths, mode, shape):
        ctx.widths, ctx.mode = widths, mode
        lead = len(shape) - len(widths)
        for k, (b, a) in enumerate(widths):
            n = shape[lead + k]
            x = _fold_axis(x, _source_index(mode, n, b, a), lead + k, n, b)
        return x

    @staticmethod
    def backward(ctx, grad_out):
        return Pad.apply(grad_out, ctx.widths, ctx.mode, None), None, None, None


def _check_widths(mode: str, x: Tensor, widths: tuple, pairs: tuple) -> None:
    """PyTorch's rules for the widths of a non-constant padding, as ValueErrors naming pad."""
    k = len(pairs)
    if not 1 <= k <= 3 or x.ndim not in (k + 1, k + 2):
        raise ValueError(f"pad: {mode} padding with pad {widths} pads {k} dimensions and needs "
                         f"a {k + 1}-D or {k + 2}-D input, got {x.shape}")
    for n, (b, a) in zip(x.shape[x.ndim - k:], pairs):
        kept = n - max(-b, 0) - max(-a, 0)  # what the negative widths leave
        if mode == "reflect" and (b >= n or a >= n):
            raise ValueError(f"pad: reflect padding {widths} must be smaller than the padded "
                             f"dimensions of the input {x.shape}")
        # each pad copies at most once what the crop keeps (PyTorch fills a longer one with
        # whatever memory it reads)
        if mode == "circular" and not 0 <= max(b, 0, a) <= kept:
            raise ValueError(f"pad: circular padding {widths} wraps around more than once (or "
                             f"crops more than there is) for the input {x.shape}")
        if mode == "replicate" and n == 0:
            raise ValueError(f"pad: replicate padding needs non-empty dimensions, got "
                             f"{x.shape}")
        if mode != "circular" and n + b + a < 1:
            raise ValueError(f"pad: {mode} padding {widths} leaves no element of a dimension "
                             f"of the input {x.shape}")


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    """Pad the trailing dimensions of ``input``, as ``torch.nn.functional.pad``.

    Args:
        input: the tensor to pad.
        pad: ``(left, right)`` for the last dimension, ``(left, right, top, bottom)`` for the
            last two, and so on (last dimension first). A negative width crops.
        mode: ``"constant"``, ``"reflect"`` (mirror without repeating the edge; each width
            smaller than its dimension), ``"replicate"`` (repeat the edge) or ``"circular"``
            (wrap around, at most once, what the negative widths leave).
        value: the fill for ``"constant"`` (default 0); other modes take none.

    Shape: (*, H, W) -> (*, top + H + bottom, left + W + right) for a 4-element ``pad``.
        Reflect, replicate and circular pad the last ``len(pad) // 2`` dimensions (1 to 3) of
        an input with one or two more dimensions than that.

    Raises: ValueError naming ``pad``, the argument and the shapes.

    Examples: ``F.pad(x, (1, 1, 2, 2), mode="reflect")``
    """
    widths = tuple(pad)
    if len(widths) % 2 or not all(isinstance(p, (int, np.integer)) for p in widths):
        raise ValueError(f"pad: pad must be an even-length sequence of ints, got {pad!r}")
    k = len(widths) // 2
    if k > input.ndim:
        raise ValueError(f"pad: pad {widths} pads {k} dimensions but the input {input.shape} "
                         f"has {input.ndim}")
    # F.pad's pairs run last dimension first; store them first dimension first.
    pairs = tuple((int(widths[2 * i]), int(widths[2 * i + 1])) for i in reversed(range(k)))
    if mode == "constant":
        if any(n < max(-b, 0) + max(-a, 0) for n, (b, a) in zip(input.shape[input.ndim - k:],
                                                               pairs)):
            raise ValueError(f"pad: pad {widths} crops more than the input {input.shape} holds")
        if input.dtype.kind != "f" and input.requires_grad:
            raise TypeError(f"pad: integer input {input.shape} cannot require grad")
        return Pad.apply(input, pairs, mode, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', "
                         f"got {mode!r}")
    if value:  # PyTorch accepts None and 0 only
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument, got "
                         f"value={value!r}")
    _check_widths(mode, input, widths, pairs)
    return Pad.apply(input, pairs, mode, None)
