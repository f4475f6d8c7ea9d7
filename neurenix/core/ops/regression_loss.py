"""Robust regression losses: huber_loss and smooth_l1_loss, quadratic near 0 and linear beyond.

Both are one op: smooth_l1 with ``beta`` is huber with ``delta = beta`` divided by beta (so its
linear part has slope 1, where huber's has slope delta). Conventions as ``loss.py``: the keyword
``reduction``, targets cast to the input's dtype, broadcasting allowed with PyTorch's warning.
"""
import numpy as np

from .._shapes import unbroadcast
from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import where
from .loss import (_constant, _target, check_reduction, l1_loss, legacy_reduction, reduce_loss,
                   scaled_grad)


class HuberLossOp(Function):
    """loss = w * (d**2 / 2 if |d| < delta else delta (|d| - delta / 2)), d = x - y, divided by
    delta when ``per_delta`` (smooth_l1).  dL/dx = w * clamp(d, -delta, delta) dL/dloss (over
    delta when ``per_delta``), dL/dy = -dL/dx; the second derivative is w (w / delta) where
    |d| < delta and 0 from |d| = delta on, as in PyTorch."""

    __slots__ = ("reduction", "delta", "per_delta")

    @staticmethod
    def forward(ctx, x, y, w, reduction, delta, per_delta):
        ctx.reduction, ctx.delta, ctx.per_delta = reduction, delta, per_delta
        ctx.save_for_backward(x, y, w)
        d = x - y
        size = np.abs(d)
        inside = size < delta
        # PyTorch's two formulas, so the values agree to the last bit
        if per_delta:
            loss = np.where(inside, d * d * 0.5 / delta, size - 0.5 * delta)
        else:
            loss = np.where(inside, d * d * 0.5, (size - 0.5 * delta) * delta)
        if w is not None:
            loss = loss * w
        return reduce_loss(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad_out):
        x, y, w = ctx.saved_tensors
        delta = ctx.delta
        d = x - y
        inside = np.abs(d.data) < delta  # a constant: the pieces meet with equal slopes
        sign = np.sign(d.data)
        slope = where(inside, d / delta, sign) if ctx.per_delta else \
            where(inside, d, sign * delta)
        grad_d = slope * scaled_grad(grad_out, ctx.reduction, d.numel())
        if w is not None:
            grad_d = grad_d * w
        need_x, need_y = ctx.needs_input_grad[:2]
        return (unbroadcast(grad_d, x.shape) if need_x else None,
                unbroadcast(-grad_d, y.shape) if need_y else None, None, None, None, None)


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0,
               weight=None) -> Tensor:
    """Huber loss: (input - target)**2 / 2 where |input - target| < delta, else
    delta * (|input - target| - delta / 2), reduced.

    Args:
        input: predictions.  target: same shape (broadcasting works but warns, as PyTorch).
        reduction: "mean", "sum" or "none".  delta: where the quadratic turns linear (> 0).
        weight: per-element weights, input-shaped, multiplying each loss before the reduction
            ("mean" still divides by the number of elements).
    Shape: input (*), target (*) -> () for "mean" / "sum", (*) for "none"; the input's dtype.
    Raises: ValueError for delta <= 0, a weight not shaped as the input, an unknown reduction
        or shapes that do not broadcast.

    Examples: ``F.huber_loss(pred, target, delta=0.5)``.
    """
    check_reduction("huber_loss", reduction)
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta} (input of shape "
                         f"{input.shape})")
    if weight is not None and tuple(weight.shape) != input.shape:
        raise ValueError(f"huber_loss: weight of shape {tuple(weight.shape)} must have the "
                         f"input's shape {input.shape}")
    return HuberLossOp.apply(input, _target("huber_loss", input, target),
                             _constant("huber_loss", "weight", weight, input), reduction,
                             float(delta), False)


def smooth_l1_loss(input: Tensor, target, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Smooth L1 loss: (input - target)**2 / (2 beta) where |input - target| < beta, else
    |input - target| - beta / 2, reduced; ``l1_loss`` for beta = 0, as in PyTorch.

    Args:
        input: predictions.  target: same shape (broadcasting works but warns, as PyTorch).
        size_average, reduce: PyTorch's deprecated flags (a warning; they set ``reduction``).
        reduction: "mean", "sum" or "none".  beta: where the quadratic turns linear (>= 0).
    Shape: input (*), target (*) -> () for "mean" / "sum", (*) for "none"; the input's dtype.
    Raises: ValueError for beta < 0, an unknown reduction or shapes that do not broadcast.

    Examples: ``F.smooth_l1_loss(boxes, target_boxes, beta=1 / 9)``.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction("smooth_l1_loss", reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must not be negative, got {beta} (input of "
                         f"shape {input.shape})")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    return HuberLossOp.apply(input, _target("smooth_l1_loss", input, target), None, reduction,
                             float(beta), True)
