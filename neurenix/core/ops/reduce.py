"""Reductions over one axis, several axes (``dim`` as an int or a list) or everything.

Each backward re-inserts the reduced axes (when ``keepdim`` dropped them) and broadcasts the
gradient back over them.
"""
from collections import namedtuple

import numpy as np

from .. import dtypes
from .._shapes import normalize_dims
from ..autograd import Function
from ..tensor import Tensor

MaxResult = namedtuple("MaxResult", ["values", "indices"])  # torch.return_types.max


def _expand_back(grad_out, axes, keepdim):
    """``grad_out`` of a reduction as an array broadcastable against the input shape."""
    if not keepdim:
        grad_out = np.expand_dims(grad_out, axes)
    return grad_out


class Sum(Function):
    """y = sum of x over ``axes``.  dL/dx = dL/dy broadcast back over ``axes``."""

    __slots__ = ("axes", "keepdim", "x_shape")

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes, ctx.keepdim, ctx.x_shape = axes, keepdim, x.shape
        return np.asarray(x.sum(axis=axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad_out):
        grad = _expand_back(grad_out, ctx.axes, ctx.keepdim)
        return np.broadcast_to(grad, ctx.x_shape), None, None


class Mean(Function):
    """y = mean of x over ``axes``.  dL/dx = dL/dy / n broadcast back over ``axes``."""

    __slots__ = ("axes", "keepdim", "x_shape")

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes, ctx.keepdim, ctx.x_shape = axes, keepdim, x.shape
        return np.asarray(x.mean(axis=axes, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad_out):
        n = 1
        for a in ctx.axes:
            n *= ctx.x_shape[a]
        grad = _expand_back(grad_out, ctx.axes, ctx.keepdim) / grad_out.dtype.type(n)
        return np.broadcast_to(grad, ctx.x_shape), None, None


class Amax(Function):
    """y = max of x over ``axes``.  dL/dx = dL/dy split evenly among the maximal elements."""

    __slots__ = ("axes", "keepdim")

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes, ctx.keepdim = axes, keepdim
        y = np.asarray(x.max(axis=axes, keepdims=True))
        ctx.save_for_backward(x, y)
        return y if keepdim else np.squeeze(y, axis=axes)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        hit = (x == y).astype(grad_out.dtype)
        hit /= hit.sum(axis=ctx.axes, keepdims=True)
        return hit * _expand_back(grad_out, ctx.axes, ctx.keepdim), None, None


class Amin(Function):
    """y = min of x over ``axes``.  dL/dx = dL/dy split evenly among the minimal elements."""

    __slots__ = ("axes", "keepdim")

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes, ctx.keepdim = axes, keepdim
        y = np.asarray(x.min(axis=axes, keepdims=True))
        ctx.save_for_backward(x, y)
        return y if keepdim else np.squeeze(y, axis=axes)

    backward = Amax.backward


class TakeAlong(Function):
    """y = x[..., index, ...] along ``dim`` (the values of max/min with a dim).
    dL/dx = dL/dy scattered back to the chosen positions."""

    __slots__ = ("dim", "keepdim")

    @staticmethod
    def forward(ctx, x, index, dim, keepdim):
        ctx.dim, ctx.keepdim = dim, keepdim
        ctx.save_for_backward(x.shape, index)
        y = np.take_along_axis(x, index, axis=dim)
        return y if keepdim else np.squeeze(y, axis=dim)

    @staticmethod
    def backward(ctx, grad_out):
        x_shape, index = ctx.saved_tensors
        grad = np.zeros(x_shape, dtype=grad_out.dtype)
        if not ctx.keepdim:
            grad_out = np.expand_dims(grad_out, ctx.dim)
        np.put_along_axis(grad, index, grad_out, axis=ctx.dim)
        return grad, None, None, None


class Var(Function):
    """y = sum((x - mean)**2) / (n - correction).  dL/dx = dL/dy * 2 (x - mean) / (n - correction)."""

    __slots__ = ("axes", "keepdim", "denom")

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction):
        n = 1
        for a in axes:
            n *= x.shape[a]
        ctx.axes, ctx.keepdim = axes, keepdim
        ctx.denom = x.dtype.type(n - correction if n > correction else 0)
        centered = x - x.mean(axis=axes, keepdims=True)
        ctx.save_for_backward(centered)
        with np.errstate(divide="ignore", invalid="ignore"):  # n <= correction gives nan/inf, as PyTorch
            return np.asarray((centered * centered).sum(axis=axes, keepdims=keepdim) / ctx.denom)

    @staticmethod
    def backward(ctx, grad_out):
        (centered,) = ctx.saved_tensors
        grad = _expand_back(grad_out, ctx.axes, ctx.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad * centered * (2 / ctx.denom), None, None, None


class LogSumExp(Function):
    """y = log(sum(exp(x))) over ``axes``.  dL/dx = dL/dy * exp(x - y) (the softmax)."""

    __slots__ = ("axes", "keepdim")

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.axes, ctx.keepdim = axes, keepdim
        m = x.max(axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype)  # an all -inf slice stays -inf, not nan
        y = np.log(np.exp(x - m).sum(axis=axes, keepdims=True)) + m
        ctx.save_for_backward(x, y)
        return y if keepdim else np.squeeze(y, axis=axes)

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        return np.exp(x - y) * _expand_back(grad_out, ctx.axes, ctx.keepdim), None, None


def _floating(x: Tensor) -> Tensor:
    if x.dtype.kind == "f":
        return x
    return x.to(dtypes.get_default_dtype())


def sum(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Sum over ``dim`` (an int, a list of ints, or None for every element)."""
    return Sum.apply(x, normalize_dims("sum", dim, x.ndim), keepdim)


def mean(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Mean over ``dim`` (an int, a list of ints, or None for every element)."""
    if x.numel() == 0:
        raise RuntimeError(f"mean: the tensor of shape {x.shape} has no elements")
    return Mean.apply(_floating(x), normalize_dims("mean", dim, x.ndim), keepdim)


def _extreme(op, reducer, arg, x, dim, keepdim):
    if x.numel() == 0:
        raise RuntimeError(f"{op}: the tensor of shape {x.shape} has no elements")
    if dim is None or not isinstance(dim, (int, np.integer)):
        return reducer.apply(x, normalize_dims(op, dim, x.ndim), keepdim)
    axis = normalize_dims(op, dim, x.ndim)[0] if x.ndim else 0
    index = np.expand_dims(arg(x.data, axis=axis), axis) if x.ndim else np.zeros((), np.int64)
    if x.ndim == 0:
        return MaxResult(x, Tensor._wrap(index))
    values = TakeAlong.apply(x, index, axis, keepdim)
    return MaxResult(values, Tensor._wrap(index if keepdim else np.squeeze(index, axis)))


def max(x: Tensor, dim=None, keepdim: bool = False):
    """The maximum of all elements; with an int ``dim``, the namedtuple (values, indices) along
    it, as torch.max; with a list of dims, the maximum over them (as torch.amax)."""
    return _extreme("max", Amax, np.argmax, x, dim, keepdim)


def min(x: Tensor, dim=None, keepdim: bool = False):
    """The minimum of all elements; with an int ``dim``, (values, indices) as torch.min."""
    return _extreme("min", Amin, np.argmin, x, dim, keepdim)


def amax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Maximum over ``dim`` (int, list or None); ties share the gradient evenly."""
    return Amax.apply(x, normalize_dims("amax", dim, x.ndim), keepdim)


def amin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Minimum over ``dim`` (int, list or None); ties share the gradient evenly."""
    return Amin.apply(x, normalize_dims("amin", dim, x.ndim), keepdim)


def _arg(op, fn, x, dim, keepdim):
    if dim is None:
        out = np.asarray(fn(x.data.reshape(-1)))
        return Tensor._wrap(out.reshape((1,) * x.ndim) if keepdim else out)
    axis = normalize_dims(op, dim, x.ndim)[0]
    out = fn(x.data, axis=axis)
    return Tensor._wrap(np.expand_dims(out, axis) if keepdim else np.asarray(out))


def argmax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index (int64) of the maximum, of the flattened tensor when ``dim`` is None."""
    return _arg("argmax", np.argmax, x, dim, keepdim)


def argmin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index (int64) of the minimum, of the flattened tensor when ``dim`` is None."""
    return _arg("argmin", np.argmin, x, dim, keepdim)


def var(x: Tensor, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
    """Variance over ``dim``; unbiased (divides by n - 1) by default, as PyTorch."""
    correction = (1 if unbiased else 0) if correction is None else correction
    return Var.apply(_floating(x), normalize_dims("var", dim, x.ndim), keepdim, correction)


def std(x: Tensor, dim=None, unbiased: bool = True, keepdim: bool = False, *, correction=None):
    """Standard deviation over ``dim``: sqrt of ``var``."""
    return var(x, dim, unbiased, keepdim, correction=correction).sqrt()


def logsumexp(x: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``dim``, shifted by the maximum so it neither overflows nor
    underflows."""
    return LogSumExp.apply(_floating(x), normalize_dims("logsumexp", dim, x.ndim),
                           keepdim)
