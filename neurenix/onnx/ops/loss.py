"""Converters of the losses whose target is a traced tensor: MSE, L1, binary cross-entropy
with and without logits, cross-entropy against class probabilities (for a model that returns
its loss).

Cross-entropy and NLL with class indices are not exported: the forward turns the target into
per-position weights and picks in NumPy (``cross_entropy._class_targets``), outside any op, so
a trace would write the traced target's picks as constants.
"""
import numpy as np

from ...core.ops import cross_entropy, loss
from ..registry import converts


def _reduced(g, out: str, ndim: int, reduction: str) -> str:
    if reduction == "none":
        return out
    return g.reduce("ReduceMean" if reduction == "mean" else "ReduceSum", out,
                    list(range(ndim)), False)


@converts(loss.MSELoss, loss.L1Loss)
def distance(g, call):
    x, y, reduction = call.args
    d = g.op("Sub", g.value(x), g.value(y))
    d = g.op("Mul", d, d) if call.op is loss.MSELoss else g.op("Abs", d)
    return _reduced(g, d, max(x.ndim, y.ndim), reduction)


def _weighted(g, out: str, w, dtype) -> str:
    return out if w is None else g.op("Mul", out, g.value(w, dtype))


@converts(loss.BCELoss)
def binary_cross_entropy(g, call):
    """-(y log x + (1 - y) log(1 - x)), each log clamped at -100 as PyTorch does."""
    x, y, w, reduction = call.args
    dtype = call.out.dtype
    xv, yv = g.value(x), g.value(y)
    one, floor = g.constant(np.asarray(1, dtype)), g.constant(np.asarray(-100, dtype))
    log_x = g.op("Max", g.op("Log", xv), floor)
    log_1mx = g.op("Max", g.op("Log", g.op("Sub", one, xv)), floor)
    total = g.op("Add", g.op("Mul", yv, log_x), g.op("Mul", g.op("Sub", one, yv), log_1mx))
    return _reduced(g, _weighted(g, g.op("Neg", total), w, dtype), x.ndim, reduction)


@converts(loss.BCEWithLogitsLoss)
def binary_cross_entropy_with_logits(g, call):
    """(1 - y) x + l softplus(-x), l = 1 + (pos_weight - 1) y."""
    x, y, w, pos_weight, reduction = call.args
    dtype = call.out.dtype
    xv, yv = g.value(x), g.value(y)
    one = g.constant(np.asarray(1, dtype))
    softplus = g.op("Softplus", g.op("Neg", xv))
    if pos_weight is not None:
        scale = g.op("Sub", g.value(pos_weight, dtype), one)
        softplus = g.op("Mul", g.op("Add", one, g.op("Mul", scale, yv)), softplus)
    out = g.op("Add", g.op("Mul", g.op("Sub", one, yv), xv), softplus)
    return _reduced(g, _weighted(g, out, w, dtype), x.ndim, reduction)


@converts(cross_entropy.CrossEntropyProbs)
def cross_entropy_probs(g, call):
    """-sum_c q_c log_softmax(x)_c per position, q = w_c (y (1 - s) + s / C)."""
    x, y, weight, smoothing, reduction = call.args
    dtype, classes = call.out.dtype, x.shape[1]
    q = g.value(y)
    if smoothing:
        q = g.op("Add", g.op("Mul", q, g.constant(np.asarray(1 - smoothing, dtype))),
                 g.constant(np.asarray(smoothing / classes, dtype)))
    if weight is not None:
        q = g.op("Mul", q, g.constant(np.asarray(weight, dtype).reshape(
            (classes,) + (1,) * (x.ndim - 2))))
    logp = g.op("LogSoftmax", g.value(x), axis=1)
    out = g.op("Neg", g.reduce("ReduceSum", g.op("Mul", q, logp), [1], False))
    return _reduced(g, out, x.ndim - 1, reduction)
