"""Converters of the shape and indexing ops: reshape, permute, expand, clone, cat, x[index] and
the out-of-place ``x[index] = value`` that an in-place update records.

Shapes are written so the batch stays dynamic where the op allows: a reshape copies the leading
axes it keeps (ONNX's 0) and infers its last new axis (-1); an expand keeps the axes that do not
grow (1).
"""
import numpy as np

from ...core.ops import index, pad, shape
from ..registry import UnsupportedOperatorError, converts

_END = np.iinfo(np.int64).max  # "to the end" for Slice, whatever the axis' length at run time


@converts(shape.Reshape)
def reshape(g, call):
    x, target = call.args
    target, kept = list(target), 0
    while kept < min(len(target), x.ndim) and target[kept] == x.shape[kept]:
        kept += 1
    written = [0] * kept + target[kept:]
    if len(written) == kept + 1:  # one new axis after the kept ones: its length is inferred
        written[-1] = -1
    elif len(written) > kept:
        g.fixes("size", f"reshape {x.shape} -> {tuple(target)}")
    if kept == 0 and target:
        g.fixes("batch", f"reshape {x.shape} -> {tuple(target)}")
    return g.op("Reshape", g.value(x), g.ints(written))


@converts(shape.Permute)
def permute(g, call):
    return g.op("Transpose", g.value(call.args[0]), perm=[int(d) for d in call.args[1]])


@converts(shape.Expand)
def expand(g, call):
    x, target = call.args
    lead = len(target) - x.ndim
    written = [n if i < lead or x.shape[i - lead] != n else 1 for i, n in enumerate(target)]
    if any(n != 1 for n in written[1:]):
        g.fixes("size", f"expand {x.shape} -> {tuple(target)}")
    if written and written[0] != 1:
        g.fixes("batch", f"expand {x.shape} -> {tuple(target)}")
    return g.op("Expand", g.value(x), g.ints(written))


@converts(shape.Clone)
def clone(g, call):
    return g.op("Identity", g.value(call.args[0]))


@converts(shape.Cat)
def cat(g, call):
    dim, *xs = call.args
    return g.op("Concat", *[g.value(x) for x in xs], axis=int(dim))


def _basic_parts(idx, ndim: int) -> list:
    """``idx`` (basic: ints, slices, None, Ellipsis) as one entry per input axis or new axis:
    ("axis", i, slice or int) or ("new",). Raises UnsupportedOperatorError for arrays."""
    parts = list(idx) if isinstance(idx, tuple) else [idx]
    if any(isinstance(p, np.ndarray) or isinstance(p, (list, bool)) for p in parts):
        raise UnsupportedOperatorError(
            "indexing with an integer or boolean array (advanced indexing) is not exported; "
            "use basic indexing (ints, slices, None, ...), or index_select-style ops")
    used = sum(p is not None and p is not Ellipsis for p in parts)
    out, axis = [], 0
    for p in parts:
        if p is Ellipsis:
            for _ in range(ndim - used):
                out.append(("axis", axis, slice(None)))
                axis += 1
        elif p is None:
            out.append(("new",))
        else:
            out.append(("axis", axis, p))
            axis += 1
    out += [("axis", a, slice(None)) for a in range(axis, ndim)]
    return out


def _slice_bounds(s: slice, n: int) -> tuple:
    """(start, end, step) for ONNX Slice: ``None`` ends become the far end whatever the length."""
    step = 1 if s.step is None else int(s.step)
    if step > 0:
        start = 0 if s.start is None else int(s.start)
        end = _END if s.stop is None else int(s.stop)
    else:
        start = -1 if s.start is None else int(s.start)
        end = -_END if s.stop is None else int(s.stop)
    return start, end, step


def _fixed_slice(g, axis: int, s, n: int) -> None:
    """Note a slice that reads the axis' length (explicit bounds or an int) as fixing it."""
    if isinstance(s, slice) and s.start is None and s.stop is None:
        return
    g.fixes("batch" if axis == 0 else "size", f"index {s!r} on axis {axis} of length {n}")


@converts(index.GetItem)
def getitem(g, call):
    x, idx, _ = call.args
    parts = _basic_parts(idx, x.ndim)
    starts, ends, steps, axes, drop = [], [], [], [], []
    for part in parts:
        if part[0] != "axis":
            continue
        _, axis, s = part
        if isinstance(s, slice) and s == slice(None):
            continue
        _fixed_slice(g, axis, s, x.shape[axis])
        if isinstance(s, slice):
            start, end, step = _slice_bounds(s, x.shape[axis])
        else:  # an int: a slice of one, its axis dropped below
            start, end, step = int(s), int(s) + 1 if int(s) != -1 else _END, 1
            drop.append(axis)
        starts.append(start), ends.append(end), steps.append(step), axes.append(axis)
    out = g.value(x)
    if axes:
        out = g.op("Slice", out, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps))
    if drop:
        out = g.op("Squeeze", out, g.ints(drop))
    # new axes (None) go where they sit in the result, counting the axes that remain
    new, position = [], 0
    for part in parts:
        if part[0] == "new":
            new.append(position)
            position += 1
        elif not isinstance(part[2], (int, np.integer)):
            position += 1
    if new:
        out = g.op("Unsqueeze", out, g.ints(new))
    return out if axes or drop or new else g.op("Identity", out)


@converts(index.IndexPut)
def index_put(g, call):
    """x with ``value`` written at a basic index: along each indexed axis the result is the
    part of x before, the updated middle and the part after, joined by Concat (no constant of
    x's size, and no scatter indices)."""
    x, value, idx, _ = call.args
    parts = [p for p in _basic_parts(idx, x.ndim) if p[0] == "axis"]
    if len(parts) != x.ndim:
        raise UnsupportedOperatorError("x[index] = value with None in the index is not exported")
    region, ints = [], []
    for _, axis, s in parts:
        n = x.shape[axis]
        if isinstance(s, slice):
            start, stop, step = s.indices(n)
            if step != 1:
                raise UnsupportedOperatorError(f"x[index] = value with a step ({s!r}) is not "
                                               "exported")
        else:
            start = int(s) % n
            stop = start + 1
            ints.append(axis)
        region.append((start, stop))
        if (start, stop) != (0, n):
            _fixed_slice(g, axis, s, n)
    indexed = [b - a for (a, b), (_, axis, _) in zip(region, parts) if axis not in ints]
    v = g.op("Expand", g.value(value, call.out.dtype), g.ints(indexed))
    if ints:  # x[i] = v: the indexed shape lacks the axes an int drops; the block has them
        v = g.op("Unsqueeze", v, g.ints(ints))
    return _place(g, g.value(x), v, region, x.shape, 0)


def _place(g, x: str, v: str, region: list, shape_: tuple, axis: int) -> str:
    """x (of ``shape_``) with the block ``v`` written at ``region`` from ``axis`` on."""
    if axis == len(region):
        return v
    start, stop = region[axis]
    n = shape_[axis]
    if (start, stop) == (0, n):
        return _place(g, x, v, region, shape_, axis + 1)

    def part(a, b):
        return g.op("Slice", x, g.ints([a]), g.ints([b]), g.ints([axis]))

    middle = _place(g, part(start, stop), v, region, shape_[:axis] + (stop - start,) +
                    shape_[axis + 1:], axis + 1)
    pieces = ([part(0, start)] if start else []) + [middle] + ([part(stop, n)] if stop < n
                                                                  else [])
    return g.op("Concat", *pieces, axis=axis)


@converts(pad.Pad)
def pad_(g, call):
    x, widths, mode, value = call.args
    lead = [(0, 0)] * (x.ndim - len(widths))
    pairs = lead + [tuple(w) for w in widths]
    pads = [b for b, _ in pairs] + [a for _, a in pairs]
    onnx_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}[mode]
    extra = [g.constant(np.asarray(value, call.out.dtype))] if mode == "constant" else []
    return g.op("Pad", g.value(x), g.ints(pads), *extra, mode=onnx_mode)
