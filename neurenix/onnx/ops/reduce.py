"""Converters of the reductions and scans: sum, mean, prod, amax, amin, var, std, logsumexp,
vector norms, cumsum, cumprod, and the median of all elements.

``max(dim=...)`` / ``min(dim=...)`` / ``sort`` / ``median(dim=...)`` with indices are refused:
their values are gathered at positions the forward computed in NumPy (``TakeAlong``), which a
trace would write as constants; use ``amax`` / ``amin`` in a model to be exported.
"""
import numpy as np

from ...core.ops import norm, reduce, scan, sort
from ..registry import UnsupportedOperatorError, converts

_REDUCE = {reduce.Sum: "ReduceSum", reduce.Mean: "ReduceMean", reduce.Amax: "ReduceMax",
           reduce.Amin: "ReduceMin", reduce.LogSumExp: "ReduceLogSumExp"}


def _axes(x, axes) -> list:
    return list(range(x.ndim)) if axes is None else [int(a) for a in axes]


@converts(*_REDUCE)
def reduction(g, call):
    x, axes, keepdim = call.args
    return g.reduce(_REDUCE[call.op], g.value(x), _axes(x, axes), keepdim)


@converts(scan.Prod)
def prod(g, call):
    x, dim, keepdim = call.args
    axes = [int(dim)] if isinstance(dim, (int, np.integer)) else list(dim)
    return g.reduce("ReduceProd", g.value(x), axes, keepdim)


def _count(a) -> int:
    x, axes = a[0], a[1]
    return int(np.prod([x.shape[i] for i in _axes(x, axes)]))


@converts(reduce.Var, reduce.Std)
def variance(g, call):
    """sum((x - mean)**2) / (n - correction), and its square root for std."""
    x, axes, keepdim, correction = call.args
    axes, dtype = _axes(x, axes), call.out.dtype
    xv = g.value(x)
    centered = g.op("Sub", xv, g.reduce("ReduceMean", xv, axes, True))
    total = g.reduce("ReduceSum", g.op("Mul", centered, centered), axes, keepdim)
    g.written(f"the {_count(call.args)} elements reduced", _count)
    out = g.op("Div", total, g.scalar(_count(call.args) - correction, dtype))
    return g.op("Sqrt", out) if call.op is reduce.Std else out


@converts(norm.VectorNorm)
def vector_norm(g, call):
    """(sum |x|**p)**(1/p): ReduceL2 and ReduceL1 for p = 2 and 1; the count of nonzero
    elements for p = 0."""
    x, p, axes, keepdim = call.args
    xv, axes, dtype = g.value(x), _axes(x, axes), call.out.dtype
    if p == 2:
        return g.reduce("ReduceL2", xv, axes, keepdim)
    if p == 1:
        return g.reduce("ReduceL1", xv, axes, keepdim)
    if p == 0:
        nonzero = g.op("Cast", g.op("Not", g.op("Equal", xv, g.scalar(0, dtype))),
                       to=g.onnx.helper.np_dtype_to_tensor_dtype(dtype))
        return g.reduce("ReduceSum", nonzero, axes, keepdim)
    powered = g.op("Pow", g.op("Abs", xv), g.scalar(p, dtype))
    return g.op("Pow", g.reduce("ReduceSum", powered, axes, keepdim), g.scalar(1 / p, dtype))


@converts(scan.CumSum)
def cumsum(g, call):
    x, dim, reverse = call.args
    return g.op("CumSum", g.value(x), g.ints(dim), reverse=int(bool(reverse)))


@converts(scan.CumProd)
def cumprod(g, call):
    """Unrolled along ``dim`` (ONNX has no CumProd; exp(cumsum(log)) fails at zeros and
    negatives): each prefix product is the previous one times the next slice."""
    x, dim = call.args
    xv, n = g.value(x), x.shape[dim]
    g.written(f"the {n} steps along dim {dim}", lambda a: a[0].shape[a[1]])
    running = g.op("Slice", xv, g.ints([0]), g.ints([1]), g.ints([dim]))
    parts = [running]
    for i in range(1, n):
        step = g.op("Slice", xv, g.ints([i]), g.ints([i + 1]), g.ints([dim]))
        running = g.op("Mul", running, step)
        parts.append(running)
    return parts[0] if n == 1 else g.op("Concat", *parts, axis=dim)


@converts(sort.Median)
def median(g, call):
    """The lower median of all n elements: the ((n + 1) // 2)-th smallest (TopK)."""
    (x,) = call.args
    n = x.shape[0]
    g.written(f"the median of {n} elements", lambda a: a[0].shape)
    if n == 0:
        raise UnsupportedOperatorError("the median of no elements is not exported")
    smallest = g.op("TopK", g.value(x), g.ints([(n + 1) // 2]), outputs=2, largest=0)[0]
    return g.op("Squeeze", g.op("Slice", smallest, g.ints([-1]), g.ints([n]), g.ints([0])),
                g.ints([0]))


@converts(reduce.TakeAlong)
def take_along(g, call):
    raise UnsupportedOperatorError(
        "the positions it reads (of max / min with a dim, sort, median with a dim) are computed "
        "in NumPy outside the op, so the graph would hold the traced ones; use amax / amin")
