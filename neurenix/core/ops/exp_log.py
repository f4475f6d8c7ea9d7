"""Exponentials and logarithms beyond exp and log: expm1, log1p, log2, log10, and the error
function erf (the integral of the Gaussian exp(-t**2)).

expm1 and log1p are exact near 0, where exp(x) - 1 and log(1 + x) lose every digit of a small
x to rounding. Each keeps a floating input's shape and dtype; integer and bool tensors give the
default float dtype, as in PyTorch.
"""
import math

import numpy as np
from scipy import special

from ..autograd import Function
from ..tensor import Tensor
from .unary import exp, floating

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Expm1(Function):
    """y = exp(x) - 1.  dL/dx = dL/dy * (y + 1), so the output is saved."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        y = np.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return (grad_out * (y + 1),)


class Log1p(Function):
    """y = log(1 + x).  dL/dx = dL/dy / (1 + x)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (grad_out / (x + 1),)


class Log2(Function):
    """y = log2(x).  dL/dx = dL/dy / (x ln 2)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (grad_out / (x * _LN2),)


class Log10(Function):
    """y = log10(x).  dL/dx = dL/dy / (x ln 10)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log10(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (grad_out / (x * _LN10),)


class Erf(Function):
    """y = erf(x) = 2/sqrt(pi) * integral_0^x exp(-t**2) dt.
    dL/dx = dL/dy * 2/sqrt(pi) * exp(-x**2)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return special.erf(x).astype(x.dtype, copy=False)  # SciPy computes float16 in float32

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (grad_out * (exp(-(x * x)) * _TWO_OVER_SQRT_PI),)


def expm1(input: Tensor) -> Tensor:
    """Elementwise exp(x) - 1, exact for small x (where ``exp(x) - 1`` rounds to 0).

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.expm1(nx.tensor([1e-10], dtype=nx.float64))`` is 1e-10 (``exp`` minus 1
        gives 1.00000008e-10).
    """
    return Expm1.apply(floating("expm1", input))


def log1p(input: Tensor) -> Tensor:
    """Elementwise log(1 + x), exact for small x (-inf at -1, nan below).

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.log1p(nx.tensor([1e-10], dtype=nx.float64))`` is 1e-10.
    """
    return Log1p.apply(floating("log1p", input))


def log2(input: Tensor) -> Tensor:
    """Elementwise base-2 logarithm (-inf at 0, nan below).

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.log2(nx.tensor([8.0]))`` is ``tensor([3.])``.
    """
    return Log2.apply(floating("log2", input))


def log10(input: Tensor) -> Tensor:
    """Elementwise base-10 logarithm (-inf at 0, nan below).

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.log10(nx.tensor([1000.0]))`` is ``tensor([3.])``.
    """
    return Log10.apply(floating("log10", input))


def erf(input: Tensor) -> Tensor:
    """Elementwise error function, 2/sqrt(pi) * integral_0^x exp(-t**2) dt, in (-1, 1).

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.erf(nx.tensor([0.0, 1.0]))`` is ``tensor([0.0000, 0.8427])``.
    """
    return Erf.apply(floating("erf", input))
