"""The lower and upper triangles of matrices: tril and triu.

Each keeps the elements on one side of a diagonal and zeroes the rest, which is ``where`` with a
constant mask: the gradient is masked the same way, and so is its own (``Where``'s backward is
``Where`` again), so no Function of their own is needed.
"""
import numpy as np

from ..tensor import Tensor
from .arithmetic import Where


def _triangle(op: str, input: Tensor, diagonal: int, lower: bool) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"{op}: input must have at least 2 dimensions, got shape "
                         f"{input.shape}")
    if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"{op}: diagonal must be an int, got {diagonal!r}")
    rows, cols = input.shape[-2:]
    # np.tri marks j <= i + k: the lower triangle from diagonal k; the upper one from k is
    # everything not in the lower triangle from k - 1
    mask = np.tri(rows, cols, int(diagonal) - (0 if lower else 1), dtype=bool)
    return Where.apply(mask if lower else ~mask, input, np.zeros((), input.dtype))


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dimensions: elements (i, j) with j <= i + diagonal
    kept, the rest zero. Differentiable (the gradient is masked the same way).

    Args:  input: a tensor of at least 2 dimensions (a batch of matrices).  diagonal: 0 keeps
        the main diagonal, positive values more diagonals above it, negative values fewer.
    Shape: (*, m, n) -> (*, m, n), dtype kept.
    Raises: ValueError for fewer than 2 dimensions, naming the shape.

    Examples: ``nx.tril(nx.ones(3, 3))``, ``x.tril(-1)`` (strictly below the diagonal).
    """
    return _triangle("tril", input, diagonal, lower=True)


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dimensions: elements (i, j) with j >= i + diagonal
    kept, the rest zero. Differentiable (the gradient is masked the same way).

    Args:  input: a tensor of at least 2 dimensions.  diagonal: 0 keeps the main diagonal,
        positive values fewer diagonals, negative values more below it.
    Shape: (*, m, n) -> (*, m, n), dtype kept.
    Raises: ValueError for fewer than 2 dimensions, naming the shape.

    Examples: ``nx.triu(nx.ones(3, 4), 1)`` (strictly above the diagonal), ``x.triu()``.
    """
    return _triangle("triu", input, diagonal, lower=False)
