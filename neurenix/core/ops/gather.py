"""Indexing along a dim and by masks: ``gather``, ``take_along_dim``, ``index_select``,
``scatter``, ``scatter_add``, ``masked_fill``, ``masked_select``.

Most are advanced indexing in disguise, so they are written with the indexing pair of
``index.py``: ``gather(x, dim, index)`` is ``x[coords]`` for the full coordinates that
``index`` stands for (a ``GetItem``), and its backward is the scatter-add ``PlaceAt``, whose
backward is a gather again. Only ``scatter`` (a write that overwrites) needs a Function of its
own. Index arguments are integer tensors; a 0-d tensor and a 0-d index act as 1-d of length 1,
as in PyTorch.
"""
import numpy as np

from .._shapes import broadcast_shapes, normalize_dim
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from .arithmetic import cast, where
from .index import GetItem, PlaceAt


def _coords(index: np.ndarray, dim: int) -> tuple:
    """The advanced index that ``index`` along ``dim`` stands for: element (i_0, .., i_n) of
    ``index`` names the input element (i_0, .., index[i_0, .., i_n], .., i_n)."""
    return tuple(index if d == dim else
                 np.arange(n).reshape([-1 if e == d else 1 for e in range(index.ndim)])
                 for d, n in enumerate(index.shape))


def _tensor(op: str, name: str, value) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(value).__name__}")
    return value


def _index_array(op: str, index) -> np.ndarray:
    """``index`` (a Tensor, array or list of integers) as an integer array."""
    array = index.data if isinstance(index, Tensor) else np.asarray(index)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {array.dtype}")
    return array


def _check_range(op: str, index: np.ndarray, n: int, dim, shape, negatives: bool = False):
    """Every entry of ``index`` a position along ``dim`` (of length ``n``) of ``shape``: in
    [0, n), or in [-n, n) where ``negatives`` count from the end."""
    if index.size and (index.min() < (-n if negatives else 0) or index.max() >= n):
        bad = index.min() if index.min() < (-n if negatives else 0) else index.max()
        raise IndexError(f"{op}: index {bad} is out of range for dim {dim} of size {n} "
                         f"(input of shape {shape})")


def _at_least_1d(shape: tuple) -> tuple:
    return shape or (1,)


def _checked(op: str, x: Tensor, dim, index, src_shape=None):
    """(axis, index array) for gather and scatter, after PyTorch's checks: the index has the
    input's number of dimensions, fits inside the input apart from ``dim`` (and inside ``src``
    everywhere), and holds positions in [0, n)."""
    idx = _index_array(op, index)
    axis = normalize_dim(op, dim, x.ndim)
    x_shape, idx_shape = _at_least_1d(x.shape), _at_least_1d(idx.shape)
    if len(idx_shape) != len(x_shape):
        raise RuntimeError(f"{op}: index of shape {idx.shape} must have as many dimensions as "
                           f"the input of shape {x.shape}")
    if any(i > n for d, (i, n) in enumerate(zip(idx_shape, x_shape)) if d != axis):
        raise RuntimeError(f"{op}: index of shape {idx.shape} is larger than the input of shape "
                           f"{x.shape} apart from dim {dim}")
    if src_shape is not None and (len(_at_least_1d(src_shape)) != len(idx_shape) or
                                  any(i > n for i, n in zip(idx_shape, _at_least_1d(src_shape)))):
        raise RuntimeError(f"{op}: index of shape {idx.shape} is larger than src of shape "
                           f"{src_shape} (or has another number of dimensions)")
    _check_range(op, idx, x_shape[axis], dim, x.shape)
    return axis, idx


def _take(x: Tensor, index: np.ndarray, axis: int) -> Tensor:
    """out[i] = x[i with position index[i] along ``axis``], a ``GetItem`` (backward: the
    scatter-add ``PlaceAt``). A 0-d input or index acts as 1-d of length 1."""
    if x.ndim and index.ndim:
        return GetItem.apply(x, _coords(index, axis), True)
    flat = x.reshape(1) if x.ndim == 0 else x
    return GetItem.apply(flat, _coords(index.reshape(-1), 0), True).reshape(index.shape)


def gather(input: Tensor, dim: int, index, *, sparse_grad: bool = False) -> Tensor:
    """``out[i][j][k] = input[index[i][j][k]][j][k]`` for dim 0 (and likewise for other dims).

    Args:
        input: the tensor to read from.
        dim: the axis that ``index`` indexes.
        index: an integer tensor with input's number of dimensions, no larger than input
            apart from ``dim``, and positions in [0, input.shape[dim]).
        sparse_grad: accepted for PyTorch's signature; the gradient is always dense.
    Shape: the index's. The gradient adds dL/dout back at the read places (repeats add up).
    Raises: RuntimeError naming both shapes when they do not fit; IndexError for a position
        out of range.

    Examples: ``nx.tensor([[1, 2], [3, 4]]).gather(1, nx.tensor([[0, 0], [1, 0]]))`` is
        ``tensor([[1, 1], [4, 3]])``.
    """
    x = _tensor("gather", "input", input)
    axis, idx = _checked("gather", x, dim, index)
    return _take(x, idx, axis)


def take_along_dim(input: Tensor, indices, dim=None) -> Tensor:
    """The values of ``input`` at ``indices`` along ``dim``, as NumPy's ``take_along_axis``:
    ``gather`` after broadcasting ``input`` and ``indices`` over every other axis.

    Args:
        input: the tensor to read from.
        indices: an integer tensor; negative positions count from the end.
        dim: the axis; None reads both tensors flattened.
    Shape: the broadcast of input's and indices' shapes except along ``dim``, where it is
        indices'; (indices.numel(),) for ``dim=None``.

    Examples: ``x.take_along_dim(x.argsort(dim=1), dim=1)`` sorts each row of ``x``.
    """
    x = _tensor("take_along_dim", "input", input)
    idx = _index_array("take_along_dim", indices)
    if dim is None:
        x, idx, axis = x.reshape(-1), idx.reshape(-1), 0
    else:
        axis = normalize_dim("take_along_dim", dim, x.ndim)
        if idx.ndim != x.ndim:
            raise RuntimeError(f"take_along_dim: indices of shape {idx.shape} must have as many "
                               f"dimensions as the input of shape {x.shape}")
        if x.ndim:
            other = broadcast_shapes("take_along_dim", x.shape[:axis] + (1,) + x.shape[axis + 1:],
                                     idx.shape[:axis] + (1,) + idx.shape[axis + 1:])
            x = x.expand(*other[:axis], x.shape[axis], *other[axis + 1:])
            idx = np.broadcast_to(idx, other[:axis] + idx.shape[axis:axis + 1] + other[axis + 1:])
    n = _at_least_1d(x.shape)[axis]
    _check_range("take_along_dim", idx, n, dim, input.shape, negatives=True)
    return _take(x, idx % max(n, 1), axis)


def index_select(input: Tensor, dim: int, index) -> Tensor:
    """The slices of ``input`` at the positions ``index`` along ``dim`` (repeats allowed).

    Args:  input: the tensor.  dim: the axis.  index: a 1-d (or 0-d) integer tensor of
        positions in [0, input.shape[dim]).
    Shape: the input's with ``dim`` of length len(index).
    Raises: IndexError for an index of more than one dimension or a position out of range.

    Examples: ``nx.index_select(x, 0, nx.tensor([2, 0]))`` is rows 2 and 0 of ``x``.
    """
    x = _tensor("index_select", "input", input)
    idx = _index_array("index_select", index)
    axis = normalize_dim("index_select", dim, x.ndim)
    if idx.ndim > 1:
        raise IndexError(f"index_select: index must be 0-d or 1-d, got shape {idx.shape}")
    _check_range("index_select", idx, _at_least_1d(x.shape)[axis], dim, x.shape)
    if x.ndim == 0:
        if idx.size != 1:
            raise IndexError(f"index_select: a 0-d input takes one index, got {idx.size}")
        return x.clone()
    return GetItem.apply(x, (slice(None),) * axis + (idx.reshape(-1),), True)


class Scatter(Function):
    """y = x with src written at the ``coords`` (the places of ``written``).  dL/dx = dL/dy where
    nothing was written; dL/dsrc = dL/dy read back at the coords (each src element gets the
    gradient of its place, also when the index repeats a place, as PyTorch)."""

    __slots__ = ("coords", "written")

    @staticmethod
    def forward(ctx, x, src, coords, written):
        ctx.coords, ctx.written = coords, written
        out = x.copy()
        out[coords] = src  # a repeated place keeps the last write, as PyTorch on the CPU
        return out

    @staticmethod
    def backward(ctx, grad_out):
        need_x, need_src = ctx.needs_input_grad[:2]
        return (where(ctx.written, 0.0, grad_out) if need_x else None,
                GetItem.apply(grad_out, ctx.coords, True) if need_src else None, None, None)


def _scatter_parts(op: str, input, dim, index, src):
    """The checked pieces of a scatter, all at least 1-d: (x, axis, coords, src cut to the
    index's shape or None)."""
    x = _tensor(op, "input", input)
    if src is not None:
        _tensor(op, "src", src)
        if src.dtype != x.dtype:
            raise TypeError(f"{op}: src has dtype {src.dtype}, the input {x.dtype}; they must "
                            "be equal")
    axis, idx = _checked(op, x, dim, index, None if src is None else src.shape)
    x, idx = (x.reshape(1) if x.ndim == 0 else x), idx.reshape(_at_least_1d(idx.shape))
    if src is not None:
        src = src.reshape(1) if src.ndim == 0 else src
        if src.shape != idx.shape:  # only the first index.shape elements of src are written
            src = src[tuple(slice(0, n) for n in idx.shape)]
    return x, axis, _coords(idx, axis), src


def scatter_add(input: Tensor, dim: int, index, src: Tensor) -> Tensor:
    """A copy of ``input`` with ``src[i][j][k]`` added at ``[index[i][j][k]][j][k]`` for dim 0
    (and likewise for other dims); repeated positions add up. The adjoint of ``gather``.

    Args:
        input: the tensor added to.
        dim: the axis that ``index`` indexes.
        index: an integer tensor of input's number of dimensions, no larger than ``src``, and
            no larger than input apart from ``dim``.
        src: the values, of input's dtype.
    Shape: the input's. Gradients: dL/dinput = dL/dout, dL/dsrc = dL/dout gathered at index.

    Examples: ``nx.zeros(3).scatter_add(0, nx.tensor([0, 0, 2]), nx.ones(3))`` is
        ``tensor([2., 0., 1.])``.
    """
    x, _, coords, src = _scatter_parts("scatter_add", input, dim, index, src)
    return _add_at(x, coords, src).reshape(input.shape)


def _add_at(x: Tensor, coords: tuple, src: Tensor) -> Tensor:
    """x + (zeros with src added at the coords): the scatter-add ``PlaceAt``, whose backward
    gathers."""
    return x + PlaceAt.apply(src, coords, True, x.shape)


def scatter(input: Tensor, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
    """A copy of ``input`` with ``src[i][j][k]`` written at ``[index[i][j][k]][j][k]`` for dim 0
    (and likewise for other dims), or ``value`` written there.

    Args:
        input: the tensor written to.
        dim: the axis that ``index`` indexes.
        index: an integer tensor of input's number of dimensions, no larger than ``src``, and
            no larger than input apart from ``dim``.
        src: the values, a tensor of input's dtype (or a number, as ``value``).
        value: a number written at every indexed place instead of ``src``.
        reduce: None to overwrite; "add" to add (as ``scatter_add``) or "multiply" to multiply
            (no gradient, as in PyTorch).
    Shape: the input's. Where the index repeats a place the last write is kept; every src
        element written gets the gradient of its place.

    Examples: ``nx.zeros(2, 3).scatter(1, nx.tensor([[2], [0]]), 1.0)`` is
        ``tensor([[0., 0., 1.], [1., 0., 0.]])``.
    """
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src  # scatter(input, dim, index, 1.5): the value form
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor) and value (a number)")
    if reduce not in (None, "add", "multiply"):
        raise ValueError(f"scatter: reduce must be None, 'add' or 'multiply', got {reduce!r}")
    x, axis, coords, src = _scatter_parts("scatter", input, dim, index, src)
    if src is None:
        src = Tensor._wrap(np.full(coords[axis].shape, value, dtype=x.dtype))
    if reduce == "add":
        out = _add_at(x, coords, src)
    elif reduce == "multiply":
        if is_grad_enabled() and (x.requires_grad or src.requires_grad):
            raise RuntimeError("scatter: reduce='multiply' has no gradient (as in PyTorch)")
        out = Tensor._wrap(x.data.copy())
        np.multiply.at(out.data, coords, src.data)
    else:
        written = np.zeros(x.shape, dtype=bool)
        written[coords] = True
        out = Scatter.apply(x, src, coords, written)
    return out.reshape(input.shape)


def _mask_array(op: str, mask) -> np.ndarray:
    array = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if array.dtype != np.bool_:
        raise TypeError(f"{op}: mask must be a bool tensor, got dtype {array.dtype}")
    return array


def masked_fill(input: Tensor, mask, value) -> Tensor:
    """A copy of ``input`` with ``value`` where ``mask`` is True.

    Args:
        input: the tensor.
        mask: a bool tensor broadcastable with input.
        value: a number, or a 0-d tensor (then differentiable too), cast to input's dtype.
    Shape: the broadcast of input's and mask's shapes. Gradients: dL/dinput where the mask is
        False, and to a tensor ``value`` the sum of dL/dout where it is True.

    Examples: ``x.masked_fill(x < 0, 0.0)`` is ``x.relu()``.
    """
    x = _tensor("masked_fill", "input", input)
    array = _mask_array("masked_fill", mask)
    broadcast_shapes("masked_fill", x.shape, array.shape)
    if isinstance(value, Tensor):
        if value.ndim:
            raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got a "
                             f"tensor of shape {value.shape}")
        value = cast(value, x.dtype)
    else:
        value = np.asarray(value).astype(x.dtype)  # 2.7 in an integer tensor is 2, as PyTorch
    return where(array, value, x)


def masked_select(input: Tensor, mask) -> Tensor:
    """The elements of ``input`` where ``mask`` is True, in row-major order, as a 1-d tensor.

    Args:  input: the tensor.  mask: a bool tensor broadcastable with input.
    Shape: (n,) for n True elements of the broadcast mask.

    Examples: ``x.masked_select(x > 0)`` is the positive elements of ``x``.
    """
    x = _tensor("masked_select", "input", input)
    array = _mask_array("masked_select", mask)
    shape = broadcast_shapes("masked_select", x.shape, array.shape)
    if x.shape != shape:
        x = x.expand(*shape)
    return GetItem.apply(x, np.broadcast_to(array, shape), False)
