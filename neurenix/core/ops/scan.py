"""Products and running totals: ``prod``, ``cumsum``, ``cumprod``.

Their gradients are PyTorch's, zeros included. d(prod)/dx_k is the product of the *other*
elements: y / x_k when no element is 0, else the product of those before x_k times the product of
those after it (two exclusive cumulative products, no division). d(cumprod)/dx is the reversed
cumulative sum of dL/dy * y divided by x when no element is 0; with zeros it is built from the
products that omit x_k. Integer and bool inputs give int64, as in PyTorch.
"""
import numpy as np

from .. import dtypes
from .._shapes import normalize_dim
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from .arithmetic import cast, where
from .reduce import keep_reduced
from .shape import cat


def _along(dim: int, part: slice) -> tuple:
    """The index that takes ``part`` of axis ``dim`` and all of the axes before it."""
    return (slice(None),) * dim + (part,)


def _reversed_cumsum(x: np.ndarray, dim: int) -> np.ndarray:
    """x_k + x_{k+1} + .. + x_{n-1} along ``dim``: the running sums read from the end."""
    return np.flip(np.cumsum(np.flip(x, dim), axis=dim), dim)


class CumSum(Function):
    """y_j = x_0 + .. + x_j along ``dim`` (x_j + .. + x_{n-1} when ``reverse``).
    dL/dx = dL/dy summed the other way: each op is the other's backward."""

    __slots__ = ("dim", "reverse")

    @staticmethod
    def forward(ctx, x, dim, reverse):
        ctx.dim, ctx.reverse = dim, reverse
        return _reversed_cumsum(x, dim) if reverse else np.cumsum(x, axis=dim)

    @staticmethod
    def backward(ctx, grad_out):
        return CumSum.apply(grad_out, ctx.dim, not ctx.reverse), None, None


class CumProd(Function):
    """y_j = x_0 * .. * x_j along ``dim``.  dL/dx_k = sum_{j>=k} dL/dy_j * prod_{i<=j, i!=k} x_i:
    the reversed cumsum of dL/dy * y over x_k without zeros; with zeros, PyTorch's rules."""

    __slots__ = ("dim",)

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        y = np.cumprod(x, axis=dim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        if x.shape[ctx.dim] == 1:  # y = x exactly (PyTorch's rule: no second derivative)
            return grad_out, None
        if not (x.data == 0).any():
            return CumSum.apply(grad_out * y, ctx.dim, True) / x, None
        if not is_grad_enabled():  # first order only: nothing will differentiate this gradient
            return Tensor._wrap(_cumprod_grad_with_zeros(x.data, y.data, grad_out.data,
                                                         ctx.dim)), None
        return _cumprod_grad_by_omitted_products(x, grad_out, ctx.dim), None


def _cumprod_grad_with_zeros(x, y, grad_out, dim) -> np.ndarray:
    """dL/dx of cumprod when x has zeros, in O(n) NumPy (PyTorch's first-order path). Along each
    slice, with z the position of the first zero:
      k < z: the reversed cumsum of dL/dy * y over x_k (y_j = 0 from z on, so only j < z count);
      k = z: x_0 .. x_{z-1} times sum_{j>=z} dL/dy_j * x_{z+1} .. x_j;
      k > z: 0, as every product y_j with j >= k holds x_z = 0.
    """
    x, y, grad_out = (np.moveaxis(a, dim, -1) for a in (x, y, grad_out))
    zeros_so_far = np.cumsum(x == 0, axis=-1)
    before = zeros_so_far == 0
    first = (x == 0) & (zeros_so_far == 1)
    from_first = zeros_so_far >= 1
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = np.where(before, _reversed_cumsum(grad_out * y, -1) / np.where(before, x, 1), 0)
    # x_{z+1} .. x_j for j >= z: the cumulative product of x with x_0 .. x_z set to 1
    after_z = np.cumprod(np.where(from_first & ~first, x, 1), axis=-1)
    total = (grad_out * after_z * from_first).sum(axis=-1, keepdims=True)
    up_to_z = np.cumprod(np.where(before, x, 1), axis=-1)  # x_0 .. x_{z-1} at position z
    grad = np.where(first, up_to_z * total, grad)
    return np.moveaxis(grad.astype(x.dtype, copy=False), -1, dim)


def _cumprod_grad_by_omitted_products(x: Tensor, grad_out: Tensor, dim: int) -> Tensor:
    """dL/dx_k = sum_{j>=k} dL/dy_j * prod_{i<=j, i!=k} x_i, in Tensor ops over an n x n table
    whose row k is x with x_k replaced by 1, cumulated: exact to every order with zeros
    anywhere, at O(n^2) cost, so it runs only when a higher derivative is asked for."""
    x, grad_out = x.transpose(dim, -1), grad_out.transpose(dim, -1)  # (..., n)
    n = x.shape[-1]
    rows = where(np.eye(n, dtype=bool), 1.0, x.unsqueeze(-2).expand(*x.shape[:-1], n, n))
    table = CumProd.apply(rows, rows.ndim - 1)  # table[..., k, j] = prod_{i<=j, i!=k} x_i
    upper = np.triu(np.ones((n, n), dtype=bool))  # the terms j >= k
    grad = where(upper, table * grad_out.unsqueeze(-2), 0.0).sum(dim=-1)
    return grad.transpose(dim, -1)


class Prod(Function):
    """y = the product of x along ``dim`` (() for a 0-d x).  dL/dx_k = dL/dy * the product of
    the other elements: y / x_k without zeros, else the exclusive products from both sides."""

    __slots__ = ("dim", "kept_shape")

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        y = np.prod(x, axis=dim, keepdims=True)
        ctx.dim = dim
        return keep_reduced(ctx, x, y, dim, keepdim)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        if x.ndim == 0:  # nothing was multiplied: y = x (PyTorch's rule)
            return grad_out, None, None
        grad_out = grad_out.reshape(ctx.kept_shape)
        if not (x.data == 0).any():
            return grad_out * (y.reshape(ctx.kept_shape) / x), None, None
        return grad_out * _product_of_others(x, ctx.dim), None, None


def _product_of_others(x: Tensor, dim: int) -> Tensor:
    """For each element, the product of the other elements along ``dim``: (x_0 .. x_{k-1}) *
    (x_{k+1} .. x_{n-1}), each an exclusive cumulative product, so zeros need no division.
        x:       [a,     b,     c]
        before:  [1,     a,     a*b]
        after:   [b*c,   c,     1]
    """
    n = x.shape[dim]
    ones = Tensor._wrap(np.ones(x.shape[:dim] + (1,) + x.shape[dim + 1:], dtype=x.dtype))
    flip = _along(dim, slice(None, None, -1))
    before = CumProd.apply(cat([ones, x[_along(dim, slice(0, n - 1))]], dim), dim)
    after = CumProd.apply(cat([ones, x[_along(dim, slice(1, n))][flip]], dim), dim)[flip]
    return before * after


def _prepared(op: str, x: Tensor, dtype) -> Tensor:
    """``x`` in the dtype the op computes in: ``dtype`` when given, else int64 for integers and
    bools (as PyTorch, so sums and products of small integers do not overflow)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if dtype is not None:
        return cast(x, dtype)
    return x if dtypes.is_floating(x.dtype) else cast(x, dtypes.int64)


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The product of all elements, or along one ``dim``.

    Args:
        input: the tensor.
        dim: an int, or None for every element.
        keepdim: keep ``dim`` with length 1 (with an int ``dim``).
        dtype: compute and return in this dtype; by default the input's, int64 for integers.
    Shape: () for all elements; else the input's without ``dim`` (kept as 1 with ``keepdim``).
    Returns: the product; its gradient is right with zeros among the elements, as PyTorch's.
    Raises: TypeError for a ``dim`` that is not an int (PyTorch's prod takes one dim).

    Examples: ``nx.tensor([[1., 2.], [3., 4.]]).prod(1)`` is ``tensor([2., 12.])``.
    """
    x = _prepared("prod", input, dtype)
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"prod: dim must be an int or None, got {dim!r}")
    if x.ndim == 0:  # its one element, along its only dim 0 (or -1)
        normalize_dim("prod", 0 if dim is None else dim, 0)
        return Prod.apply(x, (), False)
    if dim is None:
        return Prod.apply(x.reshape(-1), 0, False)
    return Prod.apply(x, normalize_dim("prod", dim, x.ndim), keepdim)


def _scan(op: str, function, input: Tensor, dim, dtype) -> Tensor:
    x = _prepared(op, input, dtype)
    axis = normalize_dim(op, dim, x.ndim)
    if x.ndim == 0:
        return function(x.reshape(1), 0).reshape(())
    return function(x, axis)


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sums along ``dim``: y_j = x_0 + .. + x_j.

    Args:  input: the tensor.  dim: the axis to sum along.  dtype: compute in this dtype (the
        input's by default; int64 for integers and bools).
    Shape: the input's.

    Examples: ``nx.cumsum(nx.tensor([1, 2, 3]), dim=0)`` is ``tensor([1, 3, 6])``.
    """
    return _scan("cumsum", lambda x, axis: CumSum.apply(x, axis, False), input, dim, dtype)


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running products along ``dim``: y_j = x_0 * .. * x_j; the gradient is right with zeros
    among the elements (to every order), as PyTorch's.

    Args:  input: the tensor.  dim: the axis to multiply along.  dtype: compute in this dtype
        (the input's by default; int64 for integers and bools).
    Shape: the input's.

    Examples: ``nx.cumprod(nx.tensor([1., 2., 3.]), dim=0)`` is ``tensor([1., 2., 6.])``.
    """
    return _scan("cumprod", CumProd.apply, input, dim, dtype)
