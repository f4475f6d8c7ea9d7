"""Converter of ``Standardize``, the normalisation behind layer, group and instance norm: each
group of values shifted by its mean and divided by sqrt(biased variance + eps), as ReduceMean
nodes over the axes the group spans (every axis stays dynamic). A group that splits the
channels (group norm) is normalised on a (N, G, rest) view, the batch axis kept."""
import numpy as np

from ...core.ops import layer_norm
from ..registry import converts


def _standardize_axes(g, x: str, axes: list, eps: float, dtype) -> str:
    centered = g.op("Sub", x, g.reduce("ReduceMean", x, axes, True))
    var = g.reduce("ReduceMean", g.op("Mul", centered, centered), axes, True)
    return g.op("Div", centered, g.op("Sqrt", g.op("Add", var, g.constant(np.asarray(eps,
                                                                                     dtype)))))


def _layout(args) -> tuple:
    """("axes", k) when the groups are the trailing axes from k on (layer, instance norm), else
    ("channels", G): G groups of channels per sample (group norm). The number of groups grows
    with the batch; this does not."""
    x, groups, _ = args
    for k in range(1, x.ndim):
        if int(np.prod(x.shape[:k])) == groups:
            return "axes", k
    return "channels", groups // x.shape[0]


@converts(layer_norm.Standardize)
def standardize(g, call):
    x, _, eps = call.args
    g.written("the normalised axes or groups of channels, and eps",
              lambda args: (_layout(args), args[2]))
    xv, dtype = g.value(x), call.out.dtype
    kind, n = _layout(call.args)
    if kind == "axes":
        return _standardize_axes(g, xv, list(range(n, x.ndim)), eps, dtype)
    view = g.op("Reshape", xv, g.ints([0, n, -1]))  # (N, G, rest), N dynamic
    return g.op("Reshape", _standardize_axes(g, view, [2], eps, dtype), g.op("Shape", xv))
