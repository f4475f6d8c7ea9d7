"""Lookups by integer index: ``one_hot`` and ``embedding`` (rows of a weight table).

``embedding`` gathers rows, weight[index]. Its gradient adds each output row's gradient onto
the row of the table it came from (``EmbeddingGrad``: the indices sorted once, each run of equal
ones summed with np.add.reduceat, never np.add.at), with PyTorch's two options as a constant
per-row scale: 0 for ``padding_idx`` (that row gets no gradient) and 1 / count for
``scale_grad_by_freq``. The gather and the scatter are each the other's backward, so gradients
are differentiable to any order.

A frequency-scaled gradient is a modified one, not the derivative of the forward. As in
PyTorch's double backward ("the first backward takes care of scaling by frequency"), the
scatter's backward gathers without that scale (the padding row still masked): the second
derivative in the weight then carries the scale once, as the derivative of the first gradient
does.
"""
import numpy as np

from .. import versions
from ..autograd import Function
from ..tensor import Tensor


class EmbeddingOp(Function):
    """out[...] = weight[index[...]] (one row per index).  dL/dweight = ``EmbeddingGrad``:
    dL/dout's rows added onto the rows they were read from, times the row scale."""

    __slots__ = ("index", "rows", "scale", "padding_idx")

    @staticmethod
    def forward(ctx, weight, index, scale, padding_idx):
        ctx.index, ctx.rows, ctx.scale = index, weight.shape[0], scale
        ctx.padding_idx = padding_idx
        return np.take(weight, index, axis=0)

    @staticmethod
    def backward(ctx, grad_out):
        grad_w = EmbeddingGrad.apply(grad_out, ctx.index, ctx.rows, ctx.scale, ctx.padding_idx)
        return grad_w, None, None, None


class EmbeddingGrad(Function):
    """out (rows, D) = scale[r] * the sum of g[p] over the positions p with index[p] = r.
    dL/dg = the rows of dL/dout gathered again, the padding row as zeros (``EmbeddingOp``;
    without the frequency scale, see the module docstring)."""

    __slots__ = ("index", "padding_idx")

    @staticmethod
    def forward(ctx, g, index, rows, scale, padding_idx):
        ctx.index, ctx.padding_idx = index, padding_idx
        flat, g = index.reshape(-1), g.reshape(index.size, g.shape[-1])
        order = np.argsort(flat, kind="stable")
        ordered = flat[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if flat.size else flat
        out = np.zeros((rows, g.shape[-1]), dtype=g.dtype)
        if flat.size:
            out[ordered[starts]] = np.add.reduceat(g[order], starts, axis=0)
        if scale is not None:
            out *= scale[:, None]
        return out

    @staticmethod
    def backward(ctx, grad_out):
        if ctx.padding_idx is not None:
            keep = np.ones((grad_out.shape[0], 1), dtype=grad_out.dtype)
            keep[ctx.padding_idx] = 0
            grad_out = grad_out * Tensor._wrap(keep)
        return EmbeddingOp.apply(grad_out, ctx.index, None, None), None, None, None, None


def one_hot(input: Tensor, num_classes: int = -1) -> Tensor:
    """One-hot encoding of class indices, as ``torch.nn.functional.one_hot``.

    Args:
        input: int64 class indices, any shape.
        num_classes: the number of classes; -1 (the default) means input.max() + 1.

    Shape: (*) -> (*, num_classes), int64 (never requires grad).

    Raises: TypeError naming one_hot for a non-int64 input; ValueError for negative indices,
        an index of num_classes or more, or num_classes=-1 with an empty input.

    Examples: ``F.one_hot(nx.tensor([0, 2, 1]), 3)``
    """
    op = "one_hot"
    if not isinstance(input, Tensor) or input.dtype != np.int64:
        raise TypeError(f"{op}: expected an int64 index tensor, got "
                        f"{getattr(input, 'dtype', type(input).__name__)}")
    index = input.data
    if num_classes == -1:
        if index.size == 0:
            raise ValueError(f"{op}: can not infer the number of classes from an empty tensor "
                             f"{input.shape}; pass num_classes")
        num_classes = int(index.max()) + 1
    if index.size and index.min() < 0:
        raise ValueError(f"{op}: class values must be non-negative, got {index.min()} (input "
                         f"{input.shape})")
    if index.size and index.max() >= num_classes:
        raise ValueError(f"{op}: class values must be smaller than num_classes={num_classes}, "
                         f"got {index.max()} (input {input.shape})")
    out = np.zeros(index.shape + (int(num_classes),), dtype=np.int64)
    np.put_along_axis(out, index[..., None], 1, axis=-1)
    return Tensor._wrap(out)


def _row_scale(index: np.ndarray, rows: int, padding_idx, scale_grad_by_freq: bool, dtype):
    """The per-row scale of the gradient (None for all ones): 1 / the number of uses of each
    row with ``scale_grad_by_freq``, and 0 for the ``padding_idx`` row."""
    if padding_idx is None and not scale_grad_by_freq:
        return None
    scale = np.ones(rows, dtype=dtype)
    if scale_grad_by_freq:
        scale /= np.maximum(np.bincount(index.reshape(-1), minlength=rows), 1)
    if padding_idx is not None:
        scale[padding_idx] = 0
    return scale


def _renorm_rows(weight: Tensor, index: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Rescale, in place, each row of ``weight`` that ``index`` uses and whose ``norm_type``
    norm exceeds ``max_norm`` to norm max_norm (PyTorch's embedding_renorm_, 1e-7 included)."""
    rows = np.unique(index)
    norms = np.linalg.norm(weight.data[rows].astype(np.float64), ord=norm_type, axis=1)
    over = norms > max_norm
    if over.any():
        scale = max_norm / (norms[over] + 1e-7)
        weight.data[rows[over]] *= scale[:, None].astype(weight.dtype)
        versions.bump(weight.data)  # an in-place update: a backward that saved it must see it


def embedding(input: Tensor, weight: Tensor, padding_idx: int = None, max_norm: float = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """Look up rows of ``weight`` by index, as ``torch.nn.functional.embedding``.

    Args:
        input: integer indices (int64 or int32), any shape, each in [0, num_embeddings).
        weight: (num_embeddings, embedding_dim), the table.
        padding_idx: a row (negative counts from the end) that gets no gradient.
        max_norm: before the lookup, rows used by ``input`` whose ``norm_type``-norm exceeds it
            are rescaled in place to that norm (as PyTorch, outside the graph).
        norm_type: the p of that p-norm.
        scale_grad_by_freq: divide each row's gradient by how often ``input`` uses it.
        sparse: refused; neurenix has no sparse gradients.

    Shape: (*) -> (*, embedding_dim), weight's dtype.

    Raises: TypeError naming embedding for a non-integer input; ValueError for a weight that is
        not 2-D, a padding_idx outside the table, ``sparse=True``; IndexError for an index
        outside the table.

    Examples: ``F.embedding(tokens, table, padding_idx=0)``
    """
    op = "embedding"
    if not isinstance(input, Tensor) or input.dtype not in (np.int64, np.int32):
        raise TypeError(f"{op}: expected int64 or int32 indices, got "
                        f"{getattr(input, 'dtype', type(input).__name__)}")
    if not isinstance(weight, Tensor) or weight.ndim != 2:
        raise ValueError(f"{op}: weight must be a 2-D Tensor (num_embeddings, embedding_dim), "
                         f"got {getattr(weight, 'shape', type(weight).__name__)}")
    if sparse:
        raise ValueError(f"{op}: sparse=True is not supported: neurenix has no sparse "
                         "gradients; use sparse=False (a dense gradient of the weight)")
    rows, index = weight.shape[0], input.data
    if index.size and (index.min() < 0 or index.max() >= rows):
        bad = index.min() if index.min() < 0 else index.max()
        raise IndexError(f"{op}: index {bad} is out of range for a weight of {rows} rows "
                         f"(weight {weight.shape}, input {input.shape})")
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise ValueError(f"{op}: padding_idx {padding_idx} must be within num_embeddings "
                             f"{rows} (weight {weight.shape})")
        padding_idx %= rows
    if max_norm is not None and index.size:
        _renorm_rows(weight, index, max_norm, norm_type)
    scale = _row_scale(index, rows, padding_idx, scale_grad_by_freq, weight.dtype)
    return EmbeddingOp.apply(weight, index, scale, padding_idx)
