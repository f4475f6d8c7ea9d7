"""Smooth activations built on exp: elu, selu, softplus, mish, logsigmoid. Same shape and
dtype as the input (integers give the default float).

As in ``activation.py``, each backward is one ``...Backward`` op whose forward is the fused
NumPy formula of the gradient and whose own backward, in Tensor ops, gives the second
derivative (so first-order training pays one call per activation). The branch conditions are
PyTorch's, so the values at a branch point agree: elu's derivative at 0 is alpha * scale (the
x <= 0 branch) and its second derivative there 0 (the x < 0 branch); softplus is the identity
where beta * x > threshold, with second derivative 0 from beta * x = threshold on.
"""
import math

import numpy as np
from scipy import special

from ..autograd import Function
from ..tensor import Tensor
from .activation import SigmoidOp, TanhOp
from .arithmetic import neg, where
from .piecewise import apply_activation
from .unary import Exp

# SELU's constants (Klambauer et al. 2017), as PyTorch spells them
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class ELUOp(Function):
    """y = scale * x for x > 0, alpha * scale * (exp(input_scale * x) - 1) for x <= 0.
    dL/dx = ``ELUBackward``(dL/dy, x)."""

    __slots__ = ("alpha", "scale", "input_scale")

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        ctx.save_for_backward(x)
        negative = x <= 0
        em1 = np.expm1(np.where(negative, x, 0) * input_scale)  # no overflow from x > 0
        return np.where(negative, em1 * (alpha * scale), x * scale).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (ELUBackward.apply(grad_out, x, ctx.alpha, ctx.scale, ctx.input_scale),
                None, None, None)


class ELUBackward(Function):
    """out = g * (scale if x > 0 else alpha * scale * input_scale * exp(input_scale * x)).
    dL/dg = ELUBackward(dL/dout, x), dL/dx = dL/dout * g * alpha * scale * input_scale**2 *
    exp(input_scale * x) for x < 0, else 0 (PyTorch's ``elu_double_backward``)."""

    __slots__ = ("alpha", "scale", "input_scale")

    @staticmethod
    def forward(ctx, g, x, alpha, scale, input_scale):
        ctx.alpha, ctx.scale, ctx.input_scale = alpha, scale, input_scale
        ctx.save_for_backward(g, x)
        negative = x <= 0
        e = np.exp(np.where(negative, x, 0) * input_scale)
        slope = np.where(negative, e * (alpha * scale * input_scale), scale)
        return g * slope.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_out):
        g, x = ctx.saved_tensors
        alpha, scale, input_scale = ctx.alpha, ctx.scale, ctx.input_scale
        need_g, need_x = ctx.needs_input_grad[:2]
        grad_g = grad_x = None
        if need_g:
            grad_g = ELUBackward.apply(grad_out, x, alpha, scale, input_scale)
        if need_x:
            negative = x.data < 0
            # exp of 0 where x >= 0: that branch is discarded, and must not overflow
            curvature = Exp.apply(where(negative, x, 0.0) * input_scale)
            grad_x = grad_out * g * where(negative, curvature, 0.0) * (
                alpha * scale * input_scale ** 2)
        return grad_g, grad_x, None, None, None


class SoftplusOp(Function):
    """y = log(1 + exp(beta x)) / beta, without overflow; y = x where beta x > threshold
    (``math.inf``: never).  dL/dx = ``SoftplusBackward``(dL/dy, x)."""

    __slots__ = ("beta", "threshold")

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(x)
        bx = x * beta if beta != 1 else x
        y = np.logaddexp(0, bx)
        if beta != 1:
            y /= beta
        return y if threshold == math.inf else np.where(bx > threshold, x, y)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return SoftplusBackward.apply(grad_out, x, ctx.beta, ctx.threshold), None, None


class SoftplusBackward(Function):
    """out = g * sigmoid(beta x), or g where beta x > threshold.  dL/dg = SoftplusBackward(
    dL/dout, x), dL/dx = dL/dout * g * beta * s (1 - s), s = sigmoid(beta x), where
    beta x < threshold (PyTorch's ``softplus_double_backward``)."""

    __slots__ = ("beta", "threshold")

    @staticmethod
    def forward(ctx, g, x, beta, threshold):
        ctx.beta, ctx.threshold = beta, threshold
        ctx.save_for_backward(g, x)
        bx = x * beta if beta != 1 else x
        s = special.expit(bx).astype(x.dtype, copy=False)  # float16: see SigmoidOp
        return g * (s if threshold == math.inf else np.where(bx > threshold, 1, s))

    @staticmethod
    def backward(ctx, grad_out):
        g, x = ctx.saved_tensors
        beta, threshold = ctx.beta, ctx.threshold
        need_g, need_x = ctx.needs_input_grad[:2]
        grad_g = SoftplusBackward.apply(grad_out, x, beta, threshold) if need_g else None
        grad_x = None
        if need_x:
            s = SigmoidOp.apply(x * beta if beta != 1 else x)
            grad_x = grad_out * g * s * (1 - s) * beta
            if threshold != math.inf:
                grad_x = where(x.data * beta < threshold, grad_x, 0.0)
        return grad_g, grad_x, None, None


class MishOp(Function):
    """y = x tanh(softplus(x)).  dL/dx = ``MishBackward``(dL/dy, x)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        t = np.tanh(np.logaddexp(0, x))
        ctx.save_for_backward(x, t)  # t: a speed cache, see MishBackward
        return x * t

    @staticmethod
    def backward(ctx, grad_out):
        x, t = ctx.saved_tensors
        return (MishBackward.apply(grad_out, x, t),)


class MishBackward(Function):
    """out = g * (t + x s (1 - t**2)), s = sigmoid(x), t = tanh(softplus(x)) (``cached`` t,
    from the forward).  dL/dg = MishBackward(dL/dout, x),
    dL/dx = dL/dout * g * s (1 - t**2) (2 + x (1 - s) - 2 x s t)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, g, x, cached):
        ctx.save_for_backward(g, x, cached)
        s = special.expit(x).astype(x.dtype, copy=False)
        return g * (cached + x * s * (1 - cached * cached))

    @staticmethod
    def backward(ctx, grad_out):
        g, x, cached = ctx.saved_tensors
        need_g, need_x = ctx.needs_input_grad[:2]
        grad_g = MishBackward.apply(grad_out, x, cached) if need_g else None
        grad_x = None
        if need_x:
            s = SigmoidOp.apply(x)
            # not the cached t: its derivative is needed
            t = TanhOp.apply(SoftplusOp.apply(x, 1, math.inf))
            grad_x = grad_out * g * s * (1 - t * t) * (2 + x * (1 - s) - x * s * t * 2)
        return grad_g, grad_x, None


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """Exponential linear unit: input where input > 0, else alpha * (exp(input) - 1).

    Args:  input: any tensor.  alpha: the value approached as input -> -inf is -alpha.
        inplace: write the result into ``input`` and return it.
    Shape: (*) -> (*), the dtype of ``input`` (integers give the default float).

    Examples: ``F.elu(x)``, ``F.elu(x, alpha=0.5)``.
    """
    return apply_activation("elu", input, inplace,
                            lambda t: ELUOp.apply(t, float(alpha), 1.0, 1.0))


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """Scaled ELU: scale * elu(input, alpha) with PyTorch's constants alpha = 1.6733 and
    scale = 1.0507, which keep unit-variance activations at unit variance.

    Shape: (*) -> (*), the dtype of ``input`` (integers give the default float).

    Examples: ``F.selu(x)``, ``nx.selu(x)``.
    """
    return apply_activation("selu", input, inplace,
                            lambda t: ELUOp.apply(t, SELU_ALPHA, SELU_SCALE, 1.0))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * input)) / beta, a smooth relu; the identity where beta * input >
    threshold, as in PyTorch. Computed without overflow for any input.

    Args:  input: any tensor.  beta: the sharpness (larger is closer to relu).
        threshold: above it (in beta * input), the linear function.
    Shape: (*) -> (*), the dtype of ``input`` (integers give the default float).

    Examples: ``F.softplus(x)``, ``F.softplus(x, beta=2, threshold=10)``.
    """
    return apply_activation("softplus", input, False,
                            lambda t: SoftplusOp.apply(t, float(beta), float(threshold)))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """input * tanh(softplus(input)) (Misra 2019).

    Shape: (*) -> (*), the dtype of ``input`` (integers give the default float).

    Examples: ``F.mish(x)``.
    """
    return apply_activation("mish", input, inplace, MishOp.apply)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(input)) = -softplus(-input), computed without overflow (0 for large
    inputs, the input itself for very negative ones).

    Shape: (*) -> (*), the dtype of ``input`` (integers give the default float).

    Examples: ``F.logsigmoid(x)``.
    """
    return apply_activation("logsigmoid", input, False,
                            lambda t: neg(SoftplusOp.apply(neg(t), 1, math.inf)))
