"""Ordering: ``sort``, ``argsort``, ``topk``, ``median`` and ``unique``.

Each finds the order of the elements with NumPy, then reads the values at that order with
``TakeAlong`` (the values of max/min along a dim), whose backward puts the gradient back at the
places the values came from (``PutAlong``), and whose second backward reads it again. Indices
are int64 and never require grad. NaN sorts as the largest value, as in PyTorch.
"""
from collections import namedtuple

import numpy as np

from .._shapes import normalize_dim
from ..autograd import Function
from ..tensor import Tensor
from .reduce import TakeAlong

# torch.return_types.sort, .topk and .median: (values, indices) with attribute access
SortResult = namedtuple("SortResult", ["values", "indices"])
TopkResult = namedtuple("TopkResult", ["values", "indices"])
MedianResult = namedtuple("MedianResult", ["values", "indices"])


def _order(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """The int64 positions that sort ``x`` along ``axis``, stably: equal elements keep their
    order. Descending: the stable ascending order of the reversed elements, read backwards
    (which keeps equal elements in their first-to-last order, and puts NaN first)."""
    if not descending:
        return np.argsort(x, axis=axis, kind="stable").astype(np.int64, copy=False)
    n = x.shape[axis]
    backwards = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return (n - 1 - np.flip(backwards, axis)).astype(np.int64, copy=False)


def _tensor(op: str, value) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(value).__name__}")
    return value


def _read(x: Tensor, order: np.ndarray, axis: int):
    """(values, indices): ``x`` read at the positions ``order`` along ``axis``."""
    return TakeAlong.apply(x, order, axis, True), Tensor._wrap(order)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """The elements sorted along ``dim``, and where each came from.

    Args:
        input: the tensor.
        dim: the axis to sort along (the last by default).
        descending: largest first.
        stable: keep equal elements in their order. Sorting here is always stable; the flag is
            accepted for PyTorch's signature.
    Shape: values and indices have the input's shape.
    Returns: the namedtuple (values, indices); indices are int64. The gradient goes back to
        the places the values came from.

    Examples: ``nx.sort(nx.tensor([3., 1., 2.])).values`` is ``tensor([1., 2., 3.])``.
    """
    x = _tensor("sort", input)
    axis = normalize_dim("sort", dim, x.ndim)
    if x.ndim == 0:
        return SortResult(x.clone(), Tensor._wrap(np.zeros((), np.int64)))
    return SortResult(*_read(x, _order(x.data, axis, descending), axis))


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False):
    """The int64 positions that sort ``input`` along ``dim`` (``sort(...).indices``).

    Args:  input, dim, descending, stable: as ``sort``.
    Shape: the input's.

    Examples: ``nx.argsort(nx.tensor([3., 1., 2.]))`` is ``tensor([1, 2, 0])``.
    """
    x = _tensor("argsort", input)
    axis = normalize_dim("argsort", dim, x.ndim)
    if x.ndim == 0:
        return Tensor._wrap(np.zeros((), np.int64))
    return Tensor._wrap(_order(x.data, axis, descending))


def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The ``k`` largest (or smallest) elements along ``dim``, and where they came from.

    Args:
        input: the tensor.
        k: how many, in [0, input.shape[dim]].
        dim: the axis (the last by default).
        largest: the largest (else the smallest).
        sorted: accepted for PyTorch's signature; the values always come in order (largest
            first, or smallest first), which PyTorch also allows for sorted=False.
    Shape: the input's with ``dim`` of length k.
    Returns: the namedtuple (values, indices); indices are int64. Equal elements are taken
        first to last.
    Raises: RuntimeError for k out of range.

    Examples: ``nx.tensor([1., 5., 3.]).topk(2)`` has values ``tensor([5., 3.])`` and indices
        ``tensor([1, 2])``.
    """
    x = _tensor("topk", input)
    axis = normalize_dim("topk", dim, x.ndim)
    n = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k={k} is out of range for dim {dim} of size {n} (input of "
                           f"shape {x.shape})")
    if x.ndim == 0:
        return TopkResult(x.clone(), Tensor._wrap(np.zeros((), np.int64)))
    order = _order(x.data, axis, descending=largest)
    return TopkResult(*_read(x, np.take(order, np.arange(k), axis=axis), axis))


def _lower_median(x: np.ndarray, axis: int) -> np.ndarray:
    """The position of the lower median of each slice along ``axis`` (kept with length 1):
    element (n - 1) // 2 of the stable ascending order, or the first NaN where a slice has one
    (the median propagates NaN, as in PyTorch)."""
    n = x.shape[axis]
    position = np.take(_order(x, axis, False), [(n - 1) // 2], axis=axis)
    nan = np.isnan(x)
    if nan.any():
        has_nan = nan.any(axis=axis, keepdims=True)
        position = np.where(has_nan, np.argmax(nan, axis=axis, keepdims=True), position)
    return position


class Median(Function):
    """y = the lower median of the 1-d x.  dL/dx = dL/dy split evenly among the elements equal
    to y (NaN ones where y is NaN): PyTorch's rule, as for max()."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        if x.size == 0:  # the median of nothing is NaN, as PyTorch (and gets no gradient)
            ctx.save_for_backward(np.zeros_like(x))
            with np.errstate(invalid="ignore"):  # an integer NaN is int64's minimum, as PyTorch
                return np.full((), np.nan, dtype=x.dtype)
        y = x[_lower_median(x, 0)]
        hit = (x == y) | (np.isnan(x) & np.isnan(y))
        ctx.save_for_backward(hit / x.dtype.type(np.count_nonzero(hit)))  # a constant share
        return y.reshape(())

    @staticmethod
    def backward(ctx, grad_out):
        (share,) = ctx.saved_tensors
        return (share * grad_out,)


def median(input: Tensor, dim=None, keepdim: bool = False):
    """The lower median (element (n - 1) // 2 in sorted order, as PyTorch: no averaging), of
    every element or along ``dim``. NaN if a slice holds NaN.

    Args:
        input: the tensor.
        dim: None for the median of every element, or an int for the medians along it.
        keepdim: with ``dim``, keep it with length 1.
    Shape: () for every element; else the input's without ``dim`` (kept as 1 with ``keepdim``).
    Returns: without ``dim`` the median, whose gradient is shared evenly by the elements equal
        to it (as PyTorch); with ``dim`` the namedtuple (values, indices), the gradient going to
        the returned index. The median of no elements is NaN.
    Raises: IndexError for a ``dim`` of length 0.

    Examples: ``nx.tensor([4., 1., 3., 2.]).median()`` is ``tensor(2.)``.
    """
    x = _tensor("median", input)
    if dim is None:
        return Median.apply(x.reshape(-1))
    axis = normalize_dim("median", dim, x.ndim)
    if x.ndim == 0:
        return MedianResult(x.clone(), Tensor._wrap(np.zeros((), np.int64)))
    if x.shape[axis] == 0:
        raise IndexError(f"median: cannot take the median along dim {dim} of length 0 "
                         f"(input of shape {x.shape})")
    position = _lower_median(x.data, axis)
    values = TakeAlong.apply(x, position, axis, keepdim)
    return MedianResult(values, Tensor._wrap(position if keepdim else
                                             np.squeeze(position, axis)))


def unique(input: Tensor, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim=None):
    """The distinct elements of ``input`` (or distinct slices along ``dim``), in ascending order.

    Args:
        input: the tensor.
        sorted: accepted for PyTorch's signature; the result is always sorted (as PyTorch's
            on the CPU).
        return_inverse: also return where each element of the input is in the result.
        return_counts: also return how often each distinct element occurs.
        dim: None to flatten the input; an int to find distinct slices along it.
    Shape: values (m,) for m distinct elements, or the input's with ``dim`` of length m;
        inverse the input's shape (with ``dim``: (input.shape[dim],)); counts (m,).
    Returns: the values, or a tuple ``(values[, inverse][, counts])``; inverse and counts are
        int64. No gradient (NaNs count as distinct, as in PyTorch).

    Examples: ``nx.unique(nx.tensor([3, 1, 3]), return_counts=True)`` is
        ``(tensor([1, 3]), tensor([1, 2]))``.
    """
    x = _tensor("unique", input)
    if dim is None or x.ndim == 0:
        values, inverse, counts = np.unique(x.data.reshape(-1), return_inverse=True,
                                            return_counts=True, equal_nan=False)
        inverse = inverse.reshape(x.shape)
    else:
        axis = normalize_dim("unique", dim, x.ndim)
        values, inverse, counts = np.unique(x.data, return_inverse=True, return_counts=True,
                                            axis=axis, equal_nan=False)
        inverse = inverse.reshape(-1)
    result = [Tensor._wrap(values)]
    if return_inverse:
        result.append(Tensor._wrap(inverse.astype(np.int64, copy=False)))
    if return_counts:
        result.append(Tensor._wrap(counts.astype(np.int64, copy=False)))
    return result[0] if len(result) == 1 else tuple(result)
