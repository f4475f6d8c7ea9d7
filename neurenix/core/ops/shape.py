"""Shape ops: reshape, permute, (un)squeeze, expand, cat, stack, split. Pure data movement, so
each backward moves the gradient back the same way."""
import numpy as np

from .. import dtypes
from .._shapes import int_args, normalize_dim, normalize_dims, unbroadcast
from ..autograd import Function
from ..tensor import Tensor


class Reshape(Function):
    """y = x viewed with another shape.  dL/dx = dL/dy reshaped back."""

    __slots__ = ("x_shape",)

    @staticmethod
    def forward(ctx, x, shape):
        ctx.x_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad_out):
        return Reshape.apply(grad_out, ctx.x_shape), None


class Permute(Function):
    """y = x with its axes reordered by ``dims``.  dL/dx = dL/dy with the inverse order."""

    __slots__ = ("dims",)

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad_out):
        return Permute.apply(grad_out, tuple(np.argsort(ctx.dims))), None


class Expand(Function):
    """y = x broadcast to ``shape`` (a view).  dL/dx = dL/dy summed back over the new axes."""

    __slots__ = ("x_shape",)

    @staticmethod
    def forward(ctx, x, shape):
        ctx.x_shape = x.shape
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad_out):
        return unbroadcast(grad_out, ctx.x_shape), None


class Clone(Function):
    """y = a copy of x.  dL/dx = dL/dy."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad_out):
        return (grad_out,)


class Cat(Function):
    """y = the inputs joined along ``dim``.  dL/dx_i = the slice of dL/dy that x_i filled."""

    __slots__ = ("dim", "bounds")

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        ctx.bounds = np.cumsum([0] + [x.shape[dim] for x in xs])
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, grad_out):
        index = [slice(None)] * grad_out.ndim
        grads = [None]
        for i, need in enumerate(ctx.needs_input_grad[1:]):
            index[ctx.dim] = slice(int(ctx.bounds[i]), int(ctx.bounds[i + 1]))
            grads.append(grad_out[tuple(index)] if need else None)
        return grads


def reshape(x: Tensor, *shape) -> Tensor:
    """``x`` with a new shape of the same number of elements; one entry may be -1 (inferred).
    Given as ``reshape(x, 2, 3)`` or ``reshape(x, (2, 3))``; ``view`` is the same op.

    Shape: (*) -> ``shape``.  Returns ``x`` itself when the shape is unchanged.
    Raises: RuntimeError naming both shapes when the sizes do not match.
    """
    shape = int_args("reshape", "shape", shape)
    if shape == x.shape:
        return x
    if min(shape, default=0) >= -1:  # NumPy would read any negative length as -1
        try:
            return Reshape.apply(x, shape)
        except ValueError:  # NumPy checks the sizes; the error below names the op and shapes
            pass
    raise RuntimeError(f"reshape: shape {shape} is invalid for a tensor of shape {x.shape} "
                       f"({x.numel()} elements)")


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim`` .. ``end_dim`` into one.

    Shape: (N, C, H, W) -> (N, C*H*W) with start_dim=1; a 0-d tensor becomes (1,).
    """
    if x.ndim == 0:
        return reshape(x, 1)
    start = normalize_dim("flatten", start_dim, x.ndim)
    end = normalize_dim("flatten", end_dim, x.ndim)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a "
                         f"tensor of shape {x.shape}")
    merged = int(np.prod(x.shape[start:end + 1]))
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def permute(x: Tensor, *dims) -> Tensor:
    """``x`` with its axes in the order ``dims``, a permutation of 0..ndim-1 (negatives allowed).

    Shape: (d_0, .., d_n-1) -> (d_dims[0], .., d_dims[n-1]).
    Raises: ValueError naming ``dims`` and the shape when ``dims`` is not a permutation;
        IndexError for a dim out of range (3 for a 2-D tensor is not taken as 3 % 2).
    """
    dims = int_args("permute", "dims", dims)
    axes = tuple(normalize_dim("permute", d, x.ndim) for d in dims) if len(dims) == x.ndim else ()
    if len(dims) != x.ndim or sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} is not a permutation of the {x.ndim} axes of "
                         f"a tensor of shape {x.shape}")
    return Permute.apply(x, axes)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """``x`` with axes ``dim0`` and ``dim1`` swapped.
    Shape: (.., a, .., b, ..) -> (.., b, .., a, ..)."""
    a = normalize_dim("transpose", dim0, x.ndim)
    b = normalize_dim("transpose", dim1, x.ndim)
    if x.ndim == 0 or a == b:
        return x
    dims = list(range(x.ndim))
    dims[a], dims[b] = dims[b], dims[a]
    return Permute.apply(x, tuple(dims))


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """``x`` with a new axis of length 1 at ``dim`` (in [-ndim-1, ndim]).
    Shape: (a, b) -> (1, a, b) with dim=0, (a, b, 1) with dim=-1."""
    axis = normalize_dim("unsqueeze", dim, x.ndim + 1)
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def squeeze(x: Tensor, dim=None) -> Tensor:
    """``x`` without its axes of length 1; with ``dim`` (an int or a tuple), only those axes,
    where they have length 1.  Shape: (1, a, 1) -> (a,)."""
    axes = normalize_dims("squeeze", dim, x.ndim) if x.ndim else ()
    return reshape(x, tuple(s for i, s in enumerate(x.shape) if not (i in axes and s == 1)))


def expand(x: Tensor, *sizes) -> Tensor:
    """``x`` broadcast to ``sizes`` without copying; -1 keeps an axis's length, and new leading
    axes may be added.  Shape: (a, 1) -> (n, a, m) with sizes (n, -1, m).
    Raises: ValueError naming both shapes when ``x`` does not broadcast to ``sizes``."""
    sizes = int_args("expand", "sizes", sizes)
    lead = len(sizes) - x.ndim
    if lead < 0 or -1 in sizes[:lead]:  # -1 keeps a length, so new leading axes cannot use it
        raise ValueError(f"expand: cannot expand a tensor of shape {x.shape} to {sizes}")
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    try:
        valid = np.broadcast_shapes(x.shape, shape) == shape
    except ValueError:
        valid = False
    if not valid:
        raise ValueError(f"expand: cannot expand a tensor of shape {x.shape} to {sizes}")
    return Expand.apply(x, shape)


def clone(x: Tensor) -> Tensor:
    """A copy of ``x`` that stays in the graph."""
    return Clone.apply(x)


def cat(tensors, dim: int = 0) -> Tensor:
    """Join ``tensors`` along ``dim``; all other axes must match.

    As in PyTorch, a legacy empty tensor of shape (0,) is skipped whatever the others' shapes
    (it still counts for the dtype, and gets an empty gradient).

    Args:
        tensors: a non-empty sequence of tensors with at least one dimension.
        dim: the axis to join along (negatives count from the end).

    Shape: (.., n_i, ..) for each input -> (.., sum(n_i), ..).
    Returns: a new tensor of the inputs' common dtype.
    Raises: ValueError naming both shapes when they differ off ``dim``, or for a 0-d tensor;
        IndexError for a dim out of range.

    Examples: ``nx.cat([nx.zeros(2, 3), nx.ones(1, 3)])`` has shape (3, 3).
    """
    return join("cat", tensors, dim)


concat = cat  # PyTorch's aliases


def concatenate(tensors, axis: int = 0) -> Tensor:
    """``cat(tensors, axis)``: NumPy's name, with NumPy's ``axis``.
    Shape: (.., n_i, ..) for each input -> (.., sum(n_i), ..).
    Examples: ``nx.concatenate([nx.zeros(2), nx.ones(3)])`` has shape (5,)."""
    return join("concatenate", tensors, axis)


def tensor_list(op: str, tensors) -> list:
    """``tensors`` (any iterable) as a list, refused unless it is a non-empty list of Tensors."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: element {i} is a {type(t).__name__}, not a Tensor")
    return tensors


def join(op: str, tensors, dim: int) -> Tensor:
    """``cat``, with errors that name ``op`` (cat, hstack, vstack, ...)."""
    tensors = tensor_list(op, tensors)
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise ValueError(f"{op}: tensors must have at least one dimension, tensor {i} has "
                             "shape ()")
    common = tensors[0].dtype
    for t in tensors[1:]:
        common = dtypes.result_dtype(common, t.dtype)
    tensors = [t.to(common) for t in tensors]
    sized = [i for i, t in enumerate(tensors) if t.shape != (0,)]
    if not sized:  # only legacy empties: PyTorch returns one, whatever dim says
        return Cat.apply(0, *tensors)
    first = tensors[sized[0]]
    axis = normalize_dim(op, dim, first.ndim)
    rest = first.shape[:axis] + first.shape[axis + 1:]
    for i in sized:
        t = tensors[i]
        if t.ndim != first.ndim or t.shape[:axis] + t.shape[axis + 1:] != rest:
            raise ValueError(f"{op}: tensor {i} has shape {t.shape}, tensor {sized[0]} has shape "
                             f"{first.shape}; all must match except along dim {dim}")
    # a legacy empty joins as an empty slab of the others' shape, so it stays on the graph
    slab = first.shape[:axis] + (0,) + first.shape[axis + 1:]
    return Cat.apply(axis, *[t if t.shape != (0,) else Reshape.apply(t, slab) for t in tensors])


def stack(tensors, dim: int = 0) -> Tensor:
    """Join same-shaped ``tensors`` along a new axis ``dim``.  Shape: k x (..) -> (.., k, ..)."""
    tensors = tensor_list("stack", tensors)
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: tensor {i} has shape {t.shape}, tensor 0 has shape "
                             f"{tensors[0].shape}; all must be equal")
    axis = normalize_dim("stack", dim, tensors[0].ndim + 1)
    return cat([unsqueeze(t, axis) for t in tensors], axis)


def split(x: Tensor, split_size, dim: int = 0) -> list:
    """Pieces of ``x`` along ``dim``: of ``split_size`` each (the last may be shorter), or of
    the sizes in the list ``split_size``."""
    axis = normalize_dim("split", dim, x.ndim)
    n = x.shape[axis]
    if isinstance(split_size, (int, np.integer)):
        if split_size <= 0:
            raise ValueError(f"split: split_size must be positive, got {split_size}")
        sizes = [min(split_size, n - s) for s in range(0, n, split_size)] or [0]
    else:
        sizes = list(split_size)
        if sum(sizes) != n or min(sizes, default=0) < 0:
            raise ValueError(f"split: sizes {sizes} are not non-negative lengths summing to {n}, "
                             f"the length of dim {dim} of shape {x.shape}")
    pieces, start = [], 0
    index = [slice(None)] * x.ndim
    for size in sizes:
        index[axis] = slice(start, start + size)
        pieces.append(x[tuple(index)])
        start += size
    return pieces


def chunk(x: Tensor, chunks: int, dim: int = 0) -> list:
    """``x`` split into ``chunks`` pieces along ``dim`` (each of ceil(n / chunks))."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = x.shape[normalize_dim("chunk", dim, x.ndim)]
    return split(x, max(-(-n // chunks), 1), dim)

