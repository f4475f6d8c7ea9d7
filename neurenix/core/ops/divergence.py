"""The Kullback-Leibler divergence loss ``kl_div``, PyTorch's argument order and reductions.

As in PyTorch, ``input`` holds log-probabilities and ``target`` probabilities (or
log-probabilities with ``log_target=True``); the elementwise loss is
target * (log target - input), so the sum over a distribution is KL(target || exp(input)).
"""
import math
import warnings

import numpy as np
from scipy import special

from .._shapes import broadcast_shapes, unbroadcast
from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import cast
from .loss import legacy_reduction, reduce_loss, scaled_grad
from .shape import expand
from .unary import exp, log


class KLDivLossOp(Function):
    """loss = t (log t - x) (0 where t = 0), or exp(t) (t - x) for ``log_target``.
    dL/dx = -t dL/dloss (-exp(t)), dL/dt = (log t + 1 - x) dL/dloss (exp(t) (t - x + 1))."""

    __slots__ = ("reduction", "log_target", "shape")

    @staticmethod
    def forward(ctx, x, t, reduction, log_target):
        ctx.reduction, ctx.log_target = reduction, log_target
        ctx.save_for_backward(x, t)
        if log_target:
            loss = np.exp(t) * (t - x)
        else:  # xlogy: 0 log 0 = 0 (SciPy answers float64 for float16, cast back)
            loss = (special.xlogy(t, t) - t * x).astype(x.dtype, copy=False)
        ctx.shape = loss.shape  # the broadcast shape
        return reduce_loss(loss, reduction)

    @staticmethod
    def backward(ctx, grad_out):
        x, t = ctx.saved_tensors
        g = scaled_grad(grad_out, ctx.reduction, int(np.prod(ctx.shape)))
        need_x, need_t = ctx.needs_input_grad[:2]
        weight = exp(t) if ctx.log_target else t  # d loss / d(-x)
        grad_x = None
        if need_x:
            grad_x = -g * weight  # without x in it: brought to the broadcast shape first
            if grad_x.shape != ctx.shape:
                grad_x = expand(grad_x, *ctx.shape)
            grad_x = unbroadcast(grad_x, x.shape)
        grad_t = None
        if need_t:
            if ctx.log_target:
                grad_t = g * weight * (t - x + 1)
            else:
                # t / t is 1, and nan at t = 0, where the derivative of t log t is undefined
                # (PyTorch's value there, from its xlogy)
                grad_t = g * (log(t) + t / t - x)
            grad_t = unbroadcast(grad_t, t.shape)
        return grad_x, grad_t, None, None


def kl_div(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence loss: target * (log target - input) elementwise, where
    ``input`` holds log-probabilities (e.g. a ``log_softmax``), reduced.

    Args:
        input: log-probabilities.  target: probabilities (log-probabilities with
            ``log_target``), broadcast against ``input`` and cast to its dtype.
        size_average, reduce: PyTorch's deprecated flags (a warning; they set ``reduction``).
        reduction: "batchmean" (the sum divided by the batch size ``input.shape[0]``: the
            mathematical KL divergence per sample), "sum", "none", or "mean" (the default, as in
            PyTorch, with its warning: it divides by the number of elements).
        log_target: whether ``target`` is given as log-probabilities (stabler for small ones).
    Shape: input (*), target broadcastable to it -> () for "batchmean" / "sum" / "mean", the
        broadcast shape for "none".
    Raises: ValueError for an unknown reduction or shapes that do not broadcast.

    Examples: ``F.kl_div(F.log_softmax(logits, 1), probs, reduction="batchmean")``.
    """
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if reduction not in ("batchmean", "mean", "sum", "none"):
        raise ValueError(f"kl_div: reduction must be 'batchmean', 'mean', 'sum' or 'none', got "
                         f"{reduction!r}")
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target))
    broadcast_shapes("kl_div", input.shape, target.shape)
    loss = KLDivLossOp.apply(input, cast(target, input.dtype),
                             "sum" if reduction == "batchmean" else reduction, log_target)
    if reduction == "batchmean" and input.ndim != 0:
        batch = input.shape[0]
        # an empty batch gives PyTorch's 0 / 0 = nan, without NumPy's warning
        loss = loss / batch if batch else loss * math.nan
    return loss
