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
