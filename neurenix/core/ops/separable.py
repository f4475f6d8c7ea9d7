"""Separable linear resampling out = Ah @ x @ Aw^T: the op behind (bi)linear and bicubic
interpolation, area interpolation and adaptive average pooling.

An (N, C, H, W) input is resized by small matrices Ah (OH, H) and Aw (OW, W) built by the
caller (interpolation weights, or averages over PyTorch's adaptive bins). The map is linear in
x, and its adjoint is the same op with the transposed matrices, Ah^T @ dL/dout @ Aw, whose own
backward is the forward resize again: gradients are differentiable to any order. Two BLAS
matrix products beat gathering the taps and scattering them back with np.add.at by 5-12x.
"""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor


def _resize_last(x: np.ndarray, A: np.ndarray) -> np.ndarray:
    """x (..., n) @ A^T (n, m): one GEMM over every row of x."""
    return (x.reshape(-1, x.shape[-1]) @ A.T).reshape(x.shape[:-1] + (A.shape[0],))


def _product(x: np.ndarray, Ah: np.ndarray, Aw: np.ndarray) -> np.ndarray:
    """Ah @ x @ Aw^T over the last two axes of (N, C, H, W), in the cheaper order.

    Each axis is resized by ONE tall GEMM, the other axis moved out of the way by a transposed
    copy. Resizing H as N*C small products (np.matmul(Ah, x)) is faster on an idle machine,
    but each of those calls synchronises OpenBLAS's threads, and on shared cores the hundreds
    of calls measured tens of times slower."""
    H, W = x.shape[2:]
    OH, OW = Ah.shape[0], Aw.shape[0]
    if H * OW * (W + OH) <= OH * W * (H + OW):  # resize W first
        y = _resize_last(x, Aw).swapaxes(2, 3)  # (N, C, OW, H)
        return np.ascontiguousarray(_resize_last(np.ascontiguousarray(y), Ah).swapaxes(2, 3))
    y = _resize_last(np.ascontiguousarray(x.swapaxes(2, 3)), Ah)  # (N, C, W, OH)
    return _resize_last(np.ascontiguousarray(y.swapaxes(2, 3)), Aw)


class SeparableResize(Function):
    """out = Ah @ x @ Aw^T.  dL/dx = Ah^T @ dL/dout @ Aw: the same op with the transposed
    matrices, so the backward of the backward is this resize again."""

    __slots__ = ("Ah", "Aw")

    @staticmethod
    def forward(ctx, x, Ah, Aw):
        ctx.Ah, ctx.Aw = Ah, Aw  # constants: the gradient flows through x alone
        return _product(x, Ah, Aw)

    @staticmethod
    def backward(ctx, grad_out):
        return SeparableResize.apply(grad_out, ctx.Ah.T, ctx.Aw.T), None, None


def separable_resize(x: Tensor, Ah: np.ndarray, Aw: np.ndarray) -> Tensor:
    """``Ah @ x @ Aw^T`` for x (N, C, H, W), Ah (OH, H), Aw (OW, W) of x's dtype: any separable
    linear resampling (interpolation, adaptive average pooling)."""
    return SeparableResize.apply(x, Ah, Aw)
