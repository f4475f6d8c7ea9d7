"""Ops that PyTorch gives as views of their input: swapaxes/swapdims, movedim, narrow, unflatten,
unbind. Each is a permute, a slice or a reshape (``shape.py``, ``index.py``), so each backward
is theirs: the gradient goes back the way the data came."""
import operator

import numpy as np

from .._shapes import int_args, normalize_dim
from ..tensor import Tensor
from .shape import Permute, Reshape, transpose


def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """``transpose(input, axis0, axis1)`` under NumPy's name.
    Shape: (.., a, .., b, ..) -> (.., b, .., a, ..).
    Examples: ``nx.swapaxes(nx.zeros(2, 3), 0, 1)`` has shape (3, 2)."""
    return transpose(input, axis0, axis1)


def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """``transpose(input, dim0, dim1)`` under another name.
    Shape: (.., a, .., b, ..) -> (.., b, .., a, ..).
    Examples: ``nx.swapdims(nx.zeros(2, 3), 0, 1)`` has shape (3, 2)."""
    return transpose(input, dim0, dim1)


def movedim(input: Tensor, source, destination) -> Tensor:
    """``input`` with the axes ``source`` moved to the positions ``destination``; the other
    axes keep their order.

    Args:
        input: the tensor.
        source, destination: an int each, or sequences of distinct ints of the same length.

    Shape: (2, 3, 4) -> (3, 4, 2) with source=0, destination=-1.
    Returns: a view of ``input`` with permuted axes (``permute``).
    Raises: ValueError naming both when their lengths differ or a dim repeats; IndexError for
        a dim out of range.

    Examples: ``nx.movedim(nx.zeros(2, 3, 4), 0, -1)`` has shape (3, 4, 2).
    """
    source = int_args("movedim", "source", (source,))  # an int or a sequence
    destination = int_args("movedim", "destination", (destination,))
    if len(source) != len(destination):
        raise ValueError(f"movedim: source {source} and destination {destination} must have the "
                         "same length")
    src = [normalize_dim("movedim", d, input.ndim) for d in source]
    dst = [normalize_dim("movedim", d, input.ndim) for d in destination]
    for name, dims, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(dims)) != len(dims):
            raise ValueError(f"movedim: {name} {given} repeats a dim of the tensor of shape "
                             f"{input.shape}")
    order = [d for d in range(input.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):  # fill the destinations from the left, as NumPy
        order.insert(d, s)
    return Permute.apply(input, tuple(order)) if input.ndim else input


moveaxis = movedim  # NumPy's name


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """The ``length`` slices of ``input`` along ``dim`` from ``start``: ``x[.., start:start +
    length, ..]``.

    Args:
        input: a tensor with at least one dimension.
        dim: the axis to narrow.
        start: an int or a 0-d integer tensor in [-n, n] (negatives count from the end).
        length: a non-negative int with start + length <= n.

    Shape: (.., n, ..) -> (.., length, ..).
    Returns: a view of ``input`` (as slicing).
    Raises: ValueError or IndexError naming ``start``, ``length`` and the shape when they do
        not fit.

    Examples: ``nx.arange(5).narrow(0, 1, 2)`` is ``[1, 2]``.
    """
    if input.ndim == 0:
        raise ValueError("narrow: cannot narrow a 0-d tensor")
    axis = normalize_dim("narrow", dim, input.ndim)
    if isinstance(start, Tensor):
        start = operator.index(start)  # a one-element integer tensor, as PyTorch accepts
    start, length = int_args("narrow", "start and length", (start, length))
    n = input.shape[axis]
    if not -n <= start <= n:
        raise IndexError(f"narrow: start {start} is out of range [-{n}, {n}] for dim {dim} of "
                         f"shape {input.shape}")
    start = start + n if start < 0 else start
    if length < 0 or start + length > n:
        raise ValueError(f"narrow: start {start} + length {length} does not fit in dim {dim} "
                         f"of shape {input.shape}")
    return input[(slice(None),) * axis + (slice(start, start + length),)]


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """``input`` with axis ``dim`` split into the axes ``sizes`` (the inverse of ``flatten``).

    Args:
        input: a tensor with at least one dimension.
        dim: the axis to split.
        sizes: a non-empty sequence of ints whose product is the length of ``dim``; one may be
            -1 (inferred).

    Shape: (N, C*H*W) -> (N, C, H, W) with dim=1, sizes=(C, H, W).
    Returns: a view of ``input`` (a reshape).
    Raises: ValueError naming ``sizes`` and the shape when they do not multiply up.

    Examples: ``nx.zeros(2, 12).unflatten(1, (3, -1))`` has shape (2, 3, 4).
    """
    sizes = int_args("unflatten", "sizes", (sizes,))  # an int or a sequence
    if input.ndim == 0 or not sizes:
        raise ValueError(f"unflatten: needs a tensor with dimensions and non-empty sizes, got "
                         f"shape {input.shape} and sizes {sizes}")
    axis = normalize_dim("unflatten", dim, input.ndim)
    n, known = input.shape[axis], int(np.prod([s for s in sizes if s != -1]))
    if -1 in sizes:  # one -1 takes what the others leave
        fits = sizes.count(-1) == 1 and known > 0 and n % known == 0
    else:
        fits = known == n
    if not fits or min(sizes) < -1:
        raise ValueError(f"unflatten: sizes {sizes} do not multiply up to {n}, the length of "
                         f"dim {dim} of shape {input.shape}")
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return Reshape.apply(input, input.shape[:axis] + sizes + input.shape[axis + 1:])


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices of ``input`` along ``dim``, as a tuple of tensors without that axis.

    Shape: (.., n, ..) -> n tensors of shape (.., ..).
    Returns: a tuple of views of ``input`` (empty when n is 0).
    Raises: IndexError for a 0-d tensor or a dim out of range.

    Examples: ``a, b = nx.zeros(2, 3).unbind()`` gives two tensors of shape (3,).
    """
    if input.ndim == 0:
        raise IndexError("unbind: a 0-d tensor has no dimension to unbind")
    axis = normalize_dim("unbind", dim, input.ndim)
    return tuple(input[(slice(None),) * axis + (i,)] for i in range(input.shape[axis]))
