"""Batch normalisation as one fused op per mode (training, evaluation), differentiable to any order.

Each channel of an input (N, C, *) is normalised over the M = N * prod(*) values it holds:
xhat = (x - mean) * invstd, invstd = 1 / sqrt(var + eps), out = xhat * w + b. Fused forward and
backward keep it to a handful of passes over the data, instead of the ten small ops (mean,
subtract, square, mean, add, sqrt, divide, scale, shift) a composition would record, each with
its own temporary.

In training the statistics are the batch's, so every output depends on every input of its
channel. With g = dL/dout the gradients are, per channel (sums over the M values),

    dL/db = sum(g)                                        ChannelSum
    dL/dw = sum(g * xhat)                                 BatchNormWeightGrad
    dL/dx = w * invstd * P(g),                            BatchNormInputGrad
            P(g) = g - mean(g) - xhat * mean(g * xhat)

Each is an op of its own with a fused NumPy forward (a Function has one output) and a backward
in Tensor ops, so the gradients are differentiable again. P is a symmetric projection, which
makes BatchNormInputGrad its own adjoint in g; its derivative in x, through xhat and invstd, is
written out in ``BatchNormInputGrad.backward`` (the closed form of PyTorch's
batchnorm_double_backward).
"""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor


def _rows(a: np.ndarray) -> tuple:
    """(N, C, L) of an (N, C, *) array: explicit sizes, never -1, which an empty array (N = 0)
    leaves NumPy unable to infer."""
    return a.shape[0], a.shape[1], int(np.prod(a.shape[2:]))


def _channel_sum(a: np.ndarray) -> np.ndarray:
    """sum of (N, C, *) over every axis but C, as (C,): a matrix-vector product with ones per
    sample, which BLAS sums in blocks, in either layout the reshape views (NCHW, or the
    channel-major (C, N, *) memory of a convolution's output). Several times faster than
    a.sum(axis=(0, 2, 3)); einsum, as fast, adds one value at a time along a channel-major
    array, five times the rounding error in float32, which BatchNorm's mean passes on."""
    n, c, m = _rows(a)
    return np.matmul(a.reshape(n, c, m), np.ones(m, dtype=a.dtype)).sum(axis=0)


def _channel_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """sum of a * b over every axis but C, as (C,): one batched matrix product per channel,
    faster than a temporary product and exact to float32 rounding."""
    n, c, m = _rows(a)
    return np.matmul(a.reshape(n, c, 1, m), b.reshape(n, c, m, 1)).reshape(n, c).sum(axis=0)


def _per_channel(v, ndim: int):
    """(C,) as (C, 1, ..., 1), broadcasting against (N, C, *) inputs of ``ndim`` axes (an array
    or a Tensor)."""
    return v.reshape(v.shape + (1,) * (ndim - 2))


def _normalized(x: Tensor, eps: float) -> Tensor:
    """xhat = (x - mean) * invstd with the batch statistics of ``x``, on the graph."""
    return BatchNormTrain.apply(x, None, None, None, None, 0.0, eps)


def _channel_total(t: Tensor) -> Tensor:
    """Sum of ``t`` over every axis but C as (C, 1, ..., 1), on the graph."""
    return _per_channel(ChannelSum.apply(t), t.ndim)


def batch_statistics(x: np.ndarray, eps: float) -> tuple:
    """(x - mean, mean, var, 1 / sqrt(var + eps)) per channel of (N, C, *): the statistics
    over every axis but C, the variance biased."""
    m = x.size // x.shape[1]
    mean = _channel_sum(x) / m
    xc = x - _per_channel(mean, x.ndim)
    var = _channel_dot(xc, xc) / m
    return xc, mean, var, 1 / np.sqrt(var + eps)


class ChannelSum(Function):
    """y[c] = sum of x[:, c, ...].  dL/dx = dL/dy[c] broadcast back over N and the spatial axes."""

    __slots__ = ("x_shape",)

    @staticmethod
    def forward(ctx, x):
        ctx.x_shape = x.shape
        return _channel_sum(x)

    @staticmethod
    def backward(ctx, grad_out):
        return (_per_channel(grad_out, len(ctx.x_shape)).expand(ctx.x_shape),)


class BatchNormTrain(Function):
    """out = (x - mean) * invstd * w + b with the batch's per-channel mean and biased var.
    dL/db = ChannelSum(g), dL/dw = BatchNormWeightGrad(g, x), dL/dx = BatchNormInputGrad(g, x, w).

    Running statistics, when given, are updated in place: mean and the unbiased variance
    var * M / (M - 1) are blended in with ``momentum``, as PyTorch does.
    """

    __slots__ = ("stats", "eps")

    @staticmethod
    def forward(ctx, x, w, b, running_mean, running_var, momentum, eps):
        m = x.size // x.shape[1]
        # x - mean becomes the output in place: one new array, laid out as x is (NumPy keeps
        # the input's layout, so a convolution's channel-major output stays channel-major)
        out, mean, var, invstd = batch_statistics(x, eps)
        scale = invstd if w is None else w * invstd
        out *= _per_channel(scale, x.ndim)
        if b is not None:
            out += _per_channel(b, x.ndim)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean
            running_var *= 1 - momentum
            running_var += (momentum * m / (m - 1)) * var
        # x is saved (the gradient ops differentiate through it); mean and invstd only spare
        # them recomputing the statistics of the same x.
        ctx.stats, ctx.eps = (mean, invstd), eps
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        sum_g = ChannelSum.apply(grad_out)
        sum_g_xhat = None
        if need_w or need_x:
            sum_g_xhat = BatchNormWeightGrad.apply(grad_out, x, ctx.stats, ctx.eps, sum_g.data)
        grad_x = None
        if need_x:  # both sums are terms of dL/dx: handed over as arrays, not recomputed
            grad_x = BatchNormInputGrad.apply(grad_out, x, w, ctx.stats, ctx.eps,
                                              (sum_g.data, sum_g_xhat.data))
        return (grad_x, sum_g_xhat if need_w else None, sum_g if need_b else None,
                None, None, None, None)


class BatchNormWeightGrad(Function):
    """y = sum(g * xhat) per channel (dL/dw of batch norm in training).
    dL/dg = dL/dy * xhat, dL/dx = BatchNormInputGrad(dL/dy * g, x) (the adjoint of xhat(x))."""

    __slots__ = ("stats", "eps")

    @staticmethod
    def forward(ctx, g, x, stats, eps, sum_g):
        ctx.stats, ctx.eps = stats, eps
        ctx.save_for_backward(g, x)
        mean, invstd = stats
        # sum(g * (x - mean)) as sum(g * x) - mean * sum(g): no (x - mean) temporary; the
        # rounding is that of x - mean itself (about eps * |mean|)
        return (_channel_dot(g, x) - mean * sum_g) * invstd

    @staticmethod
    def backward(ctx, grad_out):
        g, x = ctx.saved_tensors
        need_g, need_x = ctx.needs_input_grad[:2]
        grad_y = _per_channel(grad_out, x.ndim)
        grad_g = _normalized(x, ctx.eps) * grad_y if need_g else None
        grad_x = None
        if need_x:
            grad_x = BatchNormInputGrad.apply(g * grad_y, x, None, ctx.stats, ctx.eps, None)
        return grad_g, grad_x, None, None, None


class BatchNormInputGrad(Function):
    """y = w * invstd * (g - mean(g) - xhat * mean(g * xhat)) per channel (dL/dx of batch norm
    in training; w = 1 when None).  dL/dg = the same op on dL/dy (the projection is symmetric),
    dL/dw = sum(dL/dy * y at w = 1); dL/dx through xhat and invstd (``_input_grad_x``)."""

    __slots__ = ("stats", "eps")

    @staticmethod
    def forward(ctx, g, x, w, stats, eps, sums):
        ctx.stats, ctx.eps = stats, eps
        ctx.save_for_backward(g, x, w)
        mean, invstd = stats
        m = x.size // x.shape[1]
        if sums is None:
            sum_g = _channel_sum(g)
            sums = sum_g, (_channel_dot(g, x) - mean * sum_g) * invstd
        sum_g, sum_g_xhat = sums
        k = invstd if w is None else w * invstd
        # k * g - xc * c - k * mean(g) with xc = x - mean, as k * g - x * c + (mean * c - ...):
        # two products and one shift, no (x - mean) temporary
        c = k * invstd * sum_g_xhat / m
        grad_x = x * _per_channel(-c, x.ndim)
        grad_x += _per_channel(mean * c - k * sum_g / m, x.ndim)
        grad_x += g * _per_channel(k, x.ndim)
        return grad_x

    @staticmethod
    def backward(ctx, grad_out):
        g, x, w = ctx.saved_tensors
        need_g, need_x, need_w = ctx.needs_input_grad[:3]
        stats, eps = ctx.stats, ctx.eps
        grad_g = grad_x = grad_w = None
        if need_g:
            grad_g = BatchNormInputGrad.apply(grad_out, x, w, stats, eps, None)
        if need_w:  # y is linear in w
            unscaled = BatchNormInputGrad.apply(g, x, None, stats, eps, None)
            grad_w = ChannelSum.apply(grad_out * unscaled)
        if need_x:
            grad_x = _input_grad_x(grad_out, g, x, w, stats, eps)
        return grad_g, grad_x, grad_w, None, None, None


def _input_grad_x(grad_y: Tensor, g: Tensor, x: Tensor, w, stats, eps) -> Tensor:
    """d/dx of sum(grad_y * y) for y = BatchNormInputGrad(g, x, w), in Tensor ops.

    Per channel, sum(grad_y * y) = w * invstd * (A - B * D / M) with A = sum(grad_y * g) -
    sum(grad_y) * sum(g) / M, B = sum(grad_y * xhat), D = sum(g * xhat). Only invstd, B and D
    depend on x: through invstd with the coefficient alpha = w * (A - B * D / M)
    (d invstd / dx = -invstd**2 * xhat / M), and through xhat with the cotangent
    a = -w * invstd / M * (D * grad_y + B * g), whose adjoint is BatchNormInputGrad(a, x).
    """
    m = x.numel() // x.shape[1]
    xhat = _normalized(x, eps)
    invstd = _per_channel((x.var(dim=[0] + list(range(2, x.ndim)), correction=0) + eps) ** -0.5,
                          x.ndim)
    sum_g = _channel_total(g)
    a_term = _channel_total(grad_y * g) - _channel_total(grad_y) * sum_g / m
    b_term = _channel_total(grad_y * xhat)
    d_term = _channel_total(g * xhat)
    alpha = a_term - b_term * d_term / m
    coef = invstd / -m
    if w is not None:
        w = _per_channel(w, x.ndim)
        alpha, coef = alpha * w, coef * w
    cotangent = (grad_y * d_term + g * b_term) * coef
    through_xhat = BatchNormInputGrad.apply(cotangent, x, None, stats, eps, None)
    return through_xhat - xhat * (alpha * invstd * invstd / m)


class BatchNormEval(Function):
    """out = (x - mean) * invstd * w + b with fixed (running) statistics: an affine map per
    channel.  dL/dx = g * w * invstd, dL/dw = sum(g * xhat), dL/db = sum(g)."""

    __slots__ = ("stats",)

    @staticmethod
    def forward(ctx, x, w, b, mean, var, eps):
        invstd = 1 / np.sqrt(var + eps)
        scale = invstd if w is None else w * invstd
        shift = -mean * scale if b is None else b - mean * scale
        out = x * _per_channel(scale, x.ndim)
        out += _per_channel(shift, x.ndim)
        ctx.stats = (mean, invstd)  # constants: running statistics get no gradient
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        mean, invstd = ctx.stats
        grad_x = grad_w = grad_b = None
        if need_x:
            scale = invstd if w is None else w * invstd
            grad_x = grad_out * _per_channel(scale, x.ndim)
        if need_w or need_b:
            grad_b = ChannelSum.apply(grad_out)
            if need_w:  # sum(g * (x - mean)) as sum(g * x) - mean * sum(g): no temporary
                grad_w = (ChannelSum.apply(grad_out * x) - grad_b * mean) * invstd
        return grad_x, grad_w, grad_b if need_b else None, None, None, None


def batch_norm(input: Tensor, running_mean, running_var, weight=None, bias=None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of ``input``, then scale by ``weight`` and shift by ``bias``.

    With ``training`` the batch's statistics are used (biased variance), and ``running_mean`` /
    ``running_var``, when given, are updated in place with ``momentum`` (unbiased variance).
    Otherwise the running statistics are used. Differentiable to any order in input, weight
    and bias.

    Args:
        input: (N, C) or (N, C, *).  running_mean, running_var: (C,) Tensors or None.
        weight, bias: (C,) or None.  momentum: weight of the new batch in the running stats.
        eps: added to the variance for stability.
    Shape: output is input's shape.
    Raises: ValueError when shapes disagree, or when training on one value per channel.
        An empty input (N = 0) gives an empty output and leaves the running statistics
        alone, as in PyTorch.

    Examples: ``F.batch_norm(x, running_mean, running_var, training=True)``
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
        if input.numel() == 0:  # no values, no statistics: the affine map of nothing
            return BatchNormEval.apply(input, weight, bias, np.zeros(c, input.dtype),
                                       np.ones(c, input.dtype), eps)
        return BatchNormTrain.apply(
            input, weight, bias, None if running_mean is None else running_mean.data,
            None if running_var is None else running_var.data, momentum, eps)
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm: running_mean and running_var are needed when not training")
    return BatchNormEval.apply(input, weight, bias,
                               running_mean.data.astype(input.dtype, copy=False),
                               running_var.data.astype(input.dtype, copy=False), eps)
