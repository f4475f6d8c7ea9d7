"""Matrix product with NumPy's rules: batched, broadcasting over leading axes, 1-D cases."""
import numpy as np

from .._shapes import unbroadcast
from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import promote
from .shape import Permute


class MatMul(Function):
    """out = x @ y.  dL/dx = dL/dout @ y^T, dL/dy = x^T @ dL/dout (summed over broadcast
    batch axes; a 1-D operand is treated as a row / column vector and squeezed back)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return np.matmul(x, y)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        if x.ndim == 2 and y.ndim == 2:  # the common case, without reshaping or checks
            return (MatMul.apply(grad_out, Permute.apply(y, (1, 0))) if need_x else None,
                    MatMul.apply(Permute.apply(x, (1, 0)), grad_out) if need_y else None)
        # A vector is a (1, k) row on the left and a (k, 1) column on the right; grad_out gets
        # back the unit axes that np.matmul squeezed out.
        x2 = x.reshape(1, -1) if x.ndim == 1 else x
        y2 = y.reshape(-1, 1) if y.ndim == 1 else y
        batch = np.broadcast_shapes(x2.shape[:-2], y2.shape[:-2])
        g = grad_out.reshape(batch + (x2.shape[-2], y2.shape[-1]))
        grad_x = grad_y = None
        if need_x:
            grad_x = unbroadcast(MatMul.apply(g, y2.mT), x2.shape).reshape(x.shape)
        if need_y:
            grad_y = unbroadcast(MatMul.apply(x2.mT, g), y2.shape).reshape(y.shape)
        return grad_x, grad_y


def matmul(x, y) -> Tensor:
    """Matrix product ``x @ y`` with np.matmul's rules.

    Shape: (*, n, k) @ (*, k, m) -> (*, n, m), the leading (batch) axes broadcast. A 1-D operand
    is a vector: (k,) @ (*, k, m) -> (*, m) and (*, n, k) @ (k,) -> (*, n); (k,) @ (k,) -> ().
    Raises: ValueError naming both shapes when the inner sizes or the batch axes do not match.
    """
    x, y = promote("matmul", x, y)
    try:
        return MatMul.apply(x, y)
    except ValueError:
        # Checked only when NumPy refuses: the checks would cost more than a small product.
        _explain(np.shape(x.data if isinstance(x, Tensor) else x),
                 np.shape(y.data if isinstance(y, Tensor) else y))
        raise


def _explain(xs: tuple, ys: tuple) -> None:
    """Raise the ValueError that says why np.matmul refused shapes ``xs`` and ``ys``."""
    if len(xs) == 0 or len(ys) == 0:
        raise ValueError(f"matmul: both operands need at least one dimension, got {xs} and {ys}")
    k_x = xs[-1]
    k_y = ys[0] if len(ys) == 1 else ys[-2]
    if k_x != k_y:
        raise ValueError(f"matmul: shapes {xs} and {ys} do not align ({k_x} != {k_y})")
    try:
        np.broadcast_shapes(xs[:-2], ys[:-2])
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of {xs} and {ys} cannot be broadcast") from None


def _check_ndim(op: str, name: str, t, ndim: int) -> None:
    """Refuse a non-Tensor, or a tensor ``t`` without exactly ``ndim`` dimensions."""
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if t.ndim != ndim:
        raise ValueError(f"{op}: {name} must be {ndim}-D, got shape {t.shape}")


def _checked_matmul(op: str, input: Tensor, other: Tensor, name: str, ndims: tuple) -> Tensor:
    """``matmul(input, other)`` once their ranks are ``ndims`` and their sizes fit exactly: the
    strict forms (mm, bmm, mv, dot) neither broadcast nor take another rank, as in PyTorch."""
    _check_ndim(op, "input", input, ndims[0])
    _check_ndim(op, name, other, ndims[1])
    k = other.shape[0] if other.ndim == 1 else other.shape[-2]
    if input.shape[:-2] != other.shape[:-2]:
        why = f"batch sizes {input.shape[0]} != {other.shape[0]}"
    elif input.shape[-1] != k:
        why = f"{input.shape[-1]} != {k}"
    else:
        return matmul(input, other)
    raise ValueError(f"{op}: input {input.shape} and {name} {other.shape} cannot be multiplied "
                     f"({why})")


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """Matrix product of two matrices (no broadcasting, no vectors: see ``matmul``).

    Shape: (n, k) @ (k, m) -> (n, m).
    Returns: a new tensor of the operands' common dtype.
    Raises: ValueError naming both shapes unless both are 2-D with matching inner sizes.
    Examples: ``nx.mm(nx.ones(2, 3), nx.ones(3, 4))`` has shape (2, 4).
    """
    return _checked_matmul("mm", input, mat2, "mat2", (2, 2))


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of two batches of the same size (no broadcasting).

    Shape: (B, n, k) @ (B, k, m) -> (B, n, m).
    Returns: a new tensor of the operands' common dtype.
    Raises: ValueError naming both shapes unless both are 3-D with equal batch sizes and
        matching inner sizes.
    Examples: ``nx.bmm(nx.ones(5, 2, 3), nx.ones(5, 3, 4))`` has shape (5, 2, 4).
    """
    return _checked_matmul("bmm", input, mat2, "mat2", (3, 3))


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Product of a matrix and a vector.

    Shape: (n, m) @ (m,) -> (n,).
    Returns: a new tensor of the operands' common dtype.
    Raises: ValueError naming both shapes unless ``input`` is 2-D, ``vec`` 1-D, sizes matching.
    Examples: ``nx.mv(nx.ones(2, 3), nx.ones(3))`` is ``[3., 3.]``.
    """
    return _checked_matmul("mv", input, vec, "vec", (2, 1))


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """Inner product of two vectors of the same length.

    Shape: (n,), (n,) -> ().
    Returns: a 0-d tensor of the operands' common dtype.
    Raises: ValueError naming both shapes unless both are 1-D of the same length.
    Examples: ``nx.dot(nx.tensor([1., 2.]), nx.tensor([3., 4.]))`` is ``11.``.
    """
    return _checked_matmul("dot", input, tensor, "tensor", (1, 1))


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product of two vectors: out[i, j] = input[i] * vec2[j].

    Shape: (n,), (m,) -> (n, m).
    Returns: a new tensor of the operands' common dtype (a broadcast product, exact).
    Raises: ValueError naming the shape of an operand that is not 1-D.
    Examples: ``nx.outer(nx.ones(2), nx.ones(3))`` has shape (2, 3).
    """
    _check_ndim("outer", "input", input, 1)
    _check_ndim("outer", "vec2", vec2, 1)
    return input.reshape(-1, 1) * vec2
