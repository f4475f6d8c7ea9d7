"""Activations and the (log-)softmax: numerically stable, same shape and dtype as the input."""
import numpy as np
from scipy import special

from .._shapes import normalize_dim
from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import as_floating


class ReLU(Function):
    """y = max(x, 0).  dL/dx = dL/dy where x > 0 (0 at the kink, as PyTorch)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return (grad_out * (y > 0),)


class LeakyReLU(Function):
    """y = x if x > 0 else slope * x.  dL/dx = dL/dy * (1 or slope)."""

    __slots__ = ("slope",)

    @staticmethod
    def forward(ctx, x, slope):
        ctx.slope = x.dtype.type(slope)
        positive = x > 0
        ctx.save_for_backward(positive)
        return np.where(positive, x, x * ctx.slope)

    @staticmethod
    def backward(ctx, grad_out):
        (positive,) = ctx.saved_tensors
        return np.where(positive, grad_out, grad_out * ctx.slope), None


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)).  dL/dx = dL/dy * y * (1 - y)."""

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
        return (grad_out * y * (1 - y),)


class Tanh(Function):
    """y = tanh(x).  dL/dx = dL/dy * (1 - y**2)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return (grad_out * (1 - y * y),)


class GELU(Function):
    """y = x * Phi(x) (exact, erf form).  dL/dx = dL/dy * (Phi(x) + x * phi(x))."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        cdf = special.ndtr(x).astype(x.dtype, copy=False)  # float16: as in Sigmoid
        ctx.save_for_backward(x, cdf)
        return x * cdf

    @staticmethod
    def backward(ctx, grad_out):
        x, cdf = ctx.saved_tensors
        pdf = np.exp(x * x * x.dtype.type(-0.5)) * x.dtype.type(1 / np.sqrt(2 * np.pi))
        return (grad_out * (cdf + x * pdf),)


class Softmax(Function):
    """y = exp(x - max) / sum(exp(x - max)).  dL/dx = y * (dL/dy - sum(dL/dy * y))."""

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
        return y * (grad_out - (grad_out * y).sum(axis=ctx.dim, keepdims=True)), None


class LogSoftmax(Function):
    """y = x - logsumexp(x).  dL/dx = dL/dy - softmax(x) * sum(dL/dy)."""

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
        return grad_out - np.exp(y) * grad_out.sum(axis=ctx.dim, keepdims=True), None


def relu(x: Tensor) -> Tensor:
    """max(x, 0) elementwise; the gradient at 0 is 0, as in PyTorch.

    Shape: any; the output has the shape and dtype of ``x``.
    """
    return ReLU.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope * x.

    Args:  x: input.  negative_slope: the slope for negative inputs.
    Shape: any; the output has the shape and dtype of ``x`` (integers give the default float).
    """
    return LeakyReLU.apply(as_floating(x), negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) elementwise, without overflow for large |x|.

    Shape: any; the output has the shape and dtype of ``x`` (integers give the default float).
    """
    return Sigmoid.apply(as_floating(x))


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise.

    Shape: any; the output has the shape and dtype of ``x`` (integers give the default float).
    """
    return Tanh.apply(as_floating(x))


def gelu(x: Tensor) -> Tensor:
    """Gaussian error linear unit x * Phi(x), Phi the standard normal CDF (PyTorch's default,
    the exact erf form).

    Shape: any; the output has the shape and dtype of ``x`` (integers give the default float).
    """
    return GELU.apply(as_floating(x))


def softmax(x: Tensor, dim: int) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``: every slice along ``dim`` sums to 1. Shifted by the
    maximum, so large logits do not overflow; -inf logits get probability 0.

    Args:  x: logits.  dim: the axis to normalise (negative counts from the end).
    Shape: any; the output has the shape and dtype of ``x``.
    Raises: IndexError when ``dim`` is out of range.
    """
    return Softmax.apply(as_floating(x), normalize_dim("softmax", dim, x.ndim))


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """log(softmax(x)) along ``dim``, computed as x - logsumexp(x) so it never takes log(0).

    Args:  x: logits.  dim: the axis to normalise (negative counts from the end).
    Shape: any; the output has the shape and dtype of ``x``.
    Raises: IndexError when ``dim`` is out of range.
    """
    return LogSoftmax.apply(as_floating(x), normalize_dim("log_softmax", dim, x.ndim))
