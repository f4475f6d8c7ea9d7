"""Trigonometric and hyperbolic functions: sin, cos, tan, asin, acos, atan, atan2, sinh, cosh.

Each keeps a floating input's shape and dtype; integer and bool tensors give the default float
dtype, as in PyTorch. Each backward is written with these same ops, so it is differentiable
again (the derivative of sin is cos, whose derivative is -sin).
"""
import numpy as np

from .._shapes import unbroadcast
from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import _binary, _shape, as_floating
from .unary import floating, sqrt


class Sin(Function):
    """y = sin(x).  dL/dx = dL/dy * cos(x)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (grad_out * Cos.apply(x),)


class Cos(Function):
    """y = cos(x).  dL/dx = -dL/dy * sin(x)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (-grad_out * Sin.apply(x),)


class Tan(Function):
    """y = tan(x).  dL/dx = dL/dy * (1 + y**2), so the output is saved."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        y = np.tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return (grad_out * (y * y + 1),)


class Asin(Function):
    """y = asin(x).  dL/dx = dL/dy / sqrt(1 - x**2)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsin(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (grad_out / sqrt(1 - x * x),)


class Acos(Function):
    """y = acos(x).  dL/dx = -dL/dy / sqrt(1 - x**2)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccos(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (-grad_out / sqrt(1 - x * x),)


class Atan(Function):
    """y = atan(x).  dL/dx = dL/dy / (1 + x**2)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (grad_out / (x * x + 1),)


class Atan2(Function):
    """out = atan2(y, x), the angle of the point (x, y).  With r2 = x**2 + y**2:
    dL/dy = dL/dout * x / r2, dL/dx = -dL/dout * y / r2 (each summed back over broadcasting)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return np.arctan2(y, x)

    @staticmethod
    def backward(ctx, grad_out):
        y, x = ctx.saved_tensors
        need_y, need_x = ctx.needs_input_grad
        scale = grad_out / (x * x + y * y)
        return (unbroadcast(scale * x, _shape(y)) if need_y else None,
                unbroadcast(-scale * y, _shape(x)) if need_x else None)


class Sinh(Function):
    """y = sinh(x).  dL/dx = dL/dy * cosh(x)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sinh(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (grad_out * Cosh.apply(x),)


class Cosh(Function):
    """y = cosh(x).  dL/dx = dL/dy * sinh(x)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cosh(x)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (grad_out * Sinh.apply(x),)


def sin(input: Tensor) -> Tensor:
    """Elementwise sine (radians).

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.sin(nx.tensor([0.0, 1.5708]))`` is ``tensor([0., 1.])``.
    """
    return Sin.apply(floating("sin", input))


def cos(input: Tensor) -> Tensor:
    """Elementwise cosine (radians).

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.cos(nx.tensor([0.0]))`` is ``tensor([1.])``.
    """
    return Cos.apply(floating("cos", input))


def tan(input: Tensor) -> Tensor:
    """Elementwise tangent (radians).

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.tan(nx.tensor([0.7854]))`` is ``tensor([1.])``.
    """
    return Tan.apply(floating("tan", input))


def asin(input: Tensor) -> Tensor:
    """Elementwise arcsine, in [-pi/2, pi/2] (nan outside [-1, 1]; the gradient is infinite
    at +-1).

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.asin(nx.tensor([1.0]))`` is ``tensor([1.5708])``.
    """
    return Asin.apply(floating("asin", input))


def acos(input: Tensor) -> Tensor:
    """Elementwise arccosine, in [0, pi] (nan outside [-1, 1]).

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.acos(nx.tensor([1.0]))`` is ``tensor([0.])``.
    """
    return Acos.apply(floating("acos", input))


def atan(input: Tensor) -> Tensor:
    """Elementwise arctangent, in (-pi/2, pi/2).

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.atan(nx.tensor([1.0]))`` is ``tensor([0.7854])``.
    """
    return Atan.apply(floating("atan", input))


def atan2(input, other) -> Tensor:
    """Elementwise angle of the point (other, input), that is atan(input / other) in the
    right quadrant, in [-pi, pi].

    Args:  input: the y coordinates.  other: the x coordinates (a tensor or a number).
    Shape: the broadcast of both shapes.  dtype: their common dtype (integers give the default
        float).
    Raises: ValueError naming both shapes when they do not broadcast.

    Examples: ``nx.atan2(nx.tensor([1.0]), nx.tensor([-1.0]))`` is ``tensor([2.3562])``.
    """
    return _binary("atan2", Atan2, as_floating(input), as_floating(other))


def sinh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic sine.

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.sinh(nx.tensor([0.0]))`` is ``tensor([0.])``.
    """
    return Sinh.apply(floating("sinh", input))


def cosh(input: Tensor) -> Tensor:
    """Elementwise hyperbolic cosine.

    Shape: (*) -> (*).  dtype: that of ``input`` (integers give the default float).

    Examples: ``nx.cosh(nx.tensor([0.0]))`` is ``tensor([1.])``.
    """
    return Cosh.apply(floating("cosh", input))
