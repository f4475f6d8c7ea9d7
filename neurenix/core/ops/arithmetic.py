"""Binary arithmetic with NumPy broadcasting, dtype casts, comparisons and ``where``.

Every binary op takes tensors or scalars. A Python or NumPy scalar takes the dtype of the tensor
it meets (so ``x * 2`` stays float32); two tensors of different dtypes are first cast to their
common dtype by the differentiable ``cast``, so each op's backward sees one dtype.
"""
import numpy as np

from .. import dtypes
from .._shapes import broadcast_shapes, unbroadcast
from ..autograd import Function
from ..tensor import Tensor


def _array(v):
    return v.data if isinstance(v, Tensor) else v


def _shape(v) -> tuple:
    """The shape of a Tensor or of a number (``()``) that a backward sums a gradient down to."""
    return v.shape if isinstance(v, Tensor) else np.shape(v)


def promote(op: str, x, y):
    """``x`` and ``y`` ready for a binary op (at least one of them a Tensor).

    Two tensors are cast to their common dtype (a 0-d tensor meeting one with dimensions counts
    as a scalar, as in PyTorch: see ``dtypes.result_dtype``). A Python number is left as it is:
    NumPy gives it the array's dtype, so ``x * 2`` stays float32. A NumPy scalar becomes a 0-d
    array of the tensor's dtype (left alone, ``np.float64(2) * x`` would be float64). A list or
    an array becomes a Tensor. An integer tensor meeting a float becomes the default float
    dtype, as in PyTorch.
    """
    if isinstance(x, Tensor):
        if isinstance(y, Tensor):
            if x.data.dtype != y.data.dtype:
                common = dtypes.result_dtype(x.data.dtype, y.data.dtype, x.ndim == 0,
                                             y.ndim == 0)
                x, y = cast(x, common), cast(y, common)
            return x, y
        return _with_other(op, x, y)
    if isinstance(y, Tensor):
        y, x = _with_other(op, y, x)
        return x, y
    raise TypeError(f"{op}: expected at least one Tensor, got {type(x).__name__} and "
                    f"{type(y).__name__}")


def _with_other(op: str, t: Tensor, other):
    """``t`` and a non-Tensor operand ``other``, in that order, as ``promote`` describes."""
    kind = type(other)
    if kind is int or kind is bool:
        return t, other
    if kind is float:
        return (t if t.data.dtype.kind == "f" else cast(t, dtypes.get_default_dtype())), other
    if isinstance(other, (list, tuple)) or (isinstance(other, np.ndarray) and other.ndim > 0):
        return promote(op, t, Tensor(other))  # arrays promote like tensors
    if not isinstance(other, (np.generic, np.ndarray)) or other.dtype.kind not in "biuf":
        raise TypeError(f"{op}: cannot combine a Tensor with {type(other).__name__}")
    if other.dtype.kind == "f" and t.data.dtype.kind != "f":
        t = cast(t, dtypes.get_default_dtype())
    return t, np.asarray(other, dtype=t.data.dtype)


def _binary(op: str, function, x, y) -> Tensor:
    """``function.apply`` on ``x`` and ``y`` after ``promote``."""
    x, y = promote(op, x, y)
    try:
        return function.apply(x, y)
    except ValueError:
        # Shapes are checked only when NumPy refuses them (checking first costs every op more
        # than the arithmetic on small tensors); then the error names the op and both shapes.
        broadcast_shapes(op, np.shape(_array(x)), np.shape(_array(y)))
        raise


class Cast(Function):
    """y = x in another dtype.  dL/dx = dL/dy cast back to x's dtype."""

    __slots__ = ("dtype_in",)

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype_in = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad_out):
        return cast(grad_out, ctx.dtype_in), None


def cast(x: Tensor, dtype) -> Tensor:
    """``x`` converted to ``dtype``; ``x`` itself when it already has it. Differentiable between
    floating dtypes."""
    dtype = dtypes.as_dtype(dtype)
    if x.data.dtype == dtype:
        return x
    if x.requires_grad and dtype.kind != "f":
        return Tensor._wrap(x.data.astype(dtype))  # to an integer dtype: no gradient flows
    return Cast.apply(x, dtype)


class Add(Function):
    """out = x + y.  dL/dx = dL/dout, dL/dy = dL/dout (each summed back over broadcasting)."""

    __slots__ = ("x_shape", "y_shape")

    @staticmethod
    def forward(ctx, x, y):
        ctx.x_shape, ctx.y_shape = np.shape(x), np.shape(y)
        return np.add(x, y)

    @staticmethod
    def backward(ctx, grad_out):
        need_x, need_y = ctx.needs_input_grad
        return (unbroadcast(grad_out, ctx.x_shape) if need_x else None,
                unbroadcast(grad_out, ctx.y_shape) if need_y else None)


class Sub(Function):
    """out = x - y.  dL/dx = dL/dout, dL/dy = -dL/dout."""

    __slots__ = ("x_shape", "y_shape")

    @staticmethod
    def forward(ctx, x, y):
        ctx.x_shape, ctx.y_shape = np.shape(x), np.shape(y)
        return np.subtract(x, y)

    @staticmethod
    def backward(ctx, grad_out):
        need_x, need_y = ctx.needs_input_grad
        return (unbroadcast(grad_out, ctx.x_shape) if need_x else None,
                unbroadcast(-grad_out, ctx.y_shape) if need_y else None)


class Mul(Function):
    """out = x * y.  dL/dx = dL/dout * y, dL/dy = dL/dout * x."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.multiply(x, y)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        return (unbroadcast(grad_out * y, _shape(x)) if need_x else None,
                unbroadcast(grad_out * x, _shape(y)) if need_y else None)


class Div(Function):
    """out = x / y.  dL/dx = dL/dout / y, dL/dy = -dL/dout * x / y**2."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.true_divide(x, y)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad_out / y
        return (unbroadcast(grad_x, _shape(x)) if need_x else None,
                unbroadcast(-grad_x * x / y, _shape(y)) if need_y else None)


class Pow(Function):
    """out = x ** y.  dL/dx = dL/dout * y * x**(y-1), dL/dy = dL/dout * out * log(x)."""

    @staticmethod
    def forward(ctx, x, y):
        out = np.power(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, y, out = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        grad_x = grad_y = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_x:
                # x**0 is constant: its gradient is 0, also at x = 0 where y * x**(y-1) would be
                # 0 * inf = nan (PyTorch's rule).
                if isinstance(y, Tensor):
                    d = y * x ** (y - 1)
                    if np.count_nonzero(y.data == 0):
                        d = where(y.data == 0, 0.0, d)
                else:
                    d = y * x ** (y - 1) if y != 0 else Tensor._wrap(np.zeros_like(x.data))
                grad_x = unbroadcast(grad_out * d, _shape(x))
            if need_y:
                # As PyTorch: where x == 0 and y >= 0 the limit of out * log(x) is 0, not nan.
                log_x = log(x) if isinstance(x, Tensor) else np.log(x)  # a number: a constant
                limit = (np.asarray(_array(x)) == 0) & (_array(y) >= 0)
                d = out * log_x
                if np.count_nonzero(limit):
                    d = where(limit, 0.0, d)
                grad_y = unbroadcast(grad_out * d, _shape(y))
        return grad_x, grad_y


class Neg(Function):
    """out = -x.  dL/dx = -dL/dout."""

    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, grad_out):
        return (-grad_out,)


class Maximum(Function):
    """out = max(x, y) elementwise.  The gradient goes to the larger input; ties split it."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.maximum(x, y)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        return _split_by(grad_out, x, y, np.greater)


class Minimum(Function):
    """out = min(x, y) elementwise.  The gradient goes to the smaller input; ties split it."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.minimum(x, y)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        return _split_by(grad_out, x, y, np.less)


def _split_by(grad_out, x, y, wins):
    """Route ``grad_out`` to x where ``wins(x, y)``, to y where ``wins(y, x)``, half each on ties
    (PyTorch's rule for maximum/minimum). The shares are constants: the op is piecewise linear."""
    a, b, dtype = _array(x), _array(y), grad_out.dtype
    share_x = wins(a, b).astype(dtype) + (a == b).astype(dtype) * dtype.type(0.5)
    return (unbroadcast(grad_out * Tensor._wrap(share_x), np.shape(a)),
            unbroadcast(grad_out * Tensor._wrap(1 - share_x), np.shape(b)))


class Where(Function):
    """out = x where cond else y.  dL/dx = dL/dout where cond, dL/dy = dL/dout elsewhere."""

    __slots__ = ("x_shape", "y_shape")

    @staticmethod
    def forward(ctx, cond, x, y):
        ctx.save_for_backward(cond)
        ctx.x_shape, ctx.y_shape = np.shape(x), np.shape(y)
        return np.where(cond, x, y)

    @staticmethod
    def backward(ctx, grad_out):
        (cond,) = ctx.saved_tensors
        zero = np.zeros((), grad_out.dtype)
        need_x, need_y = ctx.needs_input_grad[1:]
        return (None,
                unbroadcast(Where.apply(cond, grad_out, zero), ctx.x_shape) if need_x else None,
                unbroadcast(Where.apply(cond, zero, grad_out), ctx.y_shape) if need_y else None)


_NUMBERS = (int, float, np.number, np.bool_)  # bool is an int


def _operands(x, y) -> tuple:
    """``x`` and ``y``, ``x`` made a 0-d tensor when both are numbers: ``nx.add(2.0, 3.0)`` is
    ``tensor(5.)`` (float32) and ``nx.add(2, 3)`` ``tensor(5)``, as PyTorch's add, sub, mul and
    div (its other binary ops refuse two numbers, and so does ``promote``)."""
    return (Tensor(x), y) if isinstance(x, _NUMBERS) and isinstance(y, _NUMBERS) else (x, y)


def _additive(op: str, function, x, y, alpha) -> Tensor:
    """``x + alpha * y`` (``function`` Add) or ``x - alpha * y`` (Sub) for an ``alpha`` other
    than 1, refusing (as PyTorch) a float alpha with integer tensors, whose product would not
    be an integer, and a bool alpha with non-bool ones."""
    x, y = promote(op, *_operands(x, y))
    kind = (x if isinstance(x, Tensor) else y).data.dtype.kind
    if isinstance(alpha, (bool, np.bool_)) and kind != "b":
        raise RuntimeError(f"{op}: a bool alpha is only supported for bool tensors, got "
                           f"alpha={alpha!r}")
    if kind != "f" and isinstance(alpha, (float, np.floating)):
        raise RuntimeError(f"{op}: for integer tensors alpha must not be a floating-point "
                           f"number, got alpha={alpha!r}")
    return _binary(op, function, x, mul(y, alpha) if isinstance(y, Tensor) else y * alpha)


def add(input, other, *, alpha=1) -> Tensor:
    """``input + alpha * other`` elementwise, with broadcasting.

    Args:
        input, other: Tensors or numbers (a Python or NumPy number takes the tensor's dtype;
            two numbers give a 0-d tensor, as in PyTorch).
        alpha: the multiplier of ``other``; an integer for integer tensors.
    Shape: input (*a), other (*b) -> out: the broadcast of a and b.
    Returns: a tensor of the operands' common dtype (see ``dtypes.result_dtype``).
    Raises: ValueError naming both shapes when they do not broadcast.

    Examples: ``nx.add(x, y, alpha=0.5)``; ``nx.add(2.0, 3.0)`` is ``tensor(5.)``.
    """
    if alpha == 1 and type(alpha) is int:
        if not isinstance(input, Tensor):
            input, other = _operands(input, other)
        return _binary("add", Add, input, other)
    return _additive("add", Add, input, other, alpha)


def sub(input, other, *, alpha=1) -> Tensor:
    """``input - alpha * other`` elementwise, with broadcasting; arguments as ``add``.

    Shape: the broadcast of both shapes.
    Raises: TypeError for bool tensors, as PyTorch (invert a mask with ``~``).

    Examples: ``nx.sub(x, y, alpha=2)``, ``x.sub(1)``.
    """
    if ((isinstance(input, Tensor) and input.data.dtype is dtypes.bool_)
            or (isinstance(other, Tensor) and other.data.dtype is dtypes.bool_)):
        raise TypeError(f"sub: subtraction with a bool tensor is not supported (shapes "
                        f"{_shape(input)} and {_shape(other)}); to invert a mask use ~ or "
                        "logical_not()")
    if alpha == 1 and type(alpha) is int:
        if not isinstance(input, Tensor):
            input, other = _operands(input, other)
        return _binary("sub", Sub, input, other)
    return _additive("sub", Sub, input, other, alpha)


def mul(input, other) -> Tensor:
    """``input * other`` elementwise, with broadcasting (two numbers give a 0-d tensor).
    Shape: the broadcast of both shapes.  Examples: ``nx.mul(x, 2)``, ``x.mul(y)``."""
    if not isinstance(input, Tensor):
        input, other = _operands(input, other)
    return _binary("mul", Mul, input, other)


def as_floating(v):
    """An integer or bool tensor in the default float dtype, as PyTorch computes true division,
    exp, softmax... of integers; floating tensors and numbers unchanged."""
    if isinstance(v, Tensor) and v.data.dtype.kind != "f":
        return cast(v, dtypes.get_default_dtype())
    return v


def div(input, other, *, rounding_mode=None) -> Tensor:
    """``input / other`` elementwise, with broadcasting.

    Args:
        input, other: Tensors or numbers (two numbers give a 0-d tensor).
        rounding_mode: None for true division (integer tensors give the default float dtype);
            ``"trunc"`` rounds the quotient toward zero, ``"floor"`` down (Python's ``//``).
            Rounded, integer tensors give integers; the gradient is zero, as in PyTorch.
    Shape: the broadcast of both shapes.
    Raises: ValueError for another rounding_mode; RuntimeError for an integer division by
        zero; ValueError naming both shapes when they do not broadcast.

    Examples: ``nx.div(x, y)``, ``nx.div(nx.tensor([-7, 7]), 2, rounding_mode="floor")`` is
        ``tensor([-4, 3])``.
    """
    if rounding_mode is not None:
        return _rounding.rounded_div(input, other, rounding_mode)
    if not isinstance(input, Tensor):
        input, other = _operands(input, other)
    return _binary("div", Div, as_floating(input), as_floating(other))


def pow(x, y) -> Tensor:
    """x ** y elementwise, for a tensor or number base and exponent.
    Shape: the broadcast of both shapes."""
    return _binary("pow", Pow, x, y)


def neg(x: Tensor) -> Tensor:
    """-x."""
    return Neg.apply(x)


def maximum(x, y) -> Tensor:
    """Elementwise maximum with broadcasting; ties split the gradient."""
    return _binary("maximum", Maximum, x, y)


def minimum(x, y) -> Tensor:
    """Elementwise minimum with broadcasting; ties split the gradient."""
    return _binary("minimum", Minimum, x, y)


def where(condition, x=None, y=None) -> Tensor:
    """Elements of ``x`` where ``condition`` is true, else of ``y`` (all three broadcast).
    With ``condition`` alone, ``nonzero(condition, as_tuple=True)``, as PyTorch.

    Shape: broadcast of the three shapes; the dtype is the common dtype of ``x`` and ``y``.
    """
    if x is None and y is None:
        return _truth.nonzero(condition, as_tuple=True)
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    broadcast_shapes("where", cond.shape, np.shape(_array(x)), np.shape(_array(y)))
    if not isinstance(x, Tensor) and not isinstance(y, Tensor):
        x = Tensor(x)  # where(mask, 1.0, 0.0): numbers alone make a tensor of their own dtype
    return Where.apply(cond, *promote("where", x, y))


_COMPARE = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
            "eq": np.equal, "ne": np.not_equal}


def compare(name: str, x, y) -> Tensor:
    """Elementwise comparison (``lt le gt ge eq ne``) as a bool tensor; records no gradient."""
    x, y = promote(name, x, y)
    a, b = _array(x), _array(y)
    try:
        return Tensor._wrap(np.asarray(_COMPARE[name](a, b)))
    except ValueError:
        broadcast_shapes(name, np.shape(a), np.shape(b))
        raise


from . import rounding as _rounding  # noqa: E402  (builds on this file; div(rounding_mode=))
from .unary import log  # noqa: E402  (unary builds on this file; Pow's backward needs log)
from . import truth as _truth  # noqa: E402  (where(condition) with one argument)
