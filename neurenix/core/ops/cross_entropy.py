"""Classification losses over a class axis: cross-entropy (from logits) and NLL (from log-probs).

Inputs are (N, C) or (N, C, d1, d2, ...) (e.g. per-pixel scores (N, C, H, W)); class-index
targets are (N,) or (N, d1, d2, ...) integers. A target equal to ``ignore_index`` contributes
neither loss nor gradient. With per-class ``weight`` w, "mean" divides by the summed weights of
the counted targets, sum_i w[t_i], exactly as PyTorch, not by their number.

As in PyTorch, ``cross_entropy`` is ``log_softmax`` followed by the NLL (label smoothing mixes
in the cross-entropy against the uniform distribution, PyTorch's formula, inside the NLL op);
with probability targets it is -sum(target * log_softmax) in Tensor ops. The NLL is linear in
the log-probabilities, so the derivatives of every order come from ``log_softmax``.
"""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .activation import log_softmax
from .loss import check_reduction


def _per_class(weight: np.ndarray, ndim: int) -> np.ndarray:
    """(C,) as (1, C, 1, ..., 1), broadcasting along the class axis of an ``ndim`` input."""
    return weight.reshape((1, -1) + (1,) * (ndim - 2))


def _mean_scale(w_t: np.ndarray):
    """1 / sum_i w[t_i], the scale of a "mean" over class-index targets: inf when every target
    is ignored (the loss is then 0 * inf = nan, as PyTorch's 0/0)."""
    with np.errstate(divide="ignore"):
        return w_t.dtype.type(1) / w_t.sum()


class NLLLossOp(Function):
    """loss_i = -(1 - s) w[t_i] x[i, t_i] - (s / C) sum_c w_c x[i, c] for log-probabilities x,
    0 at ignored positions (s: label smoothing, 0 for nll_loss; w = 1 without weights).
    dL/dx = dL/dloss * q, q the constant coefficients of x above: the loss is linear in x."""

    __slots__ = ("reduction",)

    @staticmethod
    def forward(ctx, x, t, valid, w_t, weight, smoothing, reduction):
        ctx.reduction = reduction
        loss = -w_t * np.take_along_axis(x, t[:, None], axis=1)[:, 0]
        if smoothing:
            summed = (x if weight is None else x * _per_class(weight, x.ndim)).sum(axis=1)
            loss = loss * (1 - smoothing) - np.where(valid, summed, 0) * (smoothing / x.shape[1])
        scale = _mean_scale(w_t) if reduction == "mean" else 1
        if ctx.needs_input_grad:  # recording: keep d(reduced loss)/dx, a constant
            ctx.save_for_backward(_coefficients(x, t, valid, w_t, weight, smoothing, scale))
        if reduction == "none":
            return loss
        with np.errstate(invalid="ignore"):  # 0 * inf: every target ignored
            return loss.sum() * scale

    @staticmethod
    def backward(ctx, grad_out):
        (q,) = ctx.saved_tensors
        if ctx.reduction == "none":  # one gradient per position: (N, d1, ...) -> (N, 1, d1, ...)
            grad_out = grad_out.reshape(q.shape[:1] + (1,) + q.shape[2:])
        return grad_out * q, None, None, None, None, None, None


def _coefficients(x, t, valid, w_t, weight, smoothing, scale) -> np.ndarray:
    """d(reduced NLL)/dx: -(1 - s) w[t_i] at each target, -(s / C) w_c at every class of a
    counted position, times ``scale`` (1 / sum w[t] for "mean"). Ignored positions get exactly 0:
    PyTorch skips them, so their gradient stays 0 even when a mean over no counted target is
    0/0, and one crop of pure "void" pixels does not write nan into the weights."""
    index = t[:, None]
    with np.errstate(invalid="ignore"):  # 0 * inf: every target ignored
        at_target = np.where(valid, w_t * (-(1 - smoothing) * scale), 0)[:, None]
        if not smoothing:
            q = np.zeros(x.shape, x.dtype)
            np.put_along_axis(q, index, at_target, axis=1)
            return q
        classes = x.shape[1]
        spread = np.ones(classes, x.dtype) if weight is None else weight
        spread = _per_class(spread * (-smoothing / classes), x.ndim) * scale
        q = np.where(valid[:, None], spread, 0)
    np.put_along_axis(q, index, np.take_along_axis(q, index, axis=1) + at_target, axis=1)
    return q


def _class_targets(op: str, input: Tensor, target, weight, ignore_index: int):
    """Validated class-index targets: (t with ignored entries set to class 0, a bool mask of
    the counted positions, each position's weight w[t] (0 where ignored), weight as an array)."""
    classes = input.shape[1]
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"{op}: class-index targets must be integers, got dtype {t.dtype} and "
                        f"shape {t.shape} (class probabilities must have the input's shape "
                        f"{input.shape})")
    expected = input.shape[:1] + input.shape[2:]
    if t.shape != expected:
        raise ValueError(f"{op}: expected target of shape {expected} for input {input.shape}, "
                         f"got {t.shape}")
    valid = t != ignore_index
    t = np.where(valid, t, 0)
    if t.size and (t.min() < 0 or t.max() >= classes):
        bad = t[(t < 0) | (t >= classes)].flat[0]
        raise IndexError(f"{op}: target {bad} is out of bounds for {classes} classes "
                         f"(input {input.shape})")
    weight = _class_weight(op, weight, input)
    counted = valid.astype(input.dtype)  # as a float, so products with it keep the dtype
    return t, valid, counted if weight is None else weight[t] * counted, weight


def _class_weight(op: str, weight, input: Tensor):
    if weight is None:
        return None
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=input.dtype)
    if w.shape != (input.shape[1],):
        raise ValueError(f"{op}: weight must have one entry per class, shape "
                         f"({input.shape[1]},), got {w.shape} for input {input.shape}")
    return w


def _batched(op: str, input: Tensor, target):
    """An unbatched (C,) input with a () target as a batch of one."""
    if input.ndim == 0:
        raise ValueError(f"{op}: input must be (C,), (N, C) or (N, C, d1, ...), got a scalar")
    if input.ndim == 1:
        target = target.unsqueeze(0) if isinstance(target, Tensor) else np.asarray(target)[None]
        return input.unsqueeze(0), target
    return input, target


def _soft_targets(logp: Tensor, target: Tensor, weight, s: float, reduction: str) -> Tensor:
    """-sum_c q_c logp_c for class probabilities, q = w (target (1 - s) + s / C); "mean"
    averages over positions, as PyTorch."""
    q = target * (1 - s) + s / logp.shape[1] if s else target
    if weight is not None:
        q = q * _per_class(weight, logp.ndim)
    loss = -(logp * q).sum(dim=1)
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def cross_entropy(input: Tensor, target, weight=None, *, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits and targets: log_softmax over the class axis, then NLL.

    Args:
        input: logits (N, C), (N, C, d1, ...) or (C,).
        target: class indices (N,) / (N, d1, ...) / () (integers in [0, C) or ``ignore_index``),
            or class probabilities with the input's shape (floating).
        weight: (C,) per-class rescaling.  ignore_index: target value that is skipped
            (class-index targets only).  label_smoothing: s in [0, 1]: the target becomes
            (1 - s) one-hot + s / C uniform.
    Shape: a scalar for "mean" / "sum"; (N, d1, ...) for "none".
    Raises: ValueError / TypeError naming the shapes and dtypes; IndexError for a class index
        out of range.
    """
    op = "cross_entropy"
    check_reduction(op, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    target = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    unbatched = input.ndim == 1
    input, target = _batched(op, input, target)
    if target.dtype.kind == "f" and target.shape == input.shape:
        out = _soft_targets(log_softmax(input, 1), target.to(input.dtype),
                            _class_weight(op, weight, input), label_smoothing, reduction)
    else:
        t, valid, w_t, w = _class_targets(op, input, target, weight, ignore_index)
        out = NLLLossOp.apply(log_softmax(input, 1), t, valid, w_t, w, label_smoothing,
                              reduction)
    return out.reshape(()) if unbatched and reduction == "none" else out


def nll_loss(input: Tensor, target, weight=None, *, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class-index targets under log-probabilities ``input`` (the
    output of ``log_softmax``): -input[n, target[n]] weighted and reduced.

    Args and Shape: as ``cross_entropy`` with class-index targets.
    """
    op = "nll_loss"
    check_reduction(op, reduction)
    unbatched = input.ndim == 1
    input, target = _batched(op, input, target)
    t, valid, w_t, _ = _class_targets(op, input, target, weight, ignore_index)
    out = NLLLossOp.apply(input, t, valid, w_t, None, 0.0, reduction)
    return out.reshape(()) if unbatched and reduction == "none" else out
