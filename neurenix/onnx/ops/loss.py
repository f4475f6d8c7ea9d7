"""Converters of the losses (for a model that returns its loss): MSE, L1, binary cross-entropy
with and without logits, Huber / smooth L1, KL divergence, and NLL (behind cross-entropy with
class indices; cross-entropy against probabilities is ordinary ops).

NLL's class-index targets reach the op as arrays made in NumPy (ignored entries replaced by 0,
a mask, each position's weight), not as the target tensor. So the converter reads the target
from the loss module the op ran in (``nn.NLLLoss``, ``nn.CrossEntropyLoss``: its second
argument and its ``ignore_index``), after checking that the op's arrays are made from it, and
writes ONNX's NegativeLogLikelihoodLoss on that graph value.
"""
import numpy as np

from ...core.ops import cross_entropy, divergence, loss, regression_loss
from ...core.tensor import Tensor
from ..registry import UnsupportedOperatorError, converts


def _reduced(g, out: str, ndim: int, reduction: str) -> str:
    if reduction == "none":
        return out
    return g.reduce("ReduceMean" if reduction == "mean" else "ReduceSum", out,
                    list(range(ndim)), False)


def _weighted(g, out: str, w, dtype) -> str:
    return out if w is None else g.op("Mul", out, g.value(w, dtype))


@converts(loss.MSELossOp, loss.L1LossOp)
def distance(g, call):
    x, y, reduction = call.args
    d = g.op("Sub", g.value(x), g.value(y))
    d = g.op("Mul", d, d) if call.op is loss.MSELossOp else g.op("Abs", d)
    return _reduced(g, d, max(x.ndim, y.ndim), reduction)


@converts(loss.BCELossOp)
def binary_cross_entropy(g, call):
    """-(y log x + (1 - y) log(1 - x)), each log clamped at -100 as PyTorch does."""
    x, y, w, reduction = call.args
    dtype = call.out.dtype
    xv, yv = g.value(x), g.value(y)
    one, floor = g.scalar(1, dtype), g.scalar(-100, dtype)
    log_x = g.op("Max", g.op("Log", xv), floor)
    log_1mx = g.op("Max", g.op("Log", g.op("Sub", one, xv)), floor)
    total = g.op("Add", g.op("Mul", yv, log_x), g.op("Mul", g.op("Sub", one, yv), log_1mx))
    return _reduced(g, _weighted(g, g.op("Neg", total), w, dtype), x.ndim, reduction)


@converts(loss.BCEWithLogitsLossOp)
def binary_cross_entropy_with_logits(g, call):
    """(1 - y) x + l softplus(-x), l = 1 + (pos_weight - 1) y."""
    x, y, w, pos_weight, reduction = call.args
    dtype = call.out.dtype
    xv, yv = g.value(x), g.value(y)
    one = g.scalar(1, dtype)
    softplus = g.op("Softplus", g.op("Neg", xv))
    if pos_weight is not None:
        scale = g.op("Sub", g.value(pos_weight, dtype), one)
        softplus = g.op("Mul", g.op("Add", one, g.op("Mul", scale, yv)), softplus)
    out = g.op("Add", g.op("Mul", g.op("Sub", one, yv), xv), softplus)
    return _reduced(g, _weighted(g, out, w, dtype), x.ndim, reduction)


@converts(regression_loss.HuberLossOp)
def huber(g, call):
    """d**2 / 2 where |d| < delta, else delta (|d| - delta / 2); both over delta for smooth_l1
    (``per_delta``), PyTorch's two formulas."""
    x, y, w, reduction, delta, per_delta = call.args
    dtype = call.out.dtype
    d = g.op("Sub", g.value(x), g.value(y))
    size = g.op("Abs", d)
    square = g.op("Mul", g.op("Mul", d, d), g.scalar(0.5 / delta if per_delta else 0.5, dtype))
    linear = g.op("Sub", size, g.scalar(0.5 * delta, dtype))
    if not per_delta:
        linear = g.op("Mul", linear, g.scalar(delta, dtype))
    out = g.op("Where", g.op("Less", size, g.scalar(delta, dtype)), square, linear)
    return _reduced(g, _weighted(g, out, w, dtype), max(x.ndim, y.ndim), reduction)


@converts(divergence.KLDivLossOp)
def kl_div(g, call):
    """t (log t - x), 0 where t = 0 (written t log(t or 1) - t x); exp(t) (t - x) for
    ``log_target``."""
    x, t, reduction, log_target = call.args
    dtype = call.out.dtype
    xv, tv = g.value(x), g.value(t)
    if log_target:
        out = g.op("Mul", g.op("Exp", tv), g.op("Sub", tv, xv))
    else:
        zero, one = g.scalar(0, dtype), g.scalar(1, dtype)
        safe = g.op("Where", g.op("Equal", tv, zero), one, tv)
        out = g.op("Sub", g.op("Mul", tv, g.op("Log", safe)), g.op("Mul", tv, xv))
    return _reduced(g, out, max(x.ndim, t.ndim), reduction)


def _target(g, call):
    """(ONNX name of the target, ignore_index, class weights or None) from the loss module
    the NLL op ran in. (The op holds the weights only as each position's w[t], and as the
    class weights for label smoothing.)"""
    _, t, valid, _, _, _, _ = call.args
    for module, args in reversed(g.modules):
        ignore = getattr(module, "ignore_index", None)
        target = args[1] if len(args) > 1 else None
        if ignore is None or not isinstance(target, Tensor) or target.shape != t.shape:
            continue
        kept = target.data != ignore
        if np.array_equal(kept, valid) and np.array_equal(np.where(kept, target.data, 0), t):
            return g.value(target), int(ignore), getattr(module, "weight", None)
    raise UnsupportedOperatorError(
        "class-index targets reach the op as arrays made in NumPy, not as the target tensor; "
        "export the loss as nn.NLLLoss or nn.CrossEntropyLoss (or a module calling one), whose "
        "target argument is read instead")


@converts(cross_entropy.NLLLossOp)
def nll_loss(g, call):
    """ONNX's NegativeLogLikelihoodLoss (its "mean" divides by the summed weights of the counted
    targets, as PyTorch). Label smoothing s mixes in -(s / C) sum_c w_c x_c at each counted
    position; "mean" then divides by sum w[t], the NLL of -1 everywhere."""
    x, _, _, _, _, smoothing, reduction = call.args
    target, ignore, weight = _target(g, call)
    g.size_free()  # the op's arrays are the target's, which the graph reads at run time
    xv, dtype = g.value(x), call.out.dtype
    weights = [g.value(weight.to(dtype))] if weight is not None else []
    if not smoothing:
        return g.op("NegativeLogLikelihoodLoss", xv, target, *weights, ignore_index=ignore,
                    reduction=reduction)
    classes = x.shape[1]
    picked = g.op("NegativeLogLikelihoodLoss", xv, target, *weights, ignore_index=ignore,
                  reduction="none")
    spread = xv if weight is None else g.op("Mul", xv, g.op(
        "Reshape", weights[0], g.ints((1, classes) + (1,) * (x.ndim - 2))))
    counted = g.op("Cast", g.op("Not", g.op("Equal", target, g.ints(ignore))),
                   to=g.onnx.helper.np_dtype_to_tensor_dtype(dtype))
    spread = g.op("Mul", g.reduce("ReduceSum", spread, [1], False), counted)
    out = g.op("Sub", g.op("Mul", picked, g.scalar(1 - smoothing, dtype)),
               g.op("Mul", spread, g.scalar(smoothing / classes, dtype)))
    if reduction != "mean":
        return _reduced(g, out, x.ndim - 1, reduction)
    minus_one = g.op("ConstantOfShape", g.op("Shape", xv), value=g.onnx.numpy_helper.from_array(
        np.full(1, -1, dtype)))
    total_weight = g.op("NegativeLogLikelihoodLoss", minus_one, target, *weights,
                        ignore_index=ignore, reduction="sum")
    return g.op("Div", _reduced(g, out, x.ndim - 1, "sum"), total_weight)
