"""Piecewise-constant elementwise ops: sign, floor, ceil, round, trunc, and division rounded
toward zero or down (``div(rounding_mode=)``).

Their derivative is zero wherever it exists, and PyTorch gives zero everywhere (also at the
jumps), so each backward returns zeros: the outputs still require grad and carry a node, so a
loss built on them backpropagates zeros rather than failing. Integer tensors keep their dtype
(floor of an integer is itself); bool tensors are refused where PyTorch refuses them.
"""
import numpy as np

from .._shapes import broadcast_shapes
from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import _operands, promote


class PiecewiseConstant(Function):
    """y = f(x) for an f that is constant between jumps.  dL/dx = 0 (PyTorch's rule, also at
    the jumps); each op below supplies its forward."""

    __slots__ = ()

    @staticmethod
    def backward(ctx, grad_out):
        # zeros of each tensor input's shape and dtype; the engine skips the None entries
        zero = Tensor._wrap(np.zeros(ctx.out_meta[0], grad_out.dtype))
        return tuple(zero if need else None for need in ctx.needs_input_grad)


class Sign(PiecewiseConstant):
    """y = -1, 0 or 1 by the sign of x (0 for nan, as PyTorch).  dL/dx = 0."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        # (x > 0) - (x < 0) in x's dtype: nan compares false both ways, so it gives 0
        return np.subtract(x > 0, x < 0, dtype=x.dtype)


class Floor(PiecewiseConstant):
    """y = floor(x).  dL/dx = 0."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        return np.floor(x)


class Ceil(PiecewiseConstant):
    """y = ceil(x).  dL/dx = 0."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        return np.ceil(x)


class Trunc(PiecewiseConstant):
    """y = x rounded toward zero.  dL/dx = 0."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        return np.trunc(x)


class Round(PiecewiseConstant):
    """y = x rounded to ``decimals`` places, halves to even.  dL/dx = 0."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, decimals):
        return np.round(x, decimals)


class RoundedDiv(PiecewiseConstant):
    """out = x / y rounded toward zero (``mode`` "trunc") or down ("floor").  dL/dx = dL/dy = 0
    (the gradient shapes are x's and y's: see ``backward``)."""

    __slots__ = ("shapes",)

    @staticmethod
    def forward(ctx, x, y, mode):
        ctx.shapes = (np.shape(x), np.shape(y))
        if np.asarray(x).dtype.kind != "f":
            if np.any(np.asarray(y) == 0):
                raise RuntimeError(f"div: integer division by zero (rounding_mode={mode!r}): "
                                   f"other of shape {np.shape(y)} holds a 0")
            out = np.floor_divide(x, y)
            if mode == "trunc":  # floor is one below trunc where the division is inexact and
                out += (np.remainder(x, y) != 0) & ((x < 0) != (y < 0))  # the signs differ
            return out
        # "floor" is Python's float //, as PyTorch (1.0 // 0.1 is 9.0, floor(1.0 / 0.1) 10.0)
        return np.floor_divide(x, y) if mode == "floor" else np.trunc(np.true_divide(x, y))

    @staticmethod
    def backward(ctx, grad_out):
        return tuple(Tensor._wrap(np.zeros(shape, grad_out.dtype)) if need else None
                     for shape, need in zip(ctx.shapes + ((),), ctx.needs_input_grad))


def _no_bool(op: str, x: Tensor) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if x.data.dtype == np.bool_:
        raise TypeError(f"{op}: not implemented for bool tensors (shape {x.shape}), as in "
                        "PyTorch; convert with .int() or .float() first")


def _step(op: str, function, x: Tensor) -> Tensor:
    """``function`` on a floating ``x``; an integer ``x`` is already whole, so a copy of it."""
    _no_bool(op, x)
    if x.data.dtype.kind != "f":
        return Tensor._wrap(x.data.copy())
    return function.apply(x)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 elementwise by the sign of ``input`` (0 for nan, as PyTorch); zero gradient.

    Shape: (*) -> (*).  dtype: that of ``input`` (bool stays bool).

    Examples: ``nx.sign(nx.tensor([-2.0, 0.0, 3.0]))`` is ``tensor([-1., 0., 1.])``.
    """
    if input.data.dtype == np.bool_:
        return Tensor._wrap(input.data.copy())
    return Sign.apply(input)


def floor(input: Tensor) -> Tensor:
    """The largest integer <= each element; zero gradient.

    Shape: (*) -> (*).  dtype: that of ``input`` (an integer tensor is returned as a copy).
    Raises: TypeError for a bool tensor, as PyTorch.

    Examples: ``nx.floor(nx.tensor([-0.5, 1.5]))`` is ``tensor([-1., 1.])``.
    """
    return _step("floor", Floor, input)


def ceil(input: Tensor) -> Tensor:
    """The smallest integer >= each element; zero gradient.

    Shape: (*) -> (*).  dtype: that of ``input``.
    Raises: TypeError for a bool tensor.

    Examples: ``nx.ceil(nx.tensor([-0.5, 1.5]))`` is ``tensor([-0., 2.])``.
    """
    return _step("ceil", Ceil, input)


def trunc(input: Tensor) -> Tensor:
    """Each element rounded toward zero; zero gradient.

    Shape: (*) -> (*).  dtype: that of ``input``.
    Raises: TypeError for a bool tensor.

    Examples: ``nx.trunc(nx.tensor([-1.5, 1.5]))`` is ``tensor([-1., 1.])``.
    """
    return _step("trunc", Trunc, input)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Each element rounded to ``decimals`` decimal places, halves to even (as PyTorch and
    NumPy: 0.5 -> 0, 1.5 -> 2); zero gradient.

    Args:  input: a tensor.  decimals: places after the point (negative: before it).
    Shape: (*) -> (*).  dtype: that of ``input``.
    Raises: TypeError for a bool tensor, or decimals != 0 with an integer one (as PyTorch).

    Examples: ``nx.round(nx.tensor([0.5, 1.5, 1.2345]))`` is ``tensor([0., 2., 1.])``;
        ``nx.round(x, decimals=2)``.
    """
    _no_bool("round", input)
    if isinstance(decimals, bool) or not isinstance(decimals, (int, np.integer)):
        raise TypeError(f"round: decimals must be an int, got {decimals!r}")
    if input.data.dtype.kind != "f":
        if decimals != 0:
            raise TypeError(f"round: decimals={decimals} needs a floating tensor, got dtype "
                            f"{input.dtype}")
        return Tensor._wrap(input.data.copy())
    return Round.apply(input, int(decimals))


def rounded_div(input, other, rounding_mode: str) -> Tensor:
    """``div(input, other, rounding_mode=...)`` for "trunc" and "floor"; see ``nx.div``.

    Integer tensors give integers (Python's ``//`` for "floor"), floats floats; a float number
    with an integer tensor gives the default float, as PyTorch.
    """
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                         f"{rounding_mode!r}")
    x, y = promote("div", *_operands(input, other))
    for v in (x, y):
        if isinstance(v, Tensor) and v.data.dtype == np.bool_:
            raise TypeError(f"div: rounding_mode={rounding_mode!r} is not implemented for bool "
                            f"tensors (shape {v.shape}), as in PyTorch")
    a, b = (v.data if isinstance(v, Tensor) else v for v in (x, y))
    broadcast_shapes("div", np.shape(a), np.shape(b))
    return RoundedDiv.apply(x, y, rounding_mode)
