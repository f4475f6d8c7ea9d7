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


def _operands(op: str, x, y):
    """``x`` and ``y`` as Tensors or arrays of one dtype, their shapes checked to broadcast."""
    x, y = promote(op, x, y)
    x_shape, y_shape = np.shape(x.data if isinstance(x, Tensor) else x), np.shape(
        y.data if isinstance(y, Tensor) else y)
    if x_shape != y_shape:
        broadcast_shapes(op, x_shape, y_shape)
    return x, y


def promote(op: str, x, y):
    """``x`` and ``y`` as Tensors or arrays of one dtype (at least one of them a Tensor)."""
    if isinstance(x, Tensor) and isinstance(y, Tensor):
        if x.data.dtype != y.data.dtype:
            common = dtypes.result_dtype(x.data.dtype, y.data.dtype)
            x, y = cast(x, common), cast(y, common)
        return x, y
    tensor_first = isinstance(x, Tensor)
    t, other = (x, y) if tensor_first else (y, x)
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected at least one Tensor, got {type(x).__name__} and "
                        f"{type(y).__name__}")
    if isinstance(other, (list, tuple)) or (isinstance(other, np.ndarray) and other.ndim > 0):
        other = Tensor(other)  # array operands promote like tensors
        return promote(op, t, other) if tensor_first else promote(op, other, t)
    if not isinstance(other, (int, float, bool, np.number, np.bool_, np.ndarray)):
        raise TypeError(f"{op}: cannot combine a Tensor with {type(other).__name__}")
    if t.data.dtype.kind != "f" and isinstance(other, (float, np.floating)):
        t = cast(t, dtypes.get_default_dtype())  # int tensor * 2.5 is a float tensor, as in PyTorch
    # A scalar takes the tensor's dtype, so float32 stays float32.
    other = np.asarray(other, dtype=t.data.dtype)
    return (t, other) if tensor_first else (other, t)


class Cast(Function):
    """y = x in another dtype.  dL/dx = dL/dy cast back to x's dtype."""

    __slots__ = ("dtype_in",)

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype_in = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out.astype(ctx.dtype_in), None


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
        return (unbroadcast(grad_out * y, np.shape(x)) if need_x else None,
                unbroadcast(grad_out * x, np.shape(y)) if need_y else None)


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
        return (unbroadcast(grad_x, np.shape(x)) if need_x else None,
                unbroadcast(-grad_x * x / y, np.shape(y)) if need_y else None)


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
        if need_x:
            grad_x = unbroadcast(grad_out * y * np.power(x, y - 1), np.shape(x))
        if need_y:
            with np.errstate(divide="ignore", invalid="ignore"):
                # As PyTorch: where x == 0 and y >= 0 the limit of out * log(x) is 0, not nan.
                d = np.where((x == 0) & (y >= 0), 0, out * np.log(x)).astype(out.dtype)
            grad_y = unbroadcast(grad_out * d, np.shape(y))
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
    (PyTorch's rule for maximum/minimum)."""
    dtype = grad_out.dtype
    share_x = wins(x, y).astype(dtype) + (x == y).astype(dtype) * dtype.type(0.5)
    return (unbroadcast(grad_out * share_x, np.shape(x)),
            unbroadcast(grad_out * (1 - share_x), np.shape(y)))


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
                unbroadcast(np.where(cond, grad_out, zero), ctx.x_shape) if need_x else None,
                unbroadcast(np.where(cond, zero, grad_out), ctx.y_shape) if need_y else None)


def add(x, y) -> Tensor:
    """x + y with broadcasting.  Shape: broadcast of both shapes."""
    return Add.apply(*_operands("add", x, y))


def sub(x, y) -> Tensor:
    """x - y with broadcasting.  Shape: broadcast of both shapes."""
    return Sub.apply(*_operands("sub", x, y))


def mul(x, y) -> Tensor:
    """x * y with broadcasting.  Shape: broadcast of both shapes."""
    return Mul.apply(*_operands("mul", x, y))


def div(x, y) -> Tensor:
    """x / y (true division; integer tensors give the default float dtype)."""
    x, y = _operands("div", x, y)
    for v in (x, y):
        if (v.data.dtype if isinstance(v, Tensor) else v.dtype).kind != "f":
            target = dtypes.get_default_dtype()
            x = cast(x, target) if isinstance(x, Tensor) else x.astype(target)
            y = cast(y, target) if isinstance(y, Tensor) else y.astype(target)
            break
    return Div.apply(x, y)


def pow(x, y) -> Tensor:
    """x ** y elementwise, for a tensor or scalar base and exponent."""
    return Pow.apply(*_operands("pow", x, y))


def neg(x: Tensor) -> Tensor:
    """-x."""
    return Neg.apply(x)


def maximum(x, y) -> Tensor:
    """Elementwise maximum with broadcasting."""
    return Maximum.apply(*_operands("maximum", x, y))


def minimum(x, y) -> Tensor:
    """Elementwise minimum with broadcasting."""
    return Minimum.apply(*_operands("minimum", x, y))


def where(condition, x, y) -> Tensor:
    """Elements of ``x`` where ``condition`` is true, else of ``y`` (all three broadcast).

    Shape: broadcast of the three shapes; the dtype is the common dtype of ``x`` and ``y``.
    """
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be a bool tensor, got dtype {cond.dtype}")
    broadcast_shapes("where", cond.shape, np.shape(x.data if isinstance(x, Tensor) else x),
                     np.shape(y.data if isinstance(y, Tensor) else y))
    return Where.apply(cond, *promote("where", x, y))


_COMPARE = {"lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
            "eq": np.equal, "ne": np.not_equal}


def compare(name: str, x, y) -> Tensor:
    """Elementwise comparison (``lt le gt ge eq ne``) as a bool tensor; records no gradient."""
    x, y = _operands(name, x, y)
    a = x.data if isinstance(x, Tensor) else x
    b = y.data if isinstance(y, Tensor) else y
    return Tensor._wrap(_COMPARE[name](a, b))
