"""Elementwise unary math: exp, log, sqrt, abs, clamp. Same shape and dtype as the input."""
import numpy as np

from .. import dtypes
from .._shapes import broadcast_shapes, unbroadcast
from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import _array, as_floating, cast, where


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
        ctx.save_for_backward(np.sign(x))  # a constant: |x| is linear on each side of 0
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad_out):
        (sign,) = ctx.saved_tensors
        return (grad_out * sign,)


class Clamp(Function):
    """y = min(max(x, lo), hi), all three broadcast (None for no bound).  The gradient goes to
    x where lo <= x <= hi, to lo where x < lo < hi, to hi where x > hi or hi < lo (then y = hi):
    PyTorch's rule, which gives each element's gradient to exactly one of the three."""

    __slots__ = ("shapes",)

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.shapes = tuple(None if v is None else np.shape(v) for v in (x, lo, hi))
        to_x = np.ones((), bool)
        to_lo = to_hi = None
        if lo is not None:
            to_x = to_x & (x >= lo)
            to_lo = (x < lo) & (lo < hi) if hi is not None else x < lo
        if hi is not None:
            to_x = to_x & (x <= hi)
            to_hi = (x > hi) | (hi < lo) if lo is not None else x > hi
        ctx.save_for_backward(to_x, to_lo, to_hi)  # constants: the op is piecewise linear
        return np.minimum(np.maximum(x, lo), hi) if lo is not None and hi is not None else \
            np.maximum(x, lo) if lo is not None else np.minimum(x, hi)

    @staticmethod
    def backward(ctx, grad_out):
        return tuple(None if mask is None or shape is None or not need else
                     unbroadcast(where(mask, grad_out, 0.0), shape)
                     for mask, shape, need in zip(ctx.saved_tensors, ctx.shapes,
                                                  ctx.needs_input_grad))


def floating(op: str, input) -> Tensor:
    """``input`` checked to be a Tensor (``nx.sin(0.5)`` is a TypeError, as in PyTorch) and made
    floating: integer and bool tensors become the default float dtype (``as_floating``)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    return as_floating(input)


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
    """Elementwise clamp of ``x`` into [min, max], differentiable in all three.

    Args:  x: input.  min, max: numbers or Tensors (broadcast with ``x``), either of them None
        for no bound. Where min > max the result is max, as in PyTorch.
    Shape: the broadcast of the three shapes (that of ``x`` for number bounds).
    dtype: that of ``x``, or the common dtype with tensor bounds; an integer ``x`` with a float
        bound gives the default float, as in PyTorch (casting the bound to x's dtype would clamp
        to a different number).
    Raises: ValueError when both bounds are None, or naming the shapes when they do not
        broadcast.
    """
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    bounds = [b for b in (min, max) if b is not None]
    if any(np.asarray(_array(b)).dtype.kind == "f" for b in bounds):
        x = as_floating(x)
    dtype = x.dtype
    for b in bounds:
        if isinstance(b, Tensor):
            dtype = dtypes.result_dtype(dtype, b.dtype, x.ndim == 0, b.ndim == 0)
    broadcast_shapes("clamp", x.shape, *(np.shape(_array(b)) for b in bounds))
    x = cast(x, dtype)
    lo, hi = (None if b is None else cast(b, dtype) if isinstance(b, Tensor)
              else np.asarray(b, dtype=dtype) for b in (min, max))
    return Clamp.apply(x, lo, hi)
