"""Elementwise unary math: exp, log, sqrt, abs, clamp. Same shape and dtype as the input."""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import as_floating


class Exp(Function):
    """y = exp(x).  dL/dx = dL/dy * y, so the output is saved, not the input."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return (grad_out * y,)


class Log(Function):
    """y = log(x).  dL/dx = dL/dy / x."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (grad_out / x,)


class Sqrt(Function):
    """y = sqrt(x).  dL/dx = dL/dy / (2 y)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return (grad_out / (y + y),)


class Abs(Function):
    """y = |x|.  dL/dx = dL/dy * sign(x) (0 at 0, as PyTorch)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (grad_out * np.sign(x),)


class Clamp(Function):
    """y = min(max(x, lo), hi).  dL/dx = dL/dy where lo <= x <= hi, else 0 (PyTorch's rule)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, lo, hi):
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        ctx.save_for_backward(inside)
        return np.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_out):
        (inside,) = ctx.saved_tensors
        return grad_out * inside, None, None


def exp(x: Tensor) -> Tensor:
    """Elementwise e**x.  Shape and dtype: those of ``x`` (integers give the default float)."""
    return Exp.apply(as_floating(x))


def log(x: Tensor) -> Tensor:
    """Elementwise natural logarithm (-inf at 0, nan below).  Shape and dtype: those of ``x``
    (integers give the default float)."""
    return Log.apply(as_floating(x))


def sqrt(x: Tensor) -> Tensor:
    """Elementwise square root (nan below 0).  Shape and dtype: those of ``x`` (integers give
    the default float)."""
    return Sqrt.apply(as_floating(x))


def abs(x: Tensor) -> Tensor:
    """Elementwise absolute value; the gradient at 0 is 0, as in PyTorch.
    Shape and dtype: those of ``x``."""
    return Abs.apply(x)


def clamp(x: Tensor, min=None, max=None) -> Tensor:
    """Elementwise clamp of ``x`` into [min, max]; the gradient passes where min <= x <= max.

    Args:  x: input.  min, max: numbers, either of them None for no bound.
    Shape and dtype: those of ``x``; an integer ``x`` with a float bound gives the default float,
        as in PyTorch (casting the bound to x's dtype would clamp to a different number).
    Raises: ValueError when both bounds are None.
    """
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if any(np.asarray(b).dtype.kind == "f" for b in (min, max) if b is not None):
        x = as_floating(x)
    lo = None if min is None else np.asarray(min, dtype=x.dtype)
    hi = None if max is None else np.asarray(max, dtype=x.dtype)
    return Clamp.apply(x, lo, hi)
