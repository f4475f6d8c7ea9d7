"""Vectors scaled to unit norm: ``normalize`` and ``cosine_similarity``.

Both are composites of differentiable ops (a vector norm, a division, a sum), so their first
and second derivatives come from those ops. They differ, as in PyTorch, in how a norm below
``eps`` is handled: ``normalize`` divides by the clamped norm max(norm, eps), whose gradient is
0 where the clamp holds; ``cosine_similarity`` clamps its norms without recording the clamp
(PyTorch's ``clamp_min_`` under no_grad), so the gradient flows through the norm as if it had
not been clamped.
"""
import numpy as np

from .._shapes import broadcast_shapes, normalize_dim
from ..autograd import is_grad_enabled
from ..tensor import Tensor
from .arithmetic import promote
from .norm import vector_norm
from .shape import expand


def normalize(input: Tensor, p: float = 2.0, dim=1, eps: float = 1e-12, out=None) -> Tensor:
    """``input`` divided by its ``p``-norm along ``dim``: input / max(||input||_p, eps).

    Args:
        input: a floating tensor.  p: the norm's order (2: Euclidean).
        dim: the axis (or a tuple of axes) the norm runs over; 1 is the feature axis of (N, C).
        eps: the smallest divisor, so a zero vector stays zero.
        out: a tensor to write the result into (returned); not with autograd, as PyTorch.
    Shape: (*) -> (*), the dtype of ``input``.
    Raises: IndexError when ``dim`` is out of range; RuntimeError for an integer input, or for
        ``out`` while the input requires grad.

    Examples: ``F.normalize(embeddings, dim=-1)``.
    """
    if out is not None and is_grad_enabled() and input.requires_grad:
        raise RuntimeError(f"normalize: out= does not support automatic differentiation, but "
                           f"the input of shape {input.shape} requires grad")
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        raise RuntimeError(f"normalize: expected a floating tensor, got "
                           f"{getattr(input, 'dtype', type(input).__name__)}")
    norm = vector_norm(input, p, dim, keepdim=True)
    result = input / norm.clamp(min=eps)
    return result if out is None else out.copy_(result)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim``:
    sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)), in [-1, 1].

    Dividing each vector by its norm before the product (as PyTorch does) keeps the result in
    [-1, 1] and never forms ||x1|| ||x2||, which could overflow. The clamp to ``eps`` is not
    differentiated: the gradient is the unclamped norm's, PyTorch's choice.

    Args:
        x1, x2: tensors that broadcast together, at least one floating (their common dtype
            is the result's).
        dim: the axis the vectors run along.  eps: the smallest norm divided by.
    Shape: x1 (*a), x2 (*b) -> the broadcast shape without ``dim``.
    Raises: ValueError naming the shapes when they do not broadcast; IndexError when ``dim``
        is out of range; RuntimeError when both are integer tensors.

    Examples: ``F.cosine_similarity(a, b, dim=-1)``, ``nx.cosine_similarity(a, b)``.
    """
    op = "cosine_similarity"
    for x in (x1, x2):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(x).__name__}")
    if x1.dtype.kind != "f" and x2.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating common dtype, got {x1.dtype} and "
                           f"{x2.dtype} (shapes {x1.shape} and {x2.shape})")
    x1, x2 = promote(op, x1, x2)
    shape = broadcast_shapes(op, x1.shape, x2.shape)
    dim = normalize_dim(op, dim, len(shape))
    x1, x2 = (x if x.shape == shape else expand(x, *shape) for x in (x1, x2))
    return (_unit(x1, dim, eps) * _unit(x2, dim, eps)).sum(dim=dim)


def _unit(x: Tensor, dim: int, eps: float) -> Tensor:
    """x / max(||x||, eps) along ``dim``, the clamp a constant shift of the norm (so the
    gradient is the norm's own)."""
    norm = vector_norm(x, 2, dim, keepdim=True)
    return x / (norm + Tensor._wrap(np.maximum(norm.data, eps) - norm.data))
