"""Converters of the shape ops: reshape, permute, expand, clone, cat, flip, roll, pad.

A target shape is a tuple of Python ints, so it is where the dynamic axes show. ``reshape``
and ``expand`` compare each entry with the probes (``Graph.across``): one that changes is read
from the input's shape at run time where it is an axis of the input, else written as -1 (one
entry of a reshape, inferred by ONNX from the element count) or as an expression of the
dynamic lengths (``Graph.sizes``).
"""
import numpy as np

from ...core.ops import pad, shape, tile
from ..registry import converts

END = np.iinfo(np.int64).max  # "to the end" for Slice, whatever the axis' length at run time


def _reshape_target(g, x, target) -> str:
    """The target shape of a reshape of ``x``, entry by entry: a number where it is the same in
    every run; the length of an axis of ``x`` read at run time where the entry equals it in
    every run (the squeeze of a strided convolution's (N, O, 1, OL)); else -1 for one such
    entry, ONNX inferring it from the element count, or, for several, ``Graph.sizes``."""
    runs, shapes = g.across(lambda a: tuple(a[1])), g.across(lambda a: a[0].shape)
    entries, left = [], []
    for j, n in enumerate(target):
        values = [run[j] for run in runs]
        axes = [i for i in range(x.ndim) if all(s[i] == v for s, v in zip(shapes, values))]
        if all(v == n for v in values):
            entries.append(int(n))
        elif axes:
            entries.append(("axis", j if j in axes else axes[0]))
        else:
            entries.append(-1)
            left.append(j)
    if len(left) > 1 or (left and -1 in target):
        return g.sizes(runs, f"reshape {x.shape} -> {tuple(target)}")
    pieces, literal = [], []
    for entry in entries:
        if isinstance(entry, tuple):
            pieces += [g.ints(literal)] if literal else []
            literal = []
            pieces.append(g.op("Shape", g.value(x), start=entry[1], end=entry[1] + 1))
        else:
            literal.append(entry)
    if literal or not pieces:
        pieces.append(g.ints(literal))
    return pieces[0] if len(pieces) == 1 else g.op("Concat", *pieces, axis=0)


@converts(shape.Reshape)
def reshape(g, call):
    x, target = call.args
    g.size_free()  # the target's entries are compared with the probes in _reshape_target
    # allowzero: a 0 in the target is an empty axis, not ONNX's "copy the input's length"
    return g.op("Reshape", g.value(x), _reshape_target(g, x, target), allowzero=int(0 in target))


@converts(shape.Permute)
def permute(g, call):
    return g.op("Transpose", g.value(call.args[0]), perm=[int(d) for d in call.args[1]])


@converts(shape.Expand)
def expand(g, call):
    """ONNX's Expand broadcasts ``x`` with the given shape, so an axis that keeps x's length
    is written as 1 (it follows x at run time), the others as ``Graph.sizes`` writes them."""
    x, target = call.args

    def written(a):
        lead = len(a[1]) - a[0].ndim
        return [n if i < lead or a[0].shape[i - lead] != n else 1 for i, n in enumerate(a[1])]

    runs = g.across(written)
    kept = [all(run[i] == 1 for run in runs) for i in range(len(target))]
    g.size_free()
    return g.op("Expand", g.value(x), g.sizes([[1 if k else n for k, n in zip(kept, run)]
                                               for run in runs],
                                              f"expand {x.shape} -> {tuple(target)}"))


@converts(shape.Clone)
def clone(g, call):
    return g.op("Identity", g.value(call.args[0]))


@converts(shape.Cat)
def cat(g, call):
    dim, *xs = call.args
    return g.op("Concat", *[g.value(x) for x in xs], axis=int(dim))


def slice_along(g, x: str, axis: int, start: int, end: int, step: int = 1) -> str:
    return g.op("Slice", x, g.ints([start]), g.ints([end]), g.ints([axis]), g.ints([step]))


@converts(tile.Flip)
def flip(g, call):
    x, axes = call.args
    axes = [int(a) for a in axes]
    return g.op("Slice", g.value(x), g.ints([-1] * len(axes)), g.ints([-END] * len(axes)),
                g.ints(axes), g.ints([-1] * len(axes)))


@converts(tile.Roll)
def roll(g, call):
    """Shifting by k along an axis of length n moves its last k elements to the front."""
    x, shifts, axes = call.args
    out = g.value(x)
    g.written(f"the shifts {shifts} along axes of {x.shape}",
              lambda a: [s % a[0].shape[axis] for s, axis in zip(a[1], a[2])])
    for shift, axis in zip(shifts, axes):
        k = shift % x.shape[axis]
        if k:
            out = g.op("Concat", slice_along(g, out, axis, -k, END),
                       slice_along(g, out, axis, 0, -k), axis=int(axis))
    return out if out != g.value(x) else g.op("Identity", out)


@converts(pad.Pad)
def pad_(g, call):
    """ONNX Pad: constant, reflect, edge (replicate) and, from opset 19, wrap (circular).
    Negative widths of a constant pad crop; otherwise (and for circular padding before opset
    19) each axis is gathered at the source positions ``pad`` copies, which fixes its length."""
    x, widths, mode, value = call.args
    pairs = [(0, 0)] * (x.ndim - len(widths)) + [tuple(w) for w in widths]
    onnx_mode = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
                 "circular": "wrap" if g.opset >= 19 else None}[mode]
    if mode == "constant" or (onnx_mode and min(min(p) for p in pairs) >= 0):
        pads = [b for b, _ in pairs] + [a for _, a in pairs]
        extra = [g.scalar(value, call.out.dtype)] if mode == "constant" else []
        return g.op("Pad", g.value(x), g.ints(pads), *extra, mode=onnx_mode)
    out, first = g.value(x), x.ndim - len(widths)
    g.written(f"{mode} padding gathered from {x.shape}", lambda a: a[0].shape)
    for k, (before, after) in enumerate(widths):
        index = pad._source_index(mode, x.shape[first + k], before, after)
        out = g.op("Gather", out, g.ints(index), axis=first + k)
    return out
