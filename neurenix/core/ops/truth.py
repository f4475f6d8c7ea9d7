"""Truth tests: ``all``, ``any``, ``count_nonzero`` and ``nonzero`` (also ``where(condition)``
with one argument). An element is true when it is not 0. None of them has a gradient: they
return bool or int64 tensors that never require grad, as in PyTorch.
"""
import numpy as np

from .._shapes import normalize_dims
from ..tensor import Tensor


def _tested(op: str, input) -> np.ndarray:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    return input.data


def _truth(op: str, reducer, input: Tensor, dim, keepdim: bool) -> Tensor:
    x = _tested(op, input)
    # As PyTorch: dim=None tests every element, while an empty tuple of dims tests none (each
    # element on its own), where sum(dim=()) would sum everything.
    axes = normalize_dims(op, dim, x.ndim)
    return Tensor._wrap(np.asarray(reducer(x, axis=axes if x.ndim else (), keepdims=keepdim)))


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Whether every element is true (not 0), over all elements or along ``dim``.

    Args:  input: the tensor.  dim: an int, a tuple of ints, or None for every element.
        keepdim: keep the reduced axes with length 1.
    Shape: () for every element; else the input's without ``dim`` (kept as 1 with ``keepdim``).
    Returns: a bool tensor (True for an empty reduction).

    Examples: ``nx.tensor([[1, 0], [2, 3]]).all(dim=1)`` is ``tensor([False, True])``.
    """
    return _truth("all", np.all, input, dim, keepdim)


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Whether some element is true (not 0), over all elements or along ``dim``.

    Args:  input: the tensor.  dim: an int, a tuple of ints, or None for every element.
        keepdim: keep the reduced axes with length 1.
    Shape: () for every element; else the input's without ``dim`` (kept as 1 with ``keepdim``).
    Returns: a bool tensor (False for an empty reduction).

    Examples: ``nx.tensor([[1, 0], [0, 0]]).any(dim=1)`` is ``tensor([True, False])``.
    """
    return _truth("any", np.any, input, dim, keepdim)


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """How many elements are not 0, over all elements or along ``dim``.

    Args:  input: the tensor.  dim: an int, a tuple of ints, or None (or an empty tuple) for
        every element.
    Shape: () for every element; else the input's without ``dim``.
    Returns: an int64 tensor.

    Examples: ``nx.count_nonzero(nx.tensor([[0., 1.], [2., 3.]]), dim=0)`` is ``tensor([1, 2])``.
    """
    x = _tested("count_nonzero", input)
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None  # PyTorch counts every element for dim=()
    axes = normalize_dims("count_nonzero", dim, x.ndim)
    return Tensor._wrap(np.asarray(np.count_nonzero(x, axis=axes if x.ndim else None),
                                   dtype=np.int64))


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """The indices of the elements that are not 0, in row-major order.

    Args:  input: the tensor.  as_tuple: return one 1-d index tensor per dimension (usable as
        ``x[nonzero(x, as_tuple=True)]``) instead of one 2-d tensor.
    Shape: (n, ndim) for n elements that are not 0; with ``as_tuple``, ndim tensors of (n,)
        (one for a 0-d input, as PyTorch).
    Returns: int64 tensors.

    Examples: ``nx.nonzero(nx.tensor([0, 5, 0, 7]))`` is ``tensor([[1], [3]])``.
    """
    x = _tested("nonzero", input)
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64, copy=False))
                     for i in np.nonzero(np.atleast_1d(x)))
    return Tensor._wrap(np.argwhere(x).astype(np.int64, copy=False))
