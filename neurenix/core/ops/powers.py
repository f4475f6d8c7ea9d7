"""Fixed powers: reciprocal (x**-1), rsqrt (x**-1/2) and square (x**2).

Each is a shorter, faster spelling of ``x ** p`` for one ``p``. reciprocal and rsqrt make
integer and bool tensors floating, as PyTorch; square keeps integers (``square`` of an int64
tensor is int64, of a bool one int64).
"""
import numpy as np

from .. import dtypes
from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import cast, mul
from .unary import floating


class Reciprocal(Function):
    """y = 1 / x.  dL/dx = -dL/dy * y**2, so the output is saved."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        y = np.reciprocal(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return (-grad_out * (y * y),)


class Rsqrt(Function):
    """y = 1 / sqrt(x).  dL/dx = -dL/dy * y**3 / 2, so the output is saved."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        y = np.reciprocal(np.sqrt(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return (grad_out * (y * y * y) * -0.5,)


def reciprocal(input: Tensor) -> Tensor:
    """Elementwise 1 / x (inf at 0).

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.reciprocal(nx.tensor([2.0, 4.0]))`` is ``tensor([0.5000, 0.2500])``.
    """
    return Reciprocal.apply(floating("reciprocal", input))


def rsqrt(input: Tensor) -> Tensor:
    """Elementwise 1 / sqrt(x) (inf at 0, nan below).

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.rsqrt(nx.tensor([4.0]))`` is ``tensor([0.5000])``.
    """
    return Rsqrt.apply(floating("rsqrt", input))


def square(input: Tensor) -> Tensor:
    """Elementwise x * x (the gradient is 2 x).

    Shape: (*) -> (*).  dtype: that of ``input``; bool gives int64, as PyTorch.

    Examples: ``nx.square(nx.tensor([-3, 2]))`` is ``tensor([9, 4])``.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"square: input must be a Tensor, got {type(input).__name__}")
    if input.data.dtype == np.bool_:
        input = cast(input, dtypes.int64)
    return mul(input, input)
