"""Regression and binary losses, each one op whose backward is written in Tensor ops.

Every loss takes the keyword ``reduction``: "mean" (the default: the average over elements),
"sum", or "none" (the elementwise losses, input-shaped). Targets are cast to the input's dtype, so a
float64 target never promotes a float32 model. Weights (``weight``, ``pos_weight``) are
constants: no gradient flows into them. A float target is differentiated as PyTorch does, to
every order (BCE's target gradient alone stays finite at predictions of exactly 0 or 1).
"""
import math
import warnings

import numpy as np

from .._shapes import broadcast_shapes, unbroadcast
from ..autograd import Function
from ..tensor import Tensor
from .activation import SigmoidOp
from .arithmetic import cast, where
from .smooth import SoftplusOp
from .unary import log

REDUCTIONS = ("mean", "sum", "none")
BCE_EPS = 1e-12  # PyTorch's floor under x (1 - x) in the gradients of binary_cross_entropy


def check_reduction(op: str, reduction: str) -> None:
    """Raise a ValueError naming ``op`` unless ``reduction`` is "mean", "sum" or "none"."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def legacy_reduction(size_average, reduce, reduction: str, stacklevel: int = 3) -> str:
    """``reduction`` as PyTorch's deprecated ``size_average`` and ``reduce`` flags set it (with
    a warning), when either is given; else ``reduction`` itself."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction "
                  "instead.", stacklevel=stacklevel)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


def reduce_loss(loss: np.ndarray, reduction: str) -> np.ndarray:
    """The elementwise ``loss`` reduced as ``reduction`` asks."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def scaled_grad(grad_out: Tensor, reduction: str, count: int, factor: float = 1.0) -> Tensor:
    """``factor`` times d(reduced loss)/d(each elementwise loss) times ``grad_out``: the adjoint
    of ``reduce_loss`` over ``count`` elements (a scalar for "mean" and "sum", which broadcasts
    against them), as one Tensor op."""
    scale = factor / count if reduction == "mean" and count else factor
    return grad_out if scale == 1 else grad_out * scale


def _target(op: str, input: Tensor, target) -> Tensor:
    """``target`` as a Tensor of the input's dtype, its shape checked to broadcast."""
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target))
    if target.shape != input.shape:
        warnings.warn(f"{op}: using a target size {target.shape} that is different to the "
                      f"input size {input.shape}. This will likely lead to incorrect results "
                      "due to broadcasting. Please ensure they have the same size.",
                      stacklevel=3)
        broadcast_shapes(op, input.shape, target.shape)
    return cast(target, input.dtype)


def _constant(op: str, name: str, value, input: Tensor):
    """A weight argument as an array of the input's dtype that broadcasts against it."""
    if value is None:
        return None
    array = np.asarray(value.data if isinstance(value, Tensor) else value, dtype=input.dtype)
    if broadcast_shapes(op, input.shape, array.shape) != input.shape:
        raise ValueError(f"{op}: {name} of shape {array.shape} must broadcast to the input's "
                         f"shape {input.shape}")
    return array


class MSELossOp(Function):
    """loss = (x - y)**2.  dL/dx = 2 (x - y) dL/dloss, dL/dy = -dL/dx."""

    __slots__ = ("reduction",)

    @staticmethod
    def forward(ctx, x, y, reduction):
        ctx.reduction = reduction
        ctx.save_for_backward(x, y)
        d = x - y
        return reduce_loss(d * d, reduction)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        d = x - y
        grad_d = d * scaled_grad(grad_out, ctx.reduction, d.numel(), 2.0)
        need_x, need_y = ctx.needs_input_grad[:2]
        return (unbroadcast(grad_d, x.shape) if need_x else None,
                unbroadcast(-grad_d, y.shape) if need_y else None, None)


class L1LossOp(Function):
    """loss = |x - y|.  dL/dx = sign(x - y) dL/dloss (0 where x == y), dL/dy = -dL/dx: the
    signs are constants (|.| is linear on each side of 0)."""

    __slots__ = ("reduction", "x_shape", "y_shape")

    @staticmethod
    def forward(ctx, x, y, reduction):
        ctx.reduction, ctx.x_shape, ctx.y_shape = reduction, x.shape, y.shape
        d = x - y
        ctx.save_for_backward(np.sign(d))
        return reduce_loss(np.abs(d), reduction)

    @staticmethod
    def backward(ctx, grad_out):
        (sign,) = ctx.saved_tensors
        grad_d = scaled_grad(grad_out, ctx.reduction, sign.numel()) * sign
        need_x, need_y = ctx.needs_input_grad[:2]
        return (unbroadcast(grad_d, ctx.x_shape) if need_x else None,
                unbroadcast(-grad_d, ctx.y_shape) if need_y else None, None)


def _clamped_log(x: Tensor) -> Tensor:
    """max(log x, -100), BCE's clamped log, in Tensor ops: its derivative is 1/x where the log
    is kept and 0 where it is clamped (there the log is taken of 1 instead of x, so no 0 / 0
    reaches a gradient at x = 0)."""
    with np.errstate(divide="ignore"):
        kept = np.log(x.data) > -100
    return where(kept, log(where(kept, x, 1.0)), -100.0)


class BCELossOp(Function):
    """loss = -w (y log x + (1 - y) log(1 - x)), each log clamped at -100 as PyTorch does.
    dL/dx = ``BCEBackward``, dL/dy = w (log(1 - x) - log x) with the clamped logs."""

    __slots__ = ("reduction",)

    @staticmethod
    def forward(ctx, x, y, w, reduction):
        ctx.reduction = reduction
        with np.errstate(divide="ignore"):  # log(0) = -inf, then clamped
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        loss = -(y * log_x + (1 - y) * log_1mx)
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, y, w)
        return reduce_loss(loss, reduction)

    @staticmethod
    def backward(ctx, grad_out):
        x, y, w = ctx.saved_tensors
        g = scaled_grad(grad_out, ctx.reduction, x.numel())
        need_x, need_y = ctx.needs_input_grad[:2]
        grad_x = BCEBackward.apply(g, x, y, w) if need_x else None
        grad_y = None
        if need_y:
            # The clamped loss's own derivative, finite at x = 0 or 1 (PyTorch's -logit(x) is
            # infinite there); the same everywhere else.
            grad_y = g * (_clamped_log(1 - x) - _clamped_log(x))
            if w is not None:
                grad_y = grad_y * w
        return grad_x, grad_y, None, None


class BCEBackward(Function):
    """out = g w (x - y) / max(x (1 - x), eps), the gradient of BCE in x, finite at predictions
    of exactly 0 or 1 (PyTorch's ``binary_cross_entropy_backward``, eps = 1e-12).
    dL/dg = dL/dout w (x - y) / ((x + eps) (1 - x + eps)),
    dL/dx = dL/dout g w (x**2 - 2 x y + y) / ((x + eps) (1 - x + eps))**2,
    dL/dy = -dL/dout g w / max(x (1 - x), eps): PyTorch's double backward, eps placed as there."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, g, x, y, w):
        ctx.save_for_backward(g, x, y, w)
        grad = g * (x - y) / np.maximum(x * (1 - x), BCE_EPS)
        return grad if w is None else grad * w

    @staticmethod
    def backward(ctx, grad_out):
        g, x, y, w = ctx.saved_tensors
        need_g, need_x, need_y = ctx.needs_input_grad[:3]
        gw = grad_out if w is None else grad_out * w
        grad_g = grad_x = grad_y = None
        if need_g or need_x:
            near = (x + BCE_EPS) * (1 - x + BCE_EPS)
            if need_g:
                grad_g = unbroadcast(gw * (x - y) / near, g.shape)
            if need_x:
                grad_x = gw * g * (x * x - x * y * 2 + y) / (near * near)
        if need_y:
            grad_y = -gw * g / (x * (1 - x)).clamp(min=BCE_EPS)
        return grad_g, grad_x, grad_y, None


class BCEWithLogitsLossOp(Function):
    """loss = w ((1 - y) x + l softplus(-x)), l = 1 + (pos_weight - 1) y; softplus(-x) =
    log(1 + exp(-x)) computed stably (finite at |x| = 1000).
    dL/dx = w (l sigmoid(x) - pos_weight y), dL/dy = w ((pos_weight - 1) softplus(-x) - x)."""

    __slots__ = ("reduction",)

    @staticmethod
    def forward(ctx, x, y, w, pos_weight, reduction):
        ctx.reduction = reduction
        softplus = np.logaddexp(0, -x)
        if pos_weight is None:
            loss = (1 - y) * x + softplus
        else:
            loss = (1 - y) * x + (1 + (pos_weight - 1) * y) * softplus
        if w is not None:
            loss = loss * w
        ctx.save_for_backward(x, y, w, pos_weight)
        return reduce_loss(loss, reduction)

    @staticmethod
    def backward(ctx, grad_out):
        x, y, w, pos_weight = ctx.saved_tensors
        g = scaled_grad(grad_out, ctx.reduction, x.numel())
        if w is not None:
            g = g * w
        need_x, need_y = ctx.needs_input_grad[:2]
        grad_x = grad_y = None
        if need_x:
            p = SigmoidOp.apply(x)
            grad_x = g * (p - y) if pos_weight is None else \
                g * ((pos_weight * y - y + 1) * p - pos_weight * y)
        if need_y:
            grad_y = -g * x if pos_weight is None else \
                g * ((pos_weight - 1) * SoftplusOp.apply(-x, 1, math.inf) - x)
        return grad_x, grad_y, None, None, None


def mse_loss(input: Tensor, target, *, reduction: str = "mean") -> Tensor:
    """Mean squared error: (input - target)**2, reduced.

    Shape: input any, target the same (broadcasting works but warns, as in PyTorch); a scalar
    for "mean" / "sum", input-shaped for "none". The loss has the input's (floating) dtype; the
    target is cast to it.
    Raises: ValueError naming the op for an unknown reduction or shapes that do not broadcast.
    """
    check_reduction("mse_loss", reduction)
    return MSELossOp.apply(input, _target("mse_loss", input, target), reduction)


def l1_loss(input: Tensor, target, *, reduction: str = "mean") -> Tensor:
    """Mean absolute error: |input - target|, reduced.  Shape, dtype and Raises: as
    ``mse_loss``."""
    check_reduction("l1_loss", reduction)
    return L1LossOp.apply(input, _target("l1_loss", input, target), reduction)


def _same_shape(op: str, input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        raise ValueError(f"{op}: using a target size ({target.shape}) that is different to the "
                         f"input size ({input.shape}) is deprecated. Please ensure they have "
                         f"the same size.")


def binary_cross_entropy(input: Tensor, target, weight=None, *, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy between probabilities ``input`` and targets in [0, 1].

    Each log is clamped at -100 (PyTorch's rule), so predictions of exactly 0 or 1 give a
    finite loss of at most 100 per element and a finite gradient.

    Args:
        input: probabilities in [0, 1] (a Sigmoid's output).  target: same shape, in [0, 1].
        weight: rescales each element's loss; broadcasts against input.
    Shape: input and target the same shape; output a scalar, or input-shaped for "none". The
        loss has the input's (floating) dtype; target and weight are cast to it.
    Raises: ValueError when ``input`` leaves [0, 1]: apply a Sigmoid first, or use
        ``binary_cross_entropy_with_logits`` / ``BCEWithLogitsLoss`` on raw scores; ValueError
        for a target of another shape or an unknown reduction.
    """
    check_reduction("binary_cross_entropy", reduction)
    target = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    _same_shape("binary_cross_entropy", input, target)
    if input.data.size and (input.data.min() < 0 or input.data.max() > 1):
        raise ValueError(
            f"binary_cross_entropy: all elements of input should be between 0 and 1, found "
            f"values in [{input.data.min():.4g}, {input.data.max():.4g}]. BCELoss takes "
            f"probabilities: apply a Sigmoid first, or use BCEWithLogitsLoss "
            f"(binary_cross_entropy_with_logits) on raw scores")
    return BCELossOp.apply(input, cast(target, input.dtype),
                         _constant("binary_cross_entropy", "weight", weight, input), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None, *,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """Sigmoid and binary cross-entropy in one stable op, on raw scores (logits).

    Args:
        input: logits, any real values.  target: same shape, in [0, 1].
        weight: rescales each element's loss; broadcasts against input.
        pos_weight: weight of the positive term, broadcast along the last axes (e.g. (C,) for
            (N, C) input, (C, 1, 1) for (N, C, H, W)): > 1 raises recall.
    Shape: input and target the same shape; output a scalar, or input-shaped for "none". The
        loss has the input's (floating) dtype; target, weight and pos_weight are cast to it.
    Raises: ValueError for a target of another shape, a weight that does not broadcast to the
        input, or an unknown reduction.
    """
    op = "binary_cross_entropy_with_logits"
    check_reduction(op, reduction)
    target = target if isinstance(target, Tensor) else Tensor(np.asarray(target))
    _same_shape(op, input, target)
    return BCEWithLogitsLossOp.apply(input, cast(target, input.dtype),
                                   _constant(op, "weight", weight, input),
                                   _constant(op, "pos_weight", pos_weight, input), reduction)
