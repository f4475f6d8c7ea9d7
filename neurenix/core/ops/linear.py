"""The affine map of a fully connected layer, as one op: out = x @ weight.T + bias."""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor


class Linear(Function):
    """out = x @ w.T + b.  dL/dx = dL/dout @ w, dL/dw = dL/dout^T @ x, dL/db = dL/dout summed
    over every axis but the last."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        # Leading axes are folded into one, so the product is a single 2-D BLAS call. (Their
        # count is spelled out: reshape(-1, 0) is ambiguous for Linear(0, n).)
        rows = int(np.prod(x.shape[:-1]))
        out = np.matmul(x.reshape(rows, x.shape[-1]), w.T).reshape(x.shape[:-1] + (w.shape[0],))
        if b is not None:
            out += b
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        rows = int(np.prod(x.shape[:-1]))
        g = grad_out.reshape(rows, w.shape[0])
        grad_x = (g @ w).reshape(x.shape) if need_x else None
        grad_w = g.T @ x.reshape(rows, w.shape[1]) if need_w else None
        grad_b = g.sum(axis=0) if need_b else None
        return grad_x, grad_w, grad_b


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
    return Linear.apply(input, weight, bias)
