"""Converters of indexing: ``x[index]``, the out-of-place ``x[index] = value`` that an
in-place update records, and ``scatter`` / ``scatter_add`` (ScatterND at their coordinates).

Basic indexing (ints, slices, None, Ellipsis) is a Slice, a Squeeze and an Unsqueeze; a slice
means the same at any length (``x[:, -1]`` is the last column however many there are), so it
leaves the axes dynamic, unless the forward computed its bounds from a size, which the probes
show. Integer arrays are written as Gather (one array among full slices, ``index_select``) or
GatherND (arrays on the leading axes, as ``gather`` builds them). A boolean mask selects a
number of elements known only from the values, and is refused.
"""
import numpy as np

from ...core.ops import gather, index
from ..registry import UnsupportedOperatorError, converts
from .shape import END


def _parts(idx, ndim: int) -> list:
    """``idx`` as one entry per input axis or new axis: ("axis", i, int / slice / array) or
    ("new",)."""
    parts = list(idx) if isinstance(idx, tuple) else [idx]
    if any(isinstance(p, np.ndarray) and p.dtype == bool or isinstance(p, (bool, np.bool_))
           for p in parts):
        raise UnsupportedOperatorError("indexing with a boolean mask selects a number of "
                                       "elements that depends on the values; use where()")
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


def _bounds(s: slice) -> tuple:
    """(start, end, step) for ONNX Slice: ``None`` ends become the far end whatever the length."""
    step = 1 if s.step is None else int(s.step)
    far = END if step > 0 else -END
    start = (0 if step > 0 else -1) if s.start is None else int(s.start)
    return start, far if s.stop is None else int(s.stop), step


def _arrays(g, x, parts: list) -> str:
    """Integer-array indexing: one array among full slices is a Gather along its axis; arrays
    on the leading axes (broadcast together) and full slices after them are a GatherND."""
    arrays = [(axis, p) for kind, *rest in parts if kind == "axis"
              for axis, p in [rest] if isinstance(p, np.ndarray)]
    others_full = all(p == slice(None) for kind, *rest in parts if kind == "axis"
                      for _, p in [rest] if not isinstance(p, np.ndarray))
    if any(kind == "new" for kind, *_ in parts) or not others_full:
        raise UnsupportedOperatorError("integer-array indexing together with ints, partial "
                                       "slices or None is not exported; index in two steps")
    if len(arrays) == 1:
        axis, p = arrays[0]
        return g.op("Gather", g.value(x), _index_value(g, p, x.shape[axis]), axis=axis)
    if [axis for axis, _ in arrays] != list(range(len(arrays))):
        raise UnsupportedOperatorError("integer arrays on axes that are not the leading ones "
                                       "are not exported")
    coords = np.stack(np.broadcast_arrays(*[p % x.shape[a] for a, p in arrays]), axis=-1)
    return g.op("GatherND", g.value(x), g.constant(coords.astype(np.int64), "coords"))


def _index_value(g, p: np.ndarray, n: int) -> str:
    """A traced index (a tensor of the graph) by name; a constant one with negatives wrapped."""
    if g.traced(p):
        return g.value(p)
    return g.constant((p % n).astype(np.int64), "index")


@converts(index.GetItem)
def getitem(g, call):
    x, idx, _ = call.args
    parts = _parts(idx, x.ndim)
    if any(kind == "axis" and isinstance(rest[1], np.ndarray) for kind, *rest in parts):
        entries = idx if isinstance(idx, tuple) else (idx,)
        constant = [i for i, p in enumerate(entries) if not g.traced(p)]  # a traced one follows
        g.written(f"the index arrays of {x.shape}", lambda a: [
            (a[1] if isinstance(a[1], tuple) else (a[1],))[i] for i in constant])
        return _arrays(g, x, parts)
    starts, ends, steps, axes, drop = [], [], [], [], []
    for kind, *rest in parts:
        if kind != "axis" or rest[1] == slice(None):
            continue
        axis, s = rest
        if isinstance(s, slice):
            start, end, step = _bounds(s)
        else:  # an int: a slice of one, its axis dropped below
            start, end, step = int(s), int(s) + 1 if int(s) != -1 else END, 1
            drop.append(axis)
        starts.append(start), ends.append(end), steps.append(step), axes.append(axis)
    out = g.value(x)
    if axes:
        out = g.op("Slice", out, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps))
    if drop:
        out = g.op("Squeeze", out, g.ints(drop))
    # new axes (None) go where they sit in the result, counting the axes that remain
    new, position = [], 0
    for kind, *rest in parts:
        if kind == "new":
            new.append(position)
            position += 1
        elif not isinstance(rest[1], (int, np.integer)):
            position += 1
    if new:
        out = g.op("Unsqueeze", out, g.ints(new))
    return out if axes or drop or new else g.op("Identity", out)


def _region(a) -> list:
    """(start, stop, int?) per axis of x that ``x[index] = value`` writes, for one run."""
    x, idx = a[0], a[2]
    region = []
    for kind, axis, s in (p for p in _parts(idx, x.ndim) if p[0] == "axis"):
        n = x.shape[axis]
        if isinstance(s, slice):
            start, stop, step = s.indices(n)
            if step != 1:
                raise UnsupportedOperatorError(f"x[index] = value with a step ({s!r}) is not "
                                               "exported")
            region.append((start, max(stop, start), False, stop >= n))
        else:
            region.append((int(s) % n, int(s) % n + 1, True, int(s) % n + 1 == n))
    return region


@converts(index.IndexPut)
def index_put(g, call):
    """x with ``value`` written at a basic index: along each indexed axis the result is the
    part of x before, the updated middle and the part after, joined by Concat (no constant of
    x's size, and no scatter indices)."""
    x, value, idx, _ = call.args
    parts = _parts(idx, x.ndim)
    if len([p for p in parts if p[0] == "axis"]) != x.ndim or len(parts) != x.ndim or \
            any(isinstance(p[2], np.ndarray) for p in parts):
        raise UnsupportedOperatorError("x[index] = value with None or an array in the index is "
                                       "not exported")
    runs = g.across(_region)
    g.size_free()
    full = [all(r[axis][0] == 0 and r[axis][3] for r in runs) for axis in range(x.ndim)]
    block = g.sizes([[r[axis][1] - r[axis][0] for axis in range(x.ndim) if not r[axis][2]]
                     for r in runs], f"the region of {x.shape} written")
    v = g.op("Expand", g.value(value, call.out.dtype), block)
    ints = [axis for axis, (_, _, is_int, _) in enumerate(runs[0]) if is_int]
    if ints:  # x[i] = v: the indexed shape lacks the axes an int drops; the block has them
        v = g.op("Unsqueeze", v, g.ints(ints))
    g.written(f"the region of {x.shape} written",  # the numbers of ``_place``'s Slices
              lambda a: [(start, None if to_end else stop, to_end)
                         for (start, stop, _, to_end), keep in zip(_region(a), full) if not keep])
    return _place(g, g.value(x), v, runs[0], full, 0)


def _place(g, x: str, v: str, region: list, full: list, axis: int) -> str:
    """x with the block ``v`` written at ``region`` from ``axis`` on."""
    if axis == len(region):
        return v
    if full[axis]:
        return _place(g, x, v, region, full, axis + 1)
    start, stop, _, to_end = region[axis]

    def part(a, b):
        return g.op("Slice", x, g.ints([a]), g.ints([b]), g.ints([axis]))

    middle = _place(g, part(start, END if to_end else stop), v, region, full, axis + 1)
    pieces = ([part(0, start)] if start else []) + [middle] + \
        ([] if to_end else [part(stop, END)])
    return g.op("Concat", *pieces, axis=axis)


def _coordinates(g, coords: tuple) -> str:
    """An advanced index over every axis (``gather._coords``) as ScatterND's indices."""
    stacked = np.stack(np.broadcast_arrays(*coords), axis=-1).astype(np.int64)
    return g.constant(stacked, "coords")


@converts(gather.Scatter)
def scatter(g, call):
    """x with src written at the coordinates (the last write of a repeated place is kept)."""
    x, src, coords, _ = call.args
    g.written(f"the places written in {x.shape}", lambda a: a[2])
    return g.op("ScatterND", g.value(x), _coordinates(g, coords),
                g.value(src, call.out.dtype))


@converts(index.PlaceAt)
def place_at(g, call):
    """Zeros with x added at the coordinates, as ``scatter_add`` uses it."""
    x, idx, advanced, shape = call.args
    if not advanced or not isinstance(idx, tuple) or len(idx) != len(shape):
        raise UnsupportedOperatorError("placing at a basic index is a backward of x[index], "
                                       "not exported")
    g.written(f"the places added to in {shape}", lambda a: (a[1], a[3]))
    zeros = g.op("ConstantOfShape", g.ints(shape), value=g.onnx.numpy_helper.from_array(
        np.zeros(1, call.out.dtype)))
    return g.op("ScatterND", zeros, _coordinates(g, idx), g.value(x), reduction="add")
