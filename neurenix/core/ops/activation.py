"""Activations and the (log-)softmax: numerically stable, same shape and dtype as the input.

Each backward is a single op, so first-order training pays one call per activation. Where the
derivative is a constant (relu's and leaky_relu's masks) it is a product with that constant.
Elsewhere it is a ``...Backward`` op (as PyTorch's ``sigmoid_backward``): its forward is the
fused NumPy formula of the gradient, and its own backward, in Tensor ops, gives the second
derivative. Each is linear in the incoming gradient ``g``; for the elementwise ones and softmax
its Jacobian in ``g`` is symmetric, so its gradient with respect to ``g`` is the op itself.
"""
import math

import numpy as np
from scipy import special

from .. import dtypes
from .._shapes import normalize_dim
from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import Mul, as_floating, cast

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)     # tanh-approximate GELU: beta
_KAPPA = 0.044715                            # tanh-approximate GELU: kappa
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)   # the standard normal density at 0


class ReLUOp(Function):
    """y = max(x, 0).  dL/dx = dL/dy * (x > 0): a constant mask (0 at the kink, as PyTorch)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return (Mul.apply(grad_out, y.data > 0),)  # relu is linear on each side of 0


class LeakyReLUOp(Function):
    """y = x if x > 0 else slope * x.  dL/dx = dL/dy * (1 or slope), a constant factor."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, slope):
        factor = np.where(x > 0, x.dtype.type(1), x.dtype.type(slope))
        ctx.save_for_backward(factor)
        return x * factor

    @staticmethod
    def backward(ctx, grad_out):
        (factor,) = ctx.saved_tensors
        return Mul.apply(grad_out, factor), None


class SigmoidOp(Function):
    """y = 1 / (1 + exp(-x)).  dL/dx = dL/dy * y * (1 - y) (``SigmoidBackward``)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        # expit: stable for large |x|, unlike 1 / (1 + exp(-x)). SciPy has no float16 loop and
        # answers float64 there, so the result is cast back (no copy for float32 / float64).
        y = special.expit(x).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return (SigmoidBackward.apply(grad_out, y),)


class SigmoidBackward(Function):
    """out = g * y * (1 - y), y = sigmoid(x).  dL/dg = SigmoidBackward(dL/dout, y),
    dL/dy = dL/dout * g * (1 - 2 y)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, g, y):
        ctx.save_for_backward(g, y)
        return g * y * (1 - y)

    @staticmethod
    def backward(ctx, grad_out):
        g, y = ctx.saved_tensors
        need_g, need_y = ctx.needs_input_grad
        return (SigmoidBackward.apply(grad_out, y) if need_g else None,
                grad_out * g * (1 - y - y) if need_y else None)


class TanhOp(Function):
    """y = tanh(x).  dL/dx = dL/dy * (1 - y**2) (``TanhBackward``)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return (TanhBackward.apply(grad_out, y),)


class TanhBackward(Function):
    """out = g * (1 - y**2), y = tanh(x).  dL/dg = TanhBackward(dL/dout, y),
    dL/dy = -2 dL/dout * g * y."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, g, y):
        ctx.save_for_backward(g, y)
        return g * (1 - y * y)

    @staticmethod
    def backward(ctx, grad_out):
        g, y = ctx.saved_tensors
        need_g, need_y = ctx.needs_input_grad
        return (TanhBackward.apply(grad_out, y) if need_g else None,
                grad_out * g * y * -2 if need_y else None)


def _gelu_inner(x):
    """beta (x + kappa x**3), the argument of tanh in the tanh-approximate GELU (arrays or
    Tensors alike)."""
    return (x + x * x * x * _KAPPA) * _SQRT_2_OVER_PI


class GELUOp(Function):
    """y = x Phi(x) (exact, Phi the normal CDF) or 0.5 x (1 + tanh(beta (x + kappa x**3)))
    (approximate="tanh").  dL/dx = dL/dy * gelu'(x) (``GELUBackward``)."""

    __slots__ = ("approximate",)

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.approximate = approximate
        if approximate == "tanh":
            cached = np.tanh(_gelu_inner(x))
            y = x * (cached + 1) * 0.5
        else:
            cached = special.ndtr(x).astype(x.dtype, copy=False)  # float16: as in SigmoidOp
            y = x * cached
        # Phi(x) or the tanh is a speed cache for the backward (Phi costs far more than the
        # rest of it); its derivative reaches x through the formulas of GELUBackward.
        ctx.save_for_backward(x, cached)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        x, cached = ctx.saved_tensors
        return GELUBackward.apply(grad_out, x, cached, ctx.approximate), None


class GELUBackward(Function):
    """out = g * gelu'(x): Phi(x) + x phi(x) exact; 0.5 (1 + t) + 0.5 x (1 - t**2) h with
    t = tanh(beta (x + kappa x**3)), h = beta (1 + 3 kappa x**2) for "tanh" (``cached`` is
    Phi(x) or t, from the forward).  dL/dg = GELUBackward(dL/dout, x),
    dL/dx = dL/dout * g * gelu''(x): phi(x) (2 - x**2) exact; (1 - t**2) (h - x t h**2 +
    3 kappa beta x**2) for "tanh" (PyTorch's formulas)."""

    __slots__ = ("approximate",)

    @staticmethod
    def forward(ctx, g, x, cached, approximate):
        ctx.approximate = approximate
        ctx.save_for_backward(g, x, cached)
        if approximate == "tanh":
            h = (x * x * (3 * _KAPPA) + 1) * _SQRT_2_OVER_PI
            return g * ((cached + 1) * 0.5 + x * (1 - cached * cached) * h * 0.5)
        return g * (cached + x * np.exp(x * x * -0.5) * _INV_SQRT_2PI)

    @staticmethod
    def backward(ctx, grad_out):
        g, x, cached = ctx.saved_tensors
        need_g, need_x = ctx.needs_input_grad[:2]
        grad_g = GELUBackward.apply(grad_out, x, cached, ctx.approximate) if need_g else None
        grad_x = None
        if need_x:
            x2 = x * x
            if ctx.approximate == "tanh":
                t = TanhOp.apply(_gelu_inner(x))  # not the cached t: its derivative is needed
                h = (x2 * (3 * _KAPPA) + 1) * _SQRT_2_OVER_PI
                second = (1 - t * t) * (h - x * t * h * h + x2 * (3 * _KAPPA * _SQRT_2_OVER_PI))
            else:
                second = (x2 * -0.5).exp() * _INV_SQRT_2PI * (2 - x2)
            grad_x = grad_out * g * second
        return grad_g, grad_x, None, None


class SoftmaxOp(Function):
    """y = exp(x - max) / sum(exp(x - max)).  dL/dx = y * (dL/dy - sum(dL/dy * y))
    (``SoftmaxBackward``)."""

    __slots__ = ("dim",)

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        # Shifting by the max avoids overflow; initial=-inf lets an empty dim through (NumPy
        # has no max of nothing), as PyTorch returns an empty softmax.
        e = np.exp(x - x.max(axis=dim, keepdims=True, initial=-np.inf))
        y = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return SoftmaxBackward.apply(grad_out, y, ctx.dim), None


class SoftmaxBackward(Function):
    """out = y * (g - sum(g * y)) along ``dim``, y = softmax(x): g times the Jacobian
    diag(y) - y y^T, which is symmetric.  dL/dg = SoftmaxBackward(dL/dout, y),
    dL/dy = dL/dout * (g - sum(g * y)) - g * sum(dL/dout * y)."""

    __slots__ = ("dim",)

    @staticmethod
    def forward(ctx, g, y, dim):
        ctx.dim = dim
        ctx.save_for_backward(g, y)
        out = g * y
        out -= y * out.sum(axis=dim, keepdims=True)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        g, y = ctx.saved_tensors
        need_g, need_y = ctx.needs_input_grad[:2]
        grad_g = SoftmaxBackward.apply(grad_out, y, ctx.dim) if need_g else None
        grad_y = None
        if need_y:
            centered = g - (g * y).sum(dim=ctx.dim, keepdim=True)
            grad_y = grad_out * centered - g * (grad_out * y).sum(dim=ctx.dim, keepdim=True)
        return grad_g, grad_y, None


class LogSoftmaxOp(Function):
    """y = x - logsumexp(x).  dL/dx = dL/dy - softmax(x) * sum(dL/dy) (``LogSoftmaxBackward``)."""

    __slots__ = ("dim",)

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.size == 0:  # nothing to normalise (NumPy has no max of nothing)
            y = x.copy()
        else:
            shifted = x - x.max(axis=dim, keepdims=True)
            y = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return LogSoftmaxBackward.apply(grad_out, y, ctx.dim), None


class LogSoftmaxBackward(Function):
    """out = g - exp(y) * sum(g) along ``dim``, y = log_softmax(x).
    dL/dg = dL/dout - sum(dL/dout * exp(y)), dL/dy = -dL/dout * exp(y) * sum(g)."""

    __slots__ = ("dim",)

    @staticmethod
    def forward(ctx, g, y, dim):
        ctx.dim = dim
        ctx.save_for_backward(g, y)
        return g - np.exp(y) * g.sum(axis=dim, keepdims=True)

    @staticmethod
    def backward(ctx, grad_out):
        g, y = ctx.saved_tensors
        need_g, need_y = ctx.needs_input_grad[:2]
        p = y.exp()
        grad_g = grad_out - (grad_out * p).sum(dim=ctx.dim, keepdim=True) if need_g else None
        grad_y = -grad_out * p * g.sum(dim=ctx.dim, keepdim=True) if need_y else None
        return grad_g, grad_y, None


def relu(x: Tensor) -> Tensor:
    """max(x, 0) elementwise; the gradient at 0 is 0, as in PyTorch.

    Shape: any; the output has the shape and dtype of ``x``.
    """
    return ReLUOp.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x.

    Args:  x: input.  negative_slope: the slope for negative inputs.
    Shape: any; the output has the shape and dtype of ``x`` (integers give the default float).
    """
    return LeakyReLUOp.apply(as_floating(x), negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) elementwise, without overflow for large |x|.

    Shape: any; the output has the shape and dtype of ``x`` (integers give the default float).
    """
    return SigmoidOp.apply(as_floating(x))


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise.

    Shape: any; the output has the shape and dtype of ``x`` (integers give the default float).
    """
    return TanhOp.apply(as_floating(x))


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit x * Phi(x), Phi the standard normal CDF.

    Args:  x: input.  approximate: "none" (PyTorch's default, the exact erf form) or "tanh"
        (0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x**3))), PyTorch's approximation).
    Shape: any; the output has the shape and dtype of ``x`` (integers give the default float).
    Raises: ValueError for any other ``approximate``.
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELUOp.apply(as_floating(x), approximate)


def _cast_first(op: str, input: Tensor, dtype) -> Tensor:
    """``input`` in ``dtype`` (PyTorch's ``dtype=`` argument: cast before the op, e.g. float32
    logits to a float64 softmax), else made floating."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if dtype is None:
        return as_floating(input)
    if dtypes.as_dtype(dtype).kind != "f":
        raise TypeError(f"{op}: dtype must be a floating dtype, got {dtype} (input of shape "
                        f"{input.shape})")
    return cast(input, dtype)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``: every slice along ``dim`` sums to 1. Shifted by the
    maximum, so large logits do not overflow; -inf logits get probability 0.

    Args:  input: logits.  dim: the axis to normalise (negative counts from the end).
        dtype: if given, ``input`` is cast to this floating dtype first (the gradient is cast
        back), as in PyTorch.
    Shape: any; the output has the shape of ``input`` and its dtype, or ``dtype``.
    Raises: IndexError when ``dim`` is out of range; TypeError for a non-floating ``dtype``.

    Examples: ``nx.softmax(logits, dim=-1)``, ``x.softmax(1, dtype=nx.float64)``.
    """
    x = _cast_first("softmax", input, dtype)
    return SoftmaxOp.apply(x, normalize_dim("softmax", dim, x.ndim))


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed as x - logsumexp(x) so it never takes log(0).

    Args:  input: logits.  dim: the axis to normalise (negative counts from the end).
        dtype: if given, ``input`` is cast to this floating dtype first, as in PyTorch.
    Shape: any; the output has the shape of ``input`` and its dtype, or ``dtype``.
    Raises: IndexError when ``dim`` is out of range; TypeError for a non-floating ``dtype``.

    Examples: ``nx.log_softmax(logits, dim=-1)``.
    """
    x = _cast_first("log_softmax", input, dtype)
    return LogSoftmaxOp.apply(x, normalize_dim("log_softmax", dim, x.ndim))
