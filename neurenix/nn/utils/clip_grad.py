"""Gradient clipping: scale all gradients down to a maximum total norm, or clamp each entry."""
import math
import types
import warnings

import numpy as np

from ...core import factories
from ...core.tensor import Tensor


def _vector_norm(x: np.ndarray, p: float) -> np.ndarray:
    """The p-norm of all of ``x``'s entries, as ``torch.linalg.vector_norm``: max |x| for
    inf, min |x| for -inf, the count of non-zeros for 0, else sum(|x|**p)**(1/p).
    Returns a 0-d value of ``x``'s dtype.
    Raises: RuntimeError for an empty ``x`` and a norm with no identity (inf, p < 0)."""
    if x.size == 0 and (p == math.inf or p < 0):
        raise RuntimeError(f"clip_grad_norm_: cannot compute the {p} norm of an empty "
                           f"gradient (shape {x.shape}): the operation has no identity")
    a = np.abs(x)
    if p == math.inf:
        return a.max()
    if p == -math.inf:
        return a.min()
    if p == 0:
        return np.asarray(np.count_nonzero(a), dtype=x.dtype)
    if p == 1:
        return a.sum()
    if p == 2:
        return np.sqrt(np.vdot(a, a))  # one BLAS pass instead of squaring into a copy
    with np.errstate(divide="ignore"):  # p < 0: a zero entry gives inf, and the norm 0
        return np.sum(a ** p) ** (1 / p)


def _total_norm(grads: list, norm_type: float) -> np.ndarray:
    """The norm of all gradients as one vector: the ``norm_type``-norm of the per-tensor
    norms, as PyTorch computes it (the same number for p > 0; for p = 0 it counts the
    tensors with a non-zero entry, as PyTorch's does)."""
    if not grads:
        return np.asarray(0.0, dtype=np.float32)
    dtype = np.result_type(*grads)
    norms = np.stack([_vector_norm(g, norm_type) for g in grads]).astype(dtype, copy=False)
    return _vector_norm(norms, norm_type)


def _listed(parameters) -> list:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale the gradients of ``parameters`` in place so that their total norm (all
    gradients seen as one vector) is at most ``max_norm``:
    ``grad *= min(max_norm / (total_norm + 1e-6), 1)``.

    Args:
        parameters: a Tensor or an iterable of Tensors; those without a gradient are skipped.
        max_norm: the largest total norm allowed.
        norm_type: p of the p-norm: any float, ``inf`` (``float("inf")`` or ``"inf"``) for the
            largest absolute entry (default 2).
        error_if_nonfinite: raise instead of clipping when the total norm is nan or inf
            (default False: the gradients are scaled by it anyway, as PyTorch does).
        foreach: accepted for PyTorch's signature; it chooses kernels there.
    Shape: any gradients.
    Returns: the total norm before clipping, a 0-d Tensor in the gradients' (common) dtype;
        ``tensor(0.)`` when no parameter has a gradient.
    Raises: RuntimeError for a non-finite total norm with ``error_if_nonfinite``.
    """
    if not isinstance(parameters, Tensor) and isinstance(parameters, types.GeneratorType):
        parameters = list(parameters)
        if not parameters:
            warnings.warn("clip_grad_norm_: `parameters` is an empty generator, no gradient "
                          "clipping will occur.", stacklevel=2)
    grads = [p.grad for p in _listed(parameters) if p.grad is not None]
    norm_type = float(norm_type)
    total = _total_norm([g.data for g in grads], norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {float(total)}, so they cannot be clipped; pass "
                           "error_if_nonfinite=False to scale them by it anyway")
    # In the norm's dtype, as PyTorch: (max_norm / (total + 1e-6)) capped at 1. A nan norm
    # stays nan (np.minimum propagates it), as PyTorch's clamp does.
    coef = np.minimum(float(max_norm) / (total + 1e-6), 1.0)
    with np.errstate(invalid="ignore"):  # an inf norm zeroes the finite entries, inf * 0 = nan
        for g in grads:  # the arrays themselves: no graph is recorded, as under no_grad
            g.data *= coef.astype(g.dtype)
    return factories.tensor(total)


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient entry of ``parameters`` into [-clip_value, clip_value], in place.

    Args: parameters: a Tensor or an iterable of Tensors (those without a gradient are
        skipped).  clip_value: the bound.  foreach: accepted for PyTorch's signature.
    Shape: any gradients; each keeps its shape and dtype.
    """
    clip_value = float(clip_value)
    for p in _listed(parameters):
        if p.grad is not None:
            np.clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)
