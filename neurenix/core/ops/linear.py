"""The affine map of a fully connected layer, as one op: out = x @ weight.T + bias.

Its backward is made of products again: the input gradient g @ w is ``LinearInputGrad``, the
weight gradient g^T @ x is ``LinearWeightGrad``, the bias gradient a sum. The backward of each
of the three products is made of the other two, so every derivative, of any order, is one of
them.
"""
import math

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .reduce import Sum


def _rows(a: np.ndarray) -> np.ndarray:
    """(*, n) as a matrix (rows, n): the leading axes folded into one, so that a product is a
    single 2-D BLAS call. (The row count is spelled out: reshape(-1, 0) is ambiguous for
    Linear(0, n).)"""
    return a.reshape(math.prod(a.shape[:-1]), a.shape[-1])


class LinearOp(Function):
    """out = x @ w.T + b.  dL/dx = LinearInputGrad(dL/dout, w), dL/dw = LinearWeightGrad(dL/dout,
    x), dL/db = dL/dout summed over every axis but the last."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        out = np.matmul(_rows(x), w.T).reshape(x.shape[:-1] + (w.shape[0],))
        if b is not None:
            out += b
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        return (LinearInputGrad.apply(grad_out, w) if need_x else None,
                LinearWeightGrad.apply(grad_out, x) if need_w else None,
                Sum.apply(grad_out, tuple(range(grad_out.ndim - 1)), False) if need_b else None)


class LinearInputGrad(Function):
    """out = g @ w for g (*, out) and w (out, in): the input gradient of ``LinearOp``.
    dL/dg = LinearOp(dL/dout, w), dL/dw = LinearWeightGrad(g, dL/dout)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, g, w):
        ctx.save_for_backward(g, w)
        return np.matmul(_rows(g), w).reshape(g.shape[:-1] + (w.shape[1],))

    @staticmethod
    def backward(ctx, grad_out):
        g, w = ctx.saved_tensors
        need_g, need_w = ctx.needs_input_grad
        return (LinearOp.apply(grad_out, w, None) if need_g else None,
                LinearWeightGrad.apply(g, grad_out) if need_w else None)


class LinearWeightGrad(Function):
    """out = g^T @ x summed over the rows (every leading axis) of g (*, out) and x (*, in): the
    weight gradient of ``LinearOp``.  dL/dg = LinearOp(x, dL/dout),
    dL/dx = LinearInputGrad(g, dL/dout)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, g, x):
        ctx.save_for_backward(g, x)
        return np.matmul(_rows(g).T, _rows(x))

    @staticmethod
    def backward(ctx, grad_out):
        g, x = ctx.saved_tensors
        need_g, need_x = ctx.needs_input_grad
        return (LinearOp.apply(x, grad_out, None) if need_g else None,
                LinearInputGrad.apply(g, grad_out) if need_x else None)


def linear(input: Tensor, weight: Tensor, bias: Tensor = None) -> Tensor:
    """y = input @ weight.T + bias.

    Args:
        input: (*, in_features).  weight: (out_features, in_features).  bias: (out_features,)
            or None.
    Shape: (*, in_features) -> (*, out_features).
    Raises: ValueError naming the shapes when they do not fit; TypeError when the dtypes
        differ (convert the input, or the module with ``.to(dtype)``).
    """
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), "
                         f"got shape {weight.shape}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input (shape {input.shape}) must end in in_features = "
                         f"{weight.shape[1]} of weight {weight.shape}")
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(f"linear: bias shape {bias.shape} does not match weight "
                         f"{weight.shape}; expected ({weight.shape[0]},)")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != input.dtype:
            raise TypeError(f"linear: input dtype {input.dtype} differs from {name} dtype "
                            f"{t.dtype}; convert the input (x.to({t.dtype})) or the module "
                            f"(module.to({input.dtype}))")
    return LinearOp.apply(input, weight, bias)
