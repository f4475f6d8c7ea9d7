"""Classification losses over a class axis: cross-entropy (from logits) and NLL (from log-probs).

Inputs are (N, C) or (N, C, d1, d2, ...) (e.g. per-pixel scores (N, C, H, W)); class-index
targets are (N,) or (N, d1, d2, ...) integers. A target equal to ``ignore_index`` contributes
neither loss nor gradient. With per-class ``weight`` w, "mean" divides by the summed weights of
the counted targets, sum_i w[t_i], exactly as PyTorch, not by their number.
"""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .loss import check_reduction


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max(axis=1, keepdims=True)  # shifting by the max avoids overflow
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _per_class(weight: np.ndarray, ndim: int) -> np.ndarray:
    """(C,) as (1, C, 1, ..., 1), broadcasting along the class axis of an ``ndim`` input."""
    return weight.reshape((1, -1) + (1,) * (ndim - 2))


def _reduce(loss: np.ndarray, denominator, reduction: str) -> np.ndarray:
    if reduction == "none":
        return loss
    with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: nan, as PyTorch
        return loss.sum() / denominator if reduction == "mean" else loss.sum()


def _position_grad(grad_out: np.ndarray, reduction: str, denominator, shape: tuple,
                   counted=None):
    """d(reduced loss)/d(loss at each position) times ``grad_out``, of ``shape`` (N, d1, ...).

    ``counted`` (1.0 / 0.0 per position) zeroes ignored positions when every target is ignored:
    the mean is then 0/0 = nan, but PyTorch's gradient stays 0 there, so one batch of ignored
    pixels does not turn the weights into nan.
    """
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            grad_out = grad_out / denominator
    g = np.broadcast_to(grad_out, shape)
    if counted is not None and reduction == "mean" and denominator == 0:
        g = np.where(counted != 0, g, g.dtype.type(0))
    return g


def _pick(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """a[n, t[n, ...], ...]: each position's entry at its target class."""
    return np.take_along_axis(a, t[:, None], axis=1)[:, 0]


class CrossEntropy(Function):
    """loss_i = -sum_c q_ic log softmax(x)_ic, q_ic = w_t (1 - s) [c = t_i] + s w_c / C
    (s = label smoothing).  dL/dx_ic = dL/dloss_i (softmax(x)_ic sum_c q_ic - q_ic)."""

    __slots__ = ("reduction", "smoothing", "denominator")

    @staticmethod
    def forward(ctx, x, t, valid, w_t, weight, smoothing, reduction):
        ctx.reduction, ctx.smoothing = reduction, smoothing
        logp = _log_softmax(x)
        loss = -w_t * _pick(logp, t)
        if smoothing:
            summed = logp.sum(axis=1) if weight is None else (
                logp * _per_class(weight, x.ndim)).sum(axis=1)
            loss = (1 - smoothing) * loss - (smoothing / x.shape[1]) * summed * valid
        ctx.denominator = w_t.sum()
        ctx.save_for_backward(logp, t, valid, w_t, weight)
        return _reduce(loss, ctx.denominator, reduction)

    @staticmethod
    def backward(ctx, grad_out):
        logp, t, valid, w_t, weight = ctx.saved_tensors
        s, classes = ctx.smoothing, logp.shape[1]
        g = _position_grad(grad_out, ctx.reduction, ctx.denominator, t.shape, valid)
        total_weight = classes if weight is None else weight.sum()
        q_sum = (1 - s) * w_t + (s / classes) * total_weight * valid
        grad = np.exp(logp) * (g * q_sum)[:, None]
        index = t[:, None]
        target_grad = np.take_along_axis(grad, index, axis=1) - ((1 - s) * g * w_t)[:, None]
        np.put_along_axis(grad, index, target_grad, axis=1)
        if s:
            spread = ((s / classes) * g * valid)[:, None]
            grad -= spread if weight is None else spread * _per_class(weight, logp.ndim)
        return grad, None, None, None, None, None, None


class CrossEntropyProbs(Function):
    """loss_i = -sum_c q_ic log softmax(x)_ic with q = w_c (y (1 - s) + s / C) for class
    probabilities y.  dL/dx = dL/dloss (softmax(x) sum_c q - q),
    dL/dy = -dL/dloss w (1 - s) log softmax(x)."""

    __slots__ = ("reduction", "smoothing")

    @staticmethod
    def forward(ctx, x, y, weight, smoothing, reduction):
        ctx.reduction, ctx.smoothing = reduction, smoothing
        logp = _log_softmax(x)
        q = y * (1 - smoothing) + smoothing / x.shape[1] if smoothing else y
        if weight is not None:
            q = q * _per_class(weight, x.ndim)
        loss = -(q * logp).sum(axis=1)
        ctx.save_for_backward(logp, q, weight)
        return _reduce(loss, loss.size, reduction)  # "mean" averages over positions

    @staticmethod
    def backward(ctx, grad_out):
        logp, q, weight = ctx.saved_tensors
        g = _position_grad(grad_out, ctx.reduction, logp.size // logp.shape[1],
                           logp.shape[:1] + logp.shape[2:])[:, None]
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = g * (np.exp(logp) * q.sum(axis=1, keepdims=True) - q)
        if ctx.needs_input_grad[1]:
            grad_y = -(1 - ctx.smoothing) * g * logp
            if weight is not None:
                grad_y = grad_y * _per_class(weight, logp.ndim)
        return grad_x, grad_y, None, None, None


class NLLLoss(Function):
    """loss_i = -w_t x_i,t for log-probabilities x.  dL/dx_ic = -dL/dloss_i w_t [c = t_i]."""

    __slots__ = ("reduction", "denominator")

    @staticmethod
    def forward(ctx, x, t, valid, w_t, reduction):
        ctx.reduction = reduction
        ctx.denominator = w_t.sum()
        ctx.save_for_backward(t, valid, w_t)
        return _reduce(-w_t * _pick(x, t), ctx.denominator, reduction)

    @staticmethod
    def backward(ctx, grad_out):
        t, valid, w_t = ctx.saved_tensors
        g = _position_grad(grad_out, ctx.reduction, ctx.denominator, t.shape, valid)
        (x_shape, x_dtype) = ctx.metas[0]
        grad = np.zeros(x_shape, x_dtype)
        np.put_along_axis(grad, t[:, None], (-g * w_t)[:, None], axis=1)
        return grad, None, None, None, None


def _class_targets(op: str, input: Tensor, target, weight, ignore_index: int):
    """Validated class-index targets: (t with ignored entries set to class 0, 1.0 at counted
    positions and 0.0 at ignored ones, each position's weight w[t] (0 where ignored), weight as
    an array)."""
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
    return t, counted, counted if weight is None else weight[t] * counted, weight


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


def cross_entropy(input: Tensor, target, weight=None, *, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits and targets: log_softmax over the class axis and NLL, in
    one op.

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
        out = CrossEntropyProbs.apply(input, target.to(input.dtype),
                                      _class_weight(op, weight, input), label_smoothing,
                                      reduction)
    else:
        t, valid, w_t, w = _class_targets(op, input, target, weight, ignore_index)
        out = CrossEntropy.apply(input, t, valid, w_t, w, label_smoothing, reduction)
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
    out = NLLLoss.apply(input, t, valid, w_t, reduction)
    return out.reshape(()) if unbatched and reduction == "none" else out
