"""Reductions over one axis, several axes (``dim`` as an int or a list) or everything.

As in PyTorch, ``dim=None`` and an empty list both mean every axis, and a 0-d tensor accepts
``dim`` 0 or -1 (reducing nothing). Each backward re-inserts the reduced axes (when ``keepdim``
dropped them, by a reshape) and broadcasts the gradient back over them.
"""
from collections import namedtuple

import numpy as np

from .. import dtypes
from .._shapes import normalize_dims
from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import as_floating, cast, maximum, minimum, where

MaxResult = namedtuple("MaxResult", ["values", "indices"])  # torch.return_types.max


def _kept_shape(shape, axes) -> tuple:
    """``shape`` with the reduced ``axes`` kept as 1: what keepdim=True gives. A backward
    reshapes dL/dy to it (cheaper than np.expand_dims), then it broadcasts against the input."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def keep_reduced(ctx, x, y, axes, keepdim: bool):
    """The output of a reduction whose backward needs its input and output: ``y`` (reduced
    with keepdims) squeezed unless ``keepdim``. Saves both and the kept shape, to which the
    backward reshapes the output and its gradient to broadcast them against x."""
    ctx.kept_shape = y.shape
    out = y if keepdim else np.squeeze(y, axis=axes)
    ctx.save_for_backward(x, out)
    return out


def _count(shape, axes) -> int:
    """How many elements each output element reduces."""
    n = 1
    for a in axes:
        n *= shape[a]
    return n


def _denominator(x, axes, correction):
    """n - correction of var and std, in x's dtype; 0 when n <= correction (inf or nan result)."""
    n = _count(x.shape, axes)
    return x.dtype.type(n - correction if n > correction else 0)


class Sum(Function):
    """y = sum of x over ``axes``.  dL/dx = dL/dy broadcast back over ``axes``."""

    __slots__ = ("kept_shape", "x_shape")

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.kept_shape, ctx.x_shape = _kept_shape(x.shape, axes), x.shape
        return x.sum(axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out.reshape(ctx.kept_shape).expand(ctx.x_shape), None, None


class Mean(Function):
    """y = mean of x over ``axes``.  dL/dx = dL/dy / n broadcast back over ``axes``."""

    __slots__ = ("kept_shape", "x_shape", "n")

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.kept_shape, ctx.x_shape = _kept_shape(x.shape, axes), x.shape
        ctx.n = _count(x.shape, axes)
        total = x.sum(axis=axes, keepdims=keepdim)
        if ctx.n == 0:  # the mean of nothing is nan, as in PyTorch (NumPy would also warn)
            return np.full(np.shape(total), np.nan, x.dtype)
        return total / x.dtype.type(ctx.n)

    @staticmethod
    def backward(ctx, grad_out):
        grad = grad_out.reshape(ctx.kept_shape) / (ctx.n or 1)
        return grad.expand(ctx.x_shape), None, None


class Amax(Function):
    """y = max of x over ``axes``.  dL/dx = dL/dy split evenly among the maximal elements."""

    __slots__ = ("kept_shape",)

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        y = x.max(axis=axes, keepdims=True)
        ctx.kept_shape = y.shape
        _save_shares(ctx, x, y, axes)
        return y if keepdim else np.squeeze(y, axis=axes)

    @staticmethod
    def backward(ctx, grad_out):
        (share,) = ctx.saved_tensors
        return share * grad_out.reshape(ctx.kept_shape), None, None


def _save_shares(ctx, x, y, axes) -> None:
    """Save each element's share of the gradient of max/min ``y``: 1/k for the k elements equal
    to it, 0 elsewhere. A constant: the op is piecewise linear in x."""
    hit = (x == y).astype(x.dtype)
    hit /= hit.sum(axis=axes, keepdims=True)
    ctx.save_for_backward(hit)


class Amin(Function):
    """y = min of x over ``axes``.  dL/dx = dL/dy split evenly among the minimal elements."""

    __slots__ = ("kept_shape",)

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        y = x.min(axis=axes, keepdims=True)
        ctx.kept_shape = y.shape
        _save_shares(ctx, x, y, axes)
        return y if keepdim else np.squeeze(y, axis=axes)

    backward = staticmethod(Amax.backward)  # the same rule: the elements equal to y share it


class TakeAlong(Function):
    """y = x[..., index, ...] along ``dim`` (the values of max/min with a dim).
    dL/dx = dL/dy put back at the chosen positions (``PutAlong``)."""

    __slots__ = ("dim", "x_shape", "index")

    @staticmethod
    def forward(ctx, x, index, dim, keepdim):
        # (index keeps a length-1 axis at dim, as np.take_along_axis wants)
        ctx.dim, ctx.x_shape, ctx.index = dim, x.shape, index
        y = np.take_along_axis(x, index, axis=dim)
        return y if keepdim else np.squeeze(y, axis=dim)

    @staticmethod
    def backward(ctx, grad_out):
        grad = PutAlong.apply(grad_out.reshape(ctx.index.shape), ctx.index, ctx.dim, ctx.x_shape)
        return grad, None, None, None


class PutAlong(Function):
    """y = zeros(shape) with x put at ``index`` along ``dim``: the adjoint of ``TakeAlong``.
    dL/dx = dL/dy taken back along the same index."""

    __slots__ = ("dim", "index")

    @staticmethod
    def forward(ctx, x, index, dim, shape):
        ctx.dim, ctx.index = dim, index
        out = np.zeros(shape, dtype=x.dtype)
        np.put_along_axis(out, index, x, axis=dim)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        return TakeAlong.apply(grad_out, ctx.index, ctx.dim, True), None, None, None


class Var(Function):
    """y = sum((x - mean)**2) / (n - correction).
    dL/dx = dL/dy * 2 (x - mean) / (n - correction)."""

    __slots__ = ("kept_shape", "axes", "denom")

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction):
        ctx.kept_shape, ctx.axes = _kept_shape(x.shape, axes), axes
        ctx.denom = _denominator(x, axes, correction)
        ctx.save_for_backward(x)
        centered = x - x.mean(axis=axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):  # n <= correction: inf/nan, as PyTorch
            return (centered * centered).sum(axis=axes, keepdims=keepdim) / ctx.denom

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        centered = x - x.mean(dim=ctx.axes, keepdim=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = x.dtype.type(2) / ctx.denom
            return grad_out.reshape(ctx.kept_shape) * centered * scale, None, None, None


class Std(Function):
    """y = sqrt(var(x)).  dL/dx = dL/dy * (x - mean) / ((n - correction) y), 0 where y = 0
    (PyTorch's choice: the derivative of sqrt at 0 is infinite, but every element equals the
    mean there, so the gradient is taken as 0 rather than nan)."""

    __slots__ = ("kept_shape", "axes", "denom")

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction):
        ctx.axes, ctx.denom = axes, _denominator(x, axes, correction)
        centered = x - x.mean(axis=axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.sqrt((centered * centered).sum(axis=axes, keepdims=True) / ctx.denom)
        return keep_reduced(ctx, x, y, axes, keepdim)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        y = y.reshape(ctx.kept_shape)
        centered = x - x.mean(dim=ctx.axes, keepdim=True)
        zero = y.data == 0
        # 1 / y only where y != 0: a where() after a division by 0 would still send 0 * inf =
        # nan into the second derivative through the branch it did not take
        safe_y = where(zero, 1.0, y)
        with np.errstate(divide="ignore", invalid="ignore"):  # a correction >= n: denom 0
            scale = where(zero, 0.0, 1 / (safe_y * ctx.denom))
        return grad_out.reshape(ctx.kept_shape) * centered * scale, None, None, None


class LogSumExp(Function):
    """y = log(sum(exp(x))) over ``axes``.  dL/dx = dL/dy * exp(x - y) (the softmax)."""

    __slots__ = ("kept_shape",)

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        # shifting by the max: exp never overflows (initial: the log-sum-exp of nothing is
        # -inf, as PyTorch, where NumPy has no max of nothing)
        m = x.max(axis=axes, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, x.dtype.type(0))  # an all -inf slice stays -inf, not nan
        with np.errstate(divide="ignore"):  # log(0) = -inf for an all -inf slice
            y = np.log(np.exp(x - m).sum(axis=axes, keepdims=True)) + m
        return keep_reduced(ctx, x, y, axes, keepdim)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        with np.errstate(invalid="ignore"):  # -inf - -inf: nan, as PyTorch
            return (x - y.reshape(ctx.kept_shape)).exp() * grad_out.reshape(ctx.kept_shape), \
                None, None


def _axes(op: str, x: Tensor, dim) -> tuple:
    """The axes of ``x`` that ``dim`` reduces: all of them for None or an empty list (as
    PyTorch); none for a 0-d tensor, whose only dims are 0 and -1."""
    if isinstance(dim, (tuple, list)) and len(dim) == 0:
        dim = None
    axes = normalize_dims(op, dim, x.ndim)
    return axes if x.ndim else ()


def _nonempty(op: str, x: Tensor, axes: tuple) -> None:
    """max/min/argmax have no value over nothing: refuse to reduce an axis of length 0."""
    if x.numel() == 0 and (not axes or any(x.shape[a] == 0 for a in axes)):
        raise RuntimeError(f"{op}: cannot reduce over an empty dimension; the tensor has shape "
                           f"{x.shape} and dim covers axes {axes or 'all'}")


def sum(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Sum over ``dim`` (an int, a list of ints, or None for every element).

    Shape: the input's without the reduced axes (kept as 1 with ``keepdim``).
    """
    return Sum.apply(x, _axes("sum", x, dim), keepdim)


def mean(x: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Mean over ``dim`` (an int, a list of ints, or None for every element); the mean of
    nothing is nan.

    Args:  x: a floating tensor.  dim, keepdim: as ``sum``.  dtype: a floating dtype to cast
        ``x`` to first (the way to average an integer or bool tensor).
    Shape: that of ``x`` without ``dim`` (kept as 1 with ``keepdim``).
    Raises: RuntimeError for an integer or bool ``x`` without a floating ``dtype``, or an
        integer ``dtype``, as PyTorch (it cannot infer the output dtype).

    Examples: ``x.mean()``, ``x.mean(dim=(2, 3))``, ``(pred == y).mean(dtype=nx.float32)``.
    """
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        if dtype.kind != "f":
            raise RuntimeError(f"mean: could not infer the output dtype: dtype must be a "
                               f"floating dtype, got {dtype}")
        x = cast(x, dtype)
    elif x.data.dtype.kind != "f":
        raise RuntimeError(f"mean: could not infer the output dtype: the input (shape "
                           f"{x.shape}) has dtype {x.dtype}, not a floating one; use "
                           "x.float().mean() or x.mean(dtype=nx.float32)")
    return Mean.apply(x, _axes("mean", x, dim), keepdim)


def _extreme(op, reducer, arg, x, dim, keepdim):
    axes = _axes(op, x, dim)
    _nonempty(op, x, axes)
    if dim is None or not isinstance(dim, (int, np.integer)):
        return reducer.apply(x, axes, keepdim)
    if x.ndim == 0:
        return MaxResult(x, Tensor._wrap(np.zeros((), np.int64)))
    (axis,) = axes
    index = np.expand_dims(arg(x.data, axis=axis), axis)
    values = TakeAlong.apply(x, index, axis, keepdim)
    return MaxResult(values, Tensor._wrap(index if keepdim else np.squeeze(index, axis)))


def max(x: Tensor, dim=None, keepdim: bool = False):
    """The maximum of all elements (ties share the gradient evenly); with an int ``dim``, the
    namedtuple (values, indices) along it, as torch.max (the gradient goes to the returned
    index); with a list of dims, the maximum over them (as ``amax``); with a tensor in place of
    ``dim``, the elementwise ``maximum`` (as torch.max(x, other)).

    Shape: () for all elements; else the input's without ``dim`` (kept as 1 with ``keepdim``).
    """
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    return _extreme("max", Amax, np.argmax, x, dim, keepdim)


def min(x: Tensor, dim=None, keepdim: bool = False):
    """The minimum, as ``max`` describes: of all elements, (values, indices) along an int
    ``dim``, over a list of dims, or the elementwise ``minimum`` with a tensor."""
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    return _extreme("min", Amin, np.argmin, x, dim, keepdim)


def amax(x: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Maximum over ``dim`` (int, list, or empty/None for all); ties share the gradient evenly."""
    axes = _axes("amax", x, dim)
    _nonempty("amax", x, axes)
    return Amax.apply(x, axes, keepdim)


def amin(x: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Minimum over ``dim`` (int, list, or empty/None for all); ties share the gradient evenly."""
    axes = _axes("amin", x, dim)
    _nonempty("amin", x, axes)
    return Amin.apply(x, axes, keepdim)


def _arg(op, fn, x, dim, keepdim):
    if dim is not None and not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int or None, got {dim!r}")
    axes = _axes(op, x, dim)
    _nonempty(op, x, axes)
    if dim is None or x.ndim == 0:
        out = np.asarray(fn(x.data.reshape(-1)))
        return Tensor._wrap(out.reshape((1,) * x.ndim) if keepdim else out)
    out = fn(x.data, axis=axes[0], keepdims=keepdim)
    return Tensor._wrap(np.asarray(out))


def argmax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index (int64) of the maximum along ``dim``, or in the flattened tensor when None."""
    return _arg("argmax", np.argmax, x, dim, keepdim)


def argmin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index (int64) of the minimum along ``dim``, or in the flattened tensor when None."""
    return _arg("argmin", np.argmin, x, dim, keepdim)


def _correction(unbiased: bool, correction) -> int:
    return (1 if unbiased else 0) if correction is None else correction


def var(x: Tensor, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
    """Variance over ``dim``: sum((x - mean)**2) / (n - correction).

    Args:
        dim: an int, a list of ints, or None for every element.
        unbiased: correction 1 (the default, as PyTorch) or, if False, 0.
        keepdim: keep the reduced axes with length 1.
        correction: overrides ``unbiased``; n <= correction gives inf or nan.
    Shape: the input's without the reduced axes (kept as 1 with ``keepdim``).
    """
    correction = _correction(unbiased, correction)
    return Var.apply(as_floating(x), _axes("var", x, dim), keepdim, correction)


def std(x: Tensor, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
    """Standard deviation over ``dim``: the square root of ``var`` with the same arguments; its
    gradient is 0 (not nan) where the deviation is 0, as in PyTorch."""
    correction = _correction(unbiased, correction)
    return Std.apply(as_floating(x), _axes("std", x, dim), keepdim, correction)


def logsumexp(x: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``dim``, shifted by the maximum so it neither overflows nor
    underflows."""
    return LogSumExp.apply(as_floating(x), _axes("logsumexp", x, dim), keepdim)
