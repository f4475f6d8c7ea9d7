"""Batch normalisation as one fused op per mode (training, evaluation).

Each channel of an input (N, C, *) is normalised over the N * prod(*) values it holds. Fused
forward and closed-form backward keep it to a handful of passes over the data, instead of the
ten small ops (mean, subtract, square, mean, add, sqrt, divide, scale, shift) a composition
would record, each with its own temporary.
"""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor


def _channel_sum(a: np.ndarray) -> np.ndarray:
    """sum of (N, C, *) over every axis but C, as (C,)."""
    return np.einsum("ncl->c", a.reshape(a.shape[0], a.shape[1], -1))


def _channel_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """sum of a * b over every axis but C, as (C,): one batched matrix product per channel,
    faster than a temporary product and exact to float32 rounding."""
    n, c = a.shape[:2]
    return np.matmul(a.reshape(n, c, 1, -1), b.reshape(n, c, -1, 1)).reshape(n, c).sum(axis=0)


def _per_channel(v: np.ndarray, ndim: int) -> np.ndarray:
    """(C,) as (C, 1, ..., 1), broadcasting against (N, C, *) inputs of ``ndim`` axes."""
    return v.reshape(v.shape + (1,) * (ndim - 2))


class BatchNormTrain(Function):
    """out = (x - mean) / sqrt(var + eps) * w + b with the batch's per-channel mean and biased var.
    dL/dx = w * invstd * (g - mean(g) - xhat * mean(g * xhat)), dL/dw = sum(g * xhat),
    dL/db = sum(g).

    Running statistics, when given, are updated in place: mean and the unbiased variance
    var * M / (M - 1) are blended in with ``momentum``, as PyTorch does.
    """

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, w, b, running_mean, running_var, momentum, eps):
        m = x.size // x.shape[1]
        mean = _channel_sum(x) / m
        xc = x - _per_channel(mean, x.ndim)
        var = _channel_dot(xc, xc) / m
        invstd = 1 / np.sqrt(var + eps)
        scale = invstd if w is None else w * invstd
        out = xc * _per_channel(scale, x.ndim)
        if b is not None:
            out += _per_channel(b, x.ndim)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean
            running_var *= 1 - momentum
            running_var += (momentum * m / (m - 1)) * var
        ctx.save_for_backward(xc, invstd, w)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        xc, invstd, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        m = xc.size // xc.shape[1]
        sum_g = _channel_sum(grad_out)
        sum_g_xhat = _channel_dot(grad_out, xc) * invstd
        grad_x = None
        if need_x:
            k = invstd if w is None else w * invstd
            # g * k - k * mean(g) - xc * (k * invstd * mean(g * xhat)): two products, one shift
            grad_x = grad_out * _per_channel(k, xc.ndim)
            grad_x -= xc * _per_channel(k * invstd * sum_g_xhat / m, xc.ndim)
            grad_x -= _per_channel(k * sum_g / m, xc.ndim)
        return (grad_x, sum_g_xhat if need_w else None, sum_g if need_b else None,
                None, None, None, None)


class BatchNormEval(Function):
    """out = (x - mean) / sqrt(var + eps) * w + b with fixed (running) statistics: an affine
    map per channel.  dL/dx = dL/dout * w * invstd, dL/dw = sum(g * xhat), dL/db = sum(g)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, w, b, mean, var, eps):
        invstd = 1 / np.sqrt(var + eps)
        scale = invstd if w is None else w * invstd
        shift = -mean * scale if b is None else b - mean * scale
        out = x * _per_channel(scale, x.ndim)
        out += _per_channel(shift, x.ndim)
        ctx.save_for_backward(x, mean, invstd, scale)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, mean, invstd, scale = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_x = grad_out * _per_channel(scale, x.ndim) if need_x else None
        grad_w = grad_b = None
        if need_w or need_b:
            sum_g = _channel_sum(grad_out)
            grad_b = sum_g if need_b else None
            if need_w:
                grad_w = (_channel_dot(grad_out, x) - mean * sum_g) * invstd
        return grad_x, grad_w, grad_b, None, None, None


def batch_norm(input: Tensor, running_mean, running_var, weight=None, bias=None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of ``input``, then scale by ``weight`` and shift by ``bias``.

    With ``training`` the batch's statistics are used (biased variance), and ``running_mean`` /
    ``running_var``, when given, are updated in place with ``momentum`` (unbiased variance).
    Otherwise the running statistics are used.

    Args:
        input: (N, C) or (N, C, *).  running_mean, running_var: (C,) Tensors or None.
        weight, bias: (C,) or None.  momentum: weight of the new batch in the running stats.
        eps: added to the variance for stability.
    Shape: output is input's shape.
    Raises: ValueError when shapes disagree, or when training on one value per channel.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: input must be (N, C) or (N, C, *), got shape {input.shape}")
    c = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (c,):
            raise ValueError(f"batch_norm: {name} has shape {t.shape}, expected ({c},) for "
                             f"input {input.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != input.dtype:
            raise TypeError(f"batch_norm: input dtype {input.dtype} differs from {name} dtype "
                            f"{t.dtype}; convert the input or the module (module.to(dtype))")
    if training:
        if input.size(0) * int(np.prod(input.shape[2:])) == 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {input.shape}")
        if (running_mean is None) != (running_var is None):
            raise ValueError("batch_norm: give both running_mean and running_var, or neither")
        return BatchNormTrain.apply(
            input, weight, bias, None if running_mean is None else running_mean.data,
            None if running_var is None else running_var.data, momentum, eps)
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var are needed when not training")
    return BatchNormEval.apply(input, weight, bias,
                               running_mean.data.astype(input.dtype, copy=False),
                               running_var.data.astype(input.dtype, copy=False), eps)
