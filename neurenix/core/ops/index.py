"""Differentiable indexing: ``x[index]`` with NumPy's basic and advanced indexing."""
import numpy as np

from .._shapes import unbroadcast
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


class IndexPut(Function):
    """y = x with ``value`` written at ``index`` (``x[index] = value`` out of place).
    dL/dx = dL/dy with zeros where value was written; dL/dvalue = dL/dy[index], summed back
    over the broadcast of value to the indexed shape."""

    __slots__ = ("index", "advanced", "value_shape")

    @staticmethod
    def forward(ctx, x, value, index, advanced):
        ctx.index, ctx.advanced, ctx.value_shape = index, advanced, np.shape(value)
        out = x.copy()
        out[index] = value
        if ctx.needs_input_grad[0]:
            kept = np.ones(x.shape, x.dtype)
            kept[index] = 0
            ctx.save_for_backward(kept)  # a constant: y is linear in x
        return out

    @staticmethod
    def backward(ctx, grad_out):
        need_x, need_value = ctx.needs_input_grad[:2]
        grad_x = grad_out * ctx.saved_tensors[0] if need_x else None
        grad_value = None
        if need_value:
            grad_value = unbroadcast(GetItem.apply(grad_out, ctx.index, ctx.advanced),
                                     ctx.value_shape)
        return grad_x, grad_value, None, None


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


def index_put(x: Tensor, index, value) -> Tensor:
    """``x`` with ``value`` (a Tensor or number, broadcast to the indexed shape and cast to x's
    dtype) written at ``index``, out of place and differentiable in both: what ``x[index] =
    value`` records when a graph is needed."""
    index, advanced = _plain(index)
    if isinstance(value, Tensor):
        value = value.to(x.dtype)
    else:
        value = np.asarray(value, dtype=x.dtype)
    try:
        return IndexPut.apply(x, value, index, advanced)
    except IndexError as e:
        raise IndexError(f"__setitem__: index {index!r} does not fit a tensor of shape "
                         f"{x.shape}: {e}") from None
    except ValueError:
        raise ValueError(f"__setitem__: value of shape {np.shape(_data(value))} does not "
                         f"broadcast to the indexed shape {np.shape(x.data[index])}") from None


def _data(v):
    return v.data if isinstance(v, Tensor) else v


def getitem(x: Tensor, index) -> Tensor:
    """``x[index]`` for ints, slices, None, Ellipsis, bool masks and integer arrays/tensors."""
    index, advanced = _plain(index)
    try:
        return GetItem.apply(x, index, advanced)  # a forward that raises records nothing
    except IndexError as e:
        raise IndexError(f"getitem: index {index!r} does not fit a tensor of shape {x.shape}: "
                         f"{e}") from None
