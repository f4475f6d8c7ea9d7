"""Norms: ``linalg.vector_norm``, ``linalg.matrix_norm``, ``linalg.norm`` and ``norm``.

A vector p-norm is (sum |x|^p)^(1/p) over the reduced dims. Three orders are existing ops
composed: p = 1 is ``abs(x).sum()``, p = inf is ``abs(x).amax()`` and p = -inf ``abs(x).amin()``
(ties share the gradient evenly, as in PyTorch). Every other p, 0 and 2 included, is
``VectorNorm``, whose backward is PyTorch's formula with its choices at 0: the gradient is 0
where the norm is 0, and for p < 1 at the elements that are 0. The matrix norms "fro", 1, -1,
inf and -inf are vector norms composed with amax/amin, as PyTorch computes them.
"""
import numpy as np

from .. import dtypes
from .._shapes import normalize_dim
from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import cast, where
from .reduce import Amax, Amin, Sum, _axes, keep_reduced
from .unary import abs


class VectorNorm(Function):
    """y = (sum |x|^p)^(1/p) over ``axes`` (p = 0: the number of nonzero elements).
    dL/dx = dL/dy * sign(x) |x|^(p-1) / y^(p-1); 0 where y = 0, and 0 for p = 0."""

    __slots__ = ("p", "kept_shape")

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # |0|^p for p < 0
            if p == 0:
                y = np.count_nonzero(x, axis=axes, keepdims=True).astype(x.dtype)
            elif p == 2:
                y = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
            else:
                y = np.sum(np.abs(x) ** p, axis=axes, keepdims=True) ** (1 / p)
        ctx.p = p
        return keep_reduced(ctx, x, y, axes, keepdim)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        p = ctx.p
        if p == 0:  # a count: piecewise constant
            return Tensor._wrap(np.zeros_like(x.data)), None, None, None
        grad_out, y = grad_out.reshape(ctx.kept_shape), y.reshape(ctx.kept_shape)
        # divide by y only where y != 0 (safe_y, as Std.backward: the branch where() does not
        # take still carries its derivative, and 0 * inf would make the second one nan)
        zero = y.data == 0
        safe_y = where(zero, 1.0, y)
        if p == 2:
            return x * where(zero, 0.0, grad_out / safe_y), None, None, None
        sign = Tensor._wrap(np.sign(x.data))  # a constant: |x| is linear on each side of 0
        if p < 1:
            # |x|^(p-1) is infinite at x = 0: PyTorch takes those elements' gradient as 0
            at_zero = x.data == 0
            power = where(at_zero, 0.0, where(at_zero, 1.0, abs(x)) ** (p - 1))
            return sign * power * grad_out * y ** (1 - p), None, None, None
        power = abs(x) ** (p - 1)
        return sign * power * where(zero, 0.0, grad_out / safe_y ** (p - 1)), None, None, None


def _floating(op: str, input, dtype) -> Tensor:
    """``input``, which must be floating (PyTorch refuses integers, even with ``dtype``), in
    ``dtype`` if given (no narrower than the input's)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if not dtypes.is_floating(input.dtype):
        raise RuntimeError(f"{op}: expected a floating tensor, got dtype {input.dtype}")
    if dtype is None:
        return input
    dtype = dtypes.as_dtype(dtype)
    if not dtypes.is_floating(dtype) or dtype.itemsize < input.dtype.itemsize:
        raise RuntimeError(f"{op}: dtype {dtype} would narrow the input's {input.dtype}")
    return cast(input, dtype)


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The vector ``ord``-norm (sum |x|^ord)^(1/ord) over ``dim``.

    Args:
        x: a floating tensor.
        ord: any number: 2 (the default, Euclidean), 1, inf (max |x|), -inf (min |x|), 0 (the
            number of nonzero elements), or any other p, negative ones too.
        dim: an int, a tuple of ints, or None for every element (the tensor as one vector).
        keepdim: keep the reduced axes with length 1.
        dtype: compute and return in this floating dtype (no narrower than x's).
    Shape: () for every element; else x's without ``dim`` (kept as 1 with ``keepdim``).
    Returns: the norm, in x's dtype. Its gradient is 0 where the norm is 0 and, for ord < 1,
        at the elements that are 0; inf and -inf share it among ties, as PyTorch. (Where the
        norm is 0 its second derivative is 0 too, where PyTorch's is NaN.)
    Raises: RuntimeError for an integer x, or for ord inf or < 0 over no elements (the max and
        the sum of |x|^ord have no value there).

    Examples: ``nx.linalg.vector_norm(nx.tensor([3., 4.]))`` is ``tensor(5.)``.
    """
    x = _floating("linalg.vector_norm", x, dtype)
    if isinstance(ord, (str, bool)) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {ord!r} (matrix norms "
                        "are linalg.matrix_norm)")
    axes = _axes("linalg.vector_norm", x, dim)
    empty = x.numel() == 0 and (not axes or any(x.shape[a] == 0 for a in axes))
    if empty and (ord < 0 or ord == np.inf):
        raise RuntimeError(f"linalg.vector_norm: the {ord} norm of no elements has no value; "
                           f"the tensor has shape {x.shape} and dim covers axes {axes or 'all'}")
    if ord == 1:
        return Sum.apply(abs(x), axes, keepdim)
    if ord == np.inf:
        return Amax.apply(abs(x), axes, keepdim)
    if ord == -np.inf:
        return Amin.apply(abs(x), axes, keepdim)
    return VectorNorm.apply(x, float(ord), axes, keepdim)


def _matrix_dims(op: str, A: Tensor, dim) -> tuple:
    if A.ndim < 2:
        raise RuntimeError(f"{op}: the input must have at least 2 dimensions, got shape "
                           f"{A.shape}")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{op}: dim must be a pair of dims, got {dim!r}")
    dims = tuple(normalize_dim(op, d, A.ndim) for d in dim)
    if dims[0] == dims[1]:
        raise RuntimeError(f"{op}: dim {dim!r} names one axis twice")
    return dims


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None):
    """A matrix norm of ``A`` (of each matrix in a batch), over the two axes ``dim``.

    Args:
        A: a floating tensor of at least 2 dimensions.
        ord: "fro" (the default, Frobenius: the 2-norm of all elements), 1 (the largest
            column sum of |A|), -1 (the smallest), inf (the largest row sum of |A|) or -inf
            (the smallest). "nuc", 2 and -2 need singular values, which neurenix does not
            compute yet: they raise NotImplementedError.
        dim: the two axes that hold the rows and the columns.
        keepdim: keep both axes with length 1.
        dtype: compute and return in this floating dtype (no narrower than A's).
    Shape: (*, m, n) -> (*) (or (*, 1, 1) with ``keepdim``) for the default ``dim``.
    Returns: the norms, differentiable to every order (max/min share ties evenly).

    Examples: ``nx.linalg.matrix_norm(nx.tensor([[1., -2.], [3., 4.]]), ord=1)`` is
        ``tensor(6.)``.
    """
    d0, d1 = _matrix_dims("linalg.matrix_norm", A, dim)
    if isinstance(ord, str) and ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
    if isinstance(ord, str) and ord == "nuc" or ord in (2, -2):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs the singular values "
                                  "of A, which neurenix does not compute yet; ord may be 'fro', "
                                  "1, -1, inf or -inf")
    if isinstance(ord, str) or ord not in (1, -1, np.inf, -np.inf):
        raise ValueError(f"linalg.matrix_norm: ord {ord!r} is not a matrix norm; use 'fro', "
                         "1, -1, inf or -inf")
    if ord in (np.inf, -np.inf):  # the row sums: the 1-norm of the transposed matrix
        d0, d1 = d1, d0
    if A.shape[d1] == 0:
        raise RuntimeError(f"linalg.matrix_norm: the {ord} norm of a matrix without "
                           f"{'rows' if d1 < d0 else 'columns'} has no value (shape {A.shape})")
    sums = vector_norm(A, 1, d0, keepdim=True, dtype=dtype)  # sums of |A| over rows or columns
    out = (Amax if ord > 0 else Amin).apply(sums, (d1,), True)
    return out if keepdim else out.reshape(
        tuple(n for i, n in enumerate(A.shape) if i not in (d0, d1)))


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """The norm of ``input``, as ``torch.norm``: a vector norm for a number ``p`` (over ``dim``,
    every element by default), the Frobenius norm for "fro".

    Args:
        input: a floating tensor.
        p: a number (see ``linalg.vector_norm``; None means 2), "fro" (the 2-norm over ``dim``,
            at most two dims) or "nuc" (not computed yet: NotImplementedError).
        dim: an int, a tuple of ints, or None for every element.
        keepdim: keep the reduced axes with length 1.
        dtype: compute and return in this floating dtype.
    Shape: () for every element; else the input's without ``dim`` (kept as 1 with ``keepdim``).

    Examples: ``nx.tensor([[3., 4.], [0., 0.]]).norm(dim=1)`` is ``tensor([5., 0.])``.
    """
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, (int, np.integer)) or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype)
        every = tuple(range(input.ndim)) if dim is None else dim
        return matrix_norm(input, p, every, keepdim, dtype=dtype)
    return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)


def linalg_norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None):
    """A vector or matrix norm, as ``torch.linalg.norm`` (``nx.linalg.norm``): a vector norm
    over one dim (or a 1-d A), a matrix norm over two dims (or a 2-d A); with ord None, the
    2-norm of all elements of ``dim`` (of every element when dim is None too).

    Args:
        A: a floating tensor.
        ord: None, a vector order (``linalg.vector_norm``) or a matrix one
            (``linalg.matrix_norm``).
        dim: None, an int or a tuple of one or two ints.
        keepdim: keep the reduced axes with length 1.
        dtype: compute and return in this floating dtype.
    Shape: A's without ``dim`` (kept as 1 with ``keepdim``).
    Raises: RuntimeError when ord is given for a tensor of more than 2 dimensions without
        ``dim``, or ``dim`` has more than two dims.

    Examples: ``nx.linalg.norm(nx.tensor([[3., 4.], [0., 0.]]), dim=1)`` is ``tensor([5., 0.])``.
    """
    dims = (dim,) if isinstance(dim, (int, np.integer)) else dim
    if dims is not None and len(dims) not in (1, 2):
        raise RuntimeError(f"linalg.norm: dim must be one or two dims, got {dim!r}")
    if ord is None:
        return vector_norm(A, 2, dims, keepdim, dtype=dtype)
    if dims is None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: with ord={ord!r} and no dim, A must be 1-d or "
                               f"2-d, got shape {A.shape}")
        dims = tuple(range(A.ndim))
    if len(dims) == 1:
        return vector_norm(A, ord, dims, keepdim, dtype=dtype)
    return matrix_norm(A, ord, dims, keepdim, dtype=dtype)
