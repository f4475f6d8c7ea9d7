"""Converters of the reductions: sum, mean, amax, amin, var, std, logsumexp.

``max(dim=...)`` / ``min(dim=...)`` with indices are not here: their values are gathered at an
argmax the forward computed in NumPy (``TakeAlong``), which a trace sees as a constant; use
``amax`` / ``amin`` in a model to be exported.
"""
import numpy as np

from ...core.ops import reduce
from ..registry import converts

_REDUCE = {reduce.Sum: "ReduceSum", reduce.Mean: "ReduceMean", reduce.Amax: "ReduceMax",
           reduce.Amin: "ReduceMin", reduce.LogSumExp: "ReduceLogSumExp"}


def _axes(x, axes) -> list:
    return list(range(x.ndim)) if axes is None else [int(a) for a in axes]


@converts(*_REDUCE)
def reduction(g, call):
    x, axes, keepdim = call.args
    return g.reduce(_REDUCE[call.op], g.value(x), _axes(x, axes), keepdim)


@converts(reduce.Var, reduce.Std)
def variance(g, call):
    """sum((x - mean)**2) / (n - correction), and its square root for std."""
    x, axes, keepdim, correction = call.args
    axes, dtype = _axes(x, axes), call.out.dtype
    xv = g.value(x)
    centered = g.op("Sub", xv, g.reduce("ReduceMean", xv, axes, True))
    total = g.reduce("ReduceSum", g.op("Mul", centered, centered), axes, keepdim)
    n = int(np.prod([x.shape[a] for a in axes]))
    out = g.op("Div", total, g.constant(np.asarray(n - correction, dtype)))
    return g.op("Sqrt", out) if call.op is reduce.Std else out
