"""Differentiable indexing: ``x[index]`` with NumPy's basic and advanced indexing."""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor


class GetItem(Function):
    """y = x[index].  dL/dx = dL/dy placed back at the indexed places of zeros (``PlaceAt``)."""

    __slots__ = ("index", "x_shape", "advanced")

    @staticmethod
    def forward(ctx, x, index, advanced):
        ctx.index, ctx.x_shape, ctx.advanced = index, x.shape, advanced
        return x[index]

    @staticmethod
    def backward(ctx, grad_out):
        return PlaceAt.apply(grad_out, ctx.index, ctx.advanced, ctx.x_shape), None, None


class PlaceAt(Function):
    """y = zeros(shape) with x added at ``index``: the adjoint of ``x[index]`` (repeated
    indices accumulate, so advanced indexing uses np.add.at; basic indexing can assign).
    dL/dx = dL/dy[index], a ``GetItem``: the two ops are each other's backward."""

    __slots__ = ("index", "advanced")

    @staticmethod
    def forward(ctx, x, index, advanced, shape):
        ctx.index, ctx.advanced = index, advanced
        out = np.zeros(shape, dtype=x.dtype)
        if advanced:
            np.add.at(out, index, x)
        else:
            out[index] = x
        return out

    @staticmethod
    def backward(ctx, grad_out):
        return GetItem.apply(grad_out, ctx.index, ctx.advanced), None, None, None


def _plain(index):
    """Tensors inside ``index`` as arrays; also tells whether an integer array (which may repeat
    a position) is among them."""
    parts = index if isinstance(index, tuple) else (index,)
    # An empty list selects nothing, as in PyTorch; NumPy would make it a float64 array and
    # refuse it as an index.
    parts = tuple(p.data if isinstance(p, Tensor) else
                  np.asarray(p if p else np.empty(0, np.intp)) if isinstance(p, list) else p
                  for p in parts)
    repeats = any(isinstance(p, np.ndarray) and p.dtype.kind in "iu" for p in parts)
    return (parts if isinstance(index, tuple) else parts[0]), repeats


def getitem(x: Tensor, index) -> Tensor:
    """``x[index]`` for ints, slices, None, Ellipsis, bool masks and integer arrays/tensors."""
    index, advanced = _plain(index)
    try:
        return GetItem.apply(x, index, advanced)  # a forward that raises records nothing
    except IndexError as e:
        raise IndexError(f"getitem: index {index!r} does not fit a tensor of shape {x.shape}: "
                         f"{e}") from None
