"""Ops that copy or reorder a tensor's elements: repeat, tile, repeat_interleave, flip, roll.

Repetition is broadcasting made solid: ``x.repeat(2, 3)`` views x (a, b) as (1, a, 1, b),
expands it to (2, a, 3, b) and merges the pairs, so its backward (Reshape, then the sum that
undoes Expand) comes from those ops and is differentiable again. ``flip`` and ``roll`` only
permute positions; each one's backward is itself, undoing the permutation.
"""
import numpy as np

from .._shapes import int_args, normalize_dim, normalize_dims
from ..autograd import Function
from ..tensor import Tensor
from .shape import Expand, Reshape, flatten


class Flip(Function):
    """y = x reversed along ``axes``.  dL/dx = dL/dy reversed along the same axes (a Flip)."""

    __slots__ = ("axes",)

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return np.flip(x, axes).copy()  # a copy, as torch.flip: np.flip would give a view

    @staticmethod
    def backward(ctx, grad_out):
        return Flip.apply(grad_out, ctx.axes), None


class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``axes``.  dL/dx = dL/dy shifted back (a Roll
    by -shifts)."""

    __slots__ = ("shifts", "axes")

    @staticmethod
    def forward(ctx, x, shifts, axes):
        ctx.shifts, ctx.axes = shifts, axes
        return np.roll(x, shifts, axes)  # a repeated axis adds up its shifts, as in PyTorch

    @staticmethod
    def backward(ctx, grad_out):
        return Roll.apply(grad_out, tuple(-s for s in ctx.shifts), ctx.axes), None, None


def _spread(x: Tensor, counts: tuple, before: bool) -> Tensor:
    """``x`` with each axis of length d turned into a pair (count, d) (``before``) or (d, count)
    by broadcasting, then each pair merged into one axis of count * d: the whole tensor tiled
    (``before``) or each element repeated in place. Backward: the sum that undoes Expand."""
    pairs = [(c, d) if before else (d, c) for c, d in zip(counts, x.shape)]
    unit = tuple(v for c, d in zip(counts, x.shape) for v in ((1, d) if before else (d, 1)))
    spread = Expand.apply(Reshape.apply(x, unit), tuple(v for pair in pairs for v in pair))
    return Reshape.apply(spread, tuple(c * d for c, d in zip(counts, x.shape)))


def _check_counts(op: str, name: str, counts: tuple, x: Tensor) -> None:
    if min(counts, default=0) < 0:
        raise ValueError(f"{op}: {name} must be non-negative, got {counts} for a tensor of "
                         f"shape {x.shape}")


def repeat(input: Tensor, *repeats) -> Tensor:
    """``input`` copied ``repeats[i]`` times along each axis i (``np.tile``); extra leading
    ``repeats`` add new leading axes.

    Args:
        input: the tensor to repeat.
        repeats: one non-negative count per axis, as ``repeat(x, 2, 3)`` or ``repeat(x, (2, 3))``;
            at least as many as ``input`` has axes.

    Shape: (d_0, .., d_n-1) -> (r_0 * d_0, .., r_n-1 * d_n-1), ``input`` first padded with
        leading 1s to ``len(repeats)`` axes.
    Returns: a new tensor (a copy); its gradient sums over the copies.
    Raises: ValueError naming ``repeats`` and the shape when there are fewer counts than axes
        or a count is negative.

    Examples: ``nx.tensor([1, 2]).repeat(2, 2)`` is ``[[1, 2, 1, 2], [1, 2, 1, 2]]``.
    """
    repeats = int_args("repeat", "repeats", repeats)
    if len(repeats) < input.ndim:
        raise ValueError(f"repeat: repeats {repeats} must give at least one count per dimension "
                         f"of the tensor of shape {input.shape}")
    _check_counts("repeat", "repeats", repeats, input)
    lead = len(repeats) - input.ndim
    if lead:
        input = Reshape.apply(input, (1,) * lead + input.shape)
    return _spread(input, repeats, before=True)


def tile(input: Tensor, *dims) -> Tensor:
    """``input`` copied ``dims[i]`` times along each axis i; as ``repeat``, except that fewer
    counts than axes are padded with leading 1s (``tile(x, 2)`` on a matrix tiles its columns).

    Args:
        input: the tensor to tile.
        dims: non-negative counts, as ``tile(x, (2, 3))`` or ``x.tile(2, 3)``.

    Shape: (.., d_i, ..) -> (.., dims[i] * d_i, ..), with both padded with leading 1s to the
        same length.
    Returns: a new tensor (a copy).
    Raises: ValueError naming ``dims`` and the shape when a count is negative.

    Examples: ``nx.tile(nx.tensor([[1, 2]]), (2,))`` is ``[[1, 2, 1, 2]]``.
    """
    dims = int_args("tile", "dims", dims)
    _check_counts("tile", "dims", dims, input)
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def repeat_interleave(input: Tensor, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Each slice of ``input`` along ``dim`` repeated in place: [a, b] -> [a, a, b, b].

    Args:
        input: the tensor (or, called alone, an integer 1-D tensor of repeat counts: then the
            result is ``repeat_interleave(arange(len(input)), input)``).
        repeats: an int, a 0-d or one-element tensor (the same count for every slice), or an
            integer 1-D tensor of one count per slice along ``dim``.
        dim: the axis to repeat along; None flattens ``input`` first.
        output_size: the total length along ``dim``, if known; checked against ``repeats``.

    Shape: (.., n, ..) -> (.., sum(repeats), ..) (n * repeats for an int); with ``dim=None``
        (*) -> (numel * repeats,).
    Returns: a new tensor of ``input``'s dtype (int64 for the counts-only form).
    Raises: ValueError naming the counts and shape when a count is negative, the counts do not
        match the length of ``dim``, or ``output_size`` is not their sum; TypeError for
        non-integer counts.

    Examples: ``nx.repeat_interleave(nx.tensor([1, 2]), 2)`` is ``[1, 1, 2, 2]``.
    """
    if repeats is None:  # the counts-only form: indices repeated by the given counts
        if input.ndim != 1 or input.dtype.kind not in "iu":
            raise ValueError(f"repeat_interleave: called with only repeats, expects an integer "
                             f"1-D tensor of counts, got shape {input.shape}, dtype {input.dtype}")
        input, repeats, dim = Tensor(np.arange(len(input))), input, 0
    if dim is None:
        input, axis = flatten(input), 0
    elif input.ndim == 0:
        raise IndexError(f"repeat_interleave: dim {dim} is out of range for a tensor of 0 "
                         "dimensions (pass dim=None)")
    else:
        axis = normalize_dim("repeat_interleave", dim, input.ndim)
    n = input.shape[axis]
    counts = _interleave_counts(repeats, n, input)
    total = counts * n if isinstance(counts, int) else int(counts.sum())
    if output_size is not None and output_size != total:
        raise ValueError(f"repeat_interleave: output_size {output_size} is not the repeated "
                         f"length {total} along dim {axis} of shape {input.shape}")
    if isinstance(counts, int):  # each slice broadcast to `counts` copies next to itself
        return _spread(input, tuple(counts if i == axis else 1 for i in range(input.ndim)),
                       before=False)
    # uneven counts: gather the slices by index (the gradient adds up each slice's copies)
    return input[(slice(None),) * axis + (np.repeat(np.arange(n), counts),)]


def _interleave_counts(repeats, n: int, input: Tensor):
    """``repeats`` as an int (one count for all ``n`` slices) or an int64 array of n counts."""
    if isinstance(repeats, Tensor):
        if repeats.dtype.kind not in "iu":
            raise TypeError(f"repeat_interleave: repeats must be integers, got dtype "
                            f"{repeats.dtype}")
        if repeats.ndim > 1:
            raise ValueError(f"repeat_interleave: repeats must be a 0-d or 1-D tensor, got shape "
                             f"{repeats.shape}")
        counts = repeats.data.reshape(-1).astype(np.int64)
        if counts.size == 1:
            counts = int(counts[0])
        elif counts.size != n:
            raise ValueError(f"repeat_interleave: {counts.size} repeats for {n} slices along "
                             f"the dim of the tensor of shape {input.shape}")
        elif counts.min(initial=0) < 0:
            raise ValueError(f"repeat_interleave: repeats must be non-negative, got "
                             f"{counts.tolist()}")
    elif isinstance(repeats, (int, np.integer)) and not isinstance(repeats, bool):
        counts = int(repeats)
    else:
        raise TypeError(f"repeat_interleave: repeats must be an int or an integer tensor, got "
                        f"{type(repeats).__name__}")
    if isinstance(counts, int) and counts < 0:
        raise ValueError(f"repeat_interleave: repeats must be non-negative, got {counts}")
    return counts


def flip(input: Tensor, dims) -> Tensor:
    """``input`` reversed along each axis in ``dims``.

    Args:
        input: the tensor to flip.
        dims: an int or a sequence of distinct ints (negatives count from the end).

    Shape: unchanged.
    Returns: a new tensor (a copy, as torch.flip; NumPy's flip would be a view).
    Raises: IndexError for a dim out of range; ValueError for a repeated dim.

    Examples: ``nx.flip(nx.tensor([[1, 2], [3, 4]]), [0])`` is ``[[3, 4], [1, 2]]``.
    """
    # an int, a sequence, or the tuple of x.flip(*dims): x.flip(0, 1) or x.flip((0, 1))
    dims = int_args("flip", "dims", dims if isinstance(dims, (tuple, list)) else (dims,))
    axes = normalize_dims("flip", dims, input.ndim) if input.ndim else ()  # 0-d: dim 0 is a no-op
    return Flip.apply(input, axes)


def fliplr(input: Tensor) -> Tensor:
    """``input`` reversed left to right: ``flip(input, 1)``.

    Shape: (n, m, *) -> (n, m, *), at least 2 dimensions.
    Returns: a new tensor (a copy).
    Raises: ValueError naming the shape of an input with fewer than 2 dimensions.
    Examples: ``nx.fliplr(nx.tensor([[1, 2]]))`` is ``[[2, 1]]``.
    """
    if input.ndim < 2:
        raise ValueError(f"fliplr: input must have at least 2 dimensions, got shape {input.shape}")
    return Flip.apply(input, (1,))


def flipud(input: Tensor) -> Tensor:
    """``input`` reversed upside down: ``flip(input, 0)``.

    Shape: (n, *) -> (n, *), at least 1 dimension.
    Returns: a new tensor (a copy).
    Raises: ValueError for a 0-d input.
    Examples: ``nx.flipud(nx.tensor([1, 2]))`` is ``[2, 1]``.
    """
    if input.ndim < 1:
        raise ValueError(f"flipud: input must have at least 1 dimension, got shape {input.shape}")
    return Flip.apply(input, (0,))


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    """``input`` shifted cyclically: elements pushed past the end come back at the start.

    Args:
        input: the tensor to roll.
        shifts: an int or a tuple of ints, one per dim in ``dims`` (negative: towards the start).
        dims: an int or a tuple of ints (a repeated dim adds up its shifts); None rolls the
            flattened tensor by one shift and restores the shape.

    Shape: unchanged.
    Returns: a new tensor (a copy).
    Raises: ValueError naming both when ``shifts`` and ``dims`` differ in length; IndexError
        for a dim out of range.

    Examples: ``nx.roll(nx.tensor([1, 2, 3]), 1)`` is ``[3, 1, 2]``.
    """
    shifts = int_args("roll", "shifts", (shifts,))  # an int or a sequence
    if dims is None:
        if len(shifts) != 1:
            raise ValueError(f"roll: shifts {shifts} need as many dims (dims=None rolls the "
                             "flattened tensor by one shift)")
        return Reshape.apply(Roll.apply(flatten(input), shifts, (0,)), input.shape)
    dims = int_args("roll", "dims", (dims,))
    if len(shifts) != len(dims) or not dims:
        raise ValueError(f"roll: shifts {shifts} and dims {dims} must be non-empty and of the "
                         f"same length (tensor of shape {input.shape})")
    if input.ndim == 0:
        raise IndexError(f"roll: dim {dims[0]} is out of range for a tensor of 0 dimensions")
    axes = tuple(normalize_dim("roll", d, input.ndim) for d in dims)
    return Roll.apply(input, shifts, axes)
