"""Layer, group and instance normalisation: per-sample groups standardised by batch norm's math.

Each normalises a group of values by the group's own mean and biased variance, then applies an
affine map. The groups are consecutive blocks of the input's values (in row-major order):

    layer_norm     the trailing ``normalized_shape`` of each sample; weight and bias have that
                   shape (elementwise).
    group_norm     C/G channels of one sample, all their positions; weight and bias per
                   channel.
    instance_norm  one channel of one sample (group_norm with G = C); with running statistics
                   it also blends the batch's mean per-instance statistics into them (training)
                   or normalises with them (``use_input_stats=False``, which is batch_norm in
                   eval mode), as PyTorch.

``Standardize`` does the normalisation. Viewed as a (1, groups, M) tensor whose "channels" are
the groups, it is batch normalisation in training mode without affine parameters, so its
forward shares batch norm's statistics and its backward is ``BatchNormInputGrad``
(``normalization.py``), an op whose own backward is batch norm's closed form: differentiable
to any order. The fused op measured faster than a composite of mean / var / rsqrt ops, most of
all in the backward (two channel reductions and one elementwise pass instead of a recorded
graph of six ops and their temporaries). The view stays inside the op, so an exporter sees one
normalisation of the input as it is, its batch axis free.
"""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .normalization import BatchNormInputGrad, batch_norm, batch_statistics


class Standardize(Function):
    """y = (x - mean) * invstd over each of ``groups`` consecutive blocks of x's values
    (biased variance, plus eps).  dL/dx = ``BatchNormInputGrad`` of the (1, groups, M) view."""

    __slots__ = ("groups", "stats", "eps")

    @staticmethod
    def forward(ctx, x, groups, eps):
        rows = x.reshape(1, groups, x.size // groups)
        xc, mean, _, invstd = batch_statistics(rows, eps)
        ctx.groups, ctx.stats, ctx.eps = groups, (mean, invstd), eps
        ctx.save_for_backward(x)
        return (xc * invstd[:, None]).reshape(x.shape)

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        rows = (1, ctx.groups, x.numel() // ctx.groups)
        grad_x = BatchNormInputGrad.apply(grad_out.reshape(rows), x.reshape(rows), None,
                                          ctx.stats, ctx.eps, None)
        return grad_x.reshape(x.shape), None, None


def _standardize(x: Tensor, groups: int, eps: float) -> Tensor:
    """``x`` with each of ``groups`` consecutive equal blocks of its values standardised."""
    if x.numel() == 0:  # no values, no statistics: the (empty) result keeps x's graph
        return x * 0
    return Standardize.apply(x, groups, eps)


def _per_channel_affine(out: Tensor, weight, bias) -> Tensor:
    """out * weight + bias with (C,) parameters broadcast over (N, C, *)."""
    per_channel = (out.shape[1],) + (1,) * (out.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(per_channel)
    return out if bias is None else out + bias.reshape(per_channel)


def _check_parameter(op: str, name: str, t, shape: tuple, x: Tensor) -> None:
    if t is None:
        return
    if not isinstance(t, Tensor) or t.shape != shape:
        raise ValueError(f"{op}: {name} must be a Tensor of shape {shape}, got "
                         f"{getattr(t, 'shape', type(t).__name__)} (input {x.shape})")
    if t.dtype != x.dtype:
        raise TypeError(f"{op}: {name} dtype {t.dtype} differs from the input's {x.dtype} "
                        f"(input {x.shape}); convert one of them (module.to(dtype))")


def _check_input(op: str, x) -> None:
    if not isinstance(x, Tensor) or x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating Tensor, got "
                        f"{getattr(x, 'dtype', type(x).__name__)}")


def layer_norm(input: Tensor, normalized_shape, weight: Tensor = None, bias: Tensor = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dimensions of each sample, then scale
    and shift elementwise, as ``torch.nn.functional.layer_norm``:
    out = (x - mean) / sqrt(var + eps) * weight + bias.

    Args:
        input: (*, *normalized_shape).
        normalized_shape: an int or a tuple, the trailing dimensions normalised together.
        weight, bias: optional, of shape ``normalized_shape``.
        eps: added to the (biased) variance.

    Shape: the output has the input's shape and dtype.

    Raises: ValueError naming layer_norm and the shapes when the input does not end with
        ``normalized_shape`` or a parameter has another shape; TypeError for mixed dtypes.

    Examples: ``F.layer_norm(tokens, (512,), ln_weight, ln_bias)``
    """
    op = "layer_norm"
    _check_input(op, input)
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(
        normalized_shape)
    k = len(shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise ValueError(f"{op}: given normalized_shape={list(shape)}, expected an input of "
                         f"shape (*, {', '.join(map(str, shape))}), got {input.shape}")
    _check_parameter(op, "weight", weight, shape, input)
    _check_parameter(op, "bias", bias, shape, input)
    groups = int(np.prod(input.shape[:input.ndim - k]))
    out = _standardize(input, groups, eps)
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def group_norm(input: Tensor, num_groups: int, weight: Tensor = None, bias: Tensor = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each group of C / num_groups channels of each sample over all its values, then
    scale and shift each channel, as ``torch.nn.functional.group_norm``.

    Args:
        input: (N, C, *).  num_groups: G, dividing C.
        weight, bias: optional (C,).  eps: added to the (biased) variance.

    Shape: the output has the input's shape and dtype.

    Raises: ValueError naming group_norm and the shapes when G does not divide C or a
        parameter is not (C,); TypeError for mixed dtypes.

    Examples: ``F.group_norm(features, 32, gn_weight, gn_bias)``
    """
    op = "group_norm"
    _check_input(op, input)
    if input.ndim < 2:
        raise ValueError(f"{op}: expected an input (N, C, *) of at least 2 dimensions, got "
                         f"{input.shape}")
    C = input.shape[1]
    if isinstance(num_groups, bool) or not isinstance(num_groups, (int, np.integer)) or \
            num_groups < 1 or C % num_groups:
        raise ValueError(f"{op}: expected the number of channels of the input {input.shape} to "
                         f"be divisible by num_groups={num_groups!r}")
    _check_parameter(op, "weight", weight, (C,), input)
    _check_parameter(op, "bias", bias, (C,), input)
    out = _standardize(input, input.shape[0] * int(num_groups), eps)
    return _per_channel_affine(out, weight, bias)


def instance_norm(input: Tensor, running_mean: Tensor = None, running_var: Tensor = None,
                  weight: Tensor = None, bias: Tensor = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial positions, then scale and shift
    each channel, as ``torch.nn.functional.instance_norm``.

    Args:
        input: (N, C, *).
        running_mean, running_var: optional (C,) running statistics. With ``use_input_stats``
            they are updated in place (the mean over the batch of each instance's mean and
            unbiased variance, blended in with ``momentum``); without it they are used in
            place of the input's statistics.
        weight, bias: optional (C,).  eps: added to the variance.
        use_input_stats: normalise with each instance's own statistics (True, the default).

    Shape: the output has the input's shape and dtype.

    Raises: ValueError naming instance_norm and the shapes for a parameter that is not (C,),
        for a single spatial position with ``use_input_stats``, or for missing running
        statistics without it; TypeError for mixed dtypes.

    Examples: ``F.instance_norm(images)`` (style transfer's normalisation)
    """
    op = "instance_norm"
    _check_input(op, input)
    if input.ndim < 3:
        raise ValueError(f"{op}: expected an input (N, C, *) of at least 3 dimensions, got "
                         f"{input.shape}")
    N, C = input.shape[:2]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_parameter(op, name, t, (C,), input)
    if use_input_stats and int(np.prod(input.shape[2:])) == 1:
        raise ValueError(f"{op}: expected more than 1 spatial element when training, got input "
                         f"{input.shape}")
    if not use_input_stats and (running_mean is None or running_var is None):
        raise ValueError(f"{op}: running_mean and running_var are needed when "
                         f"use_input_stats=False (input {input.shape})")
    if not use_input_stats:  # every instance of a channel shares the channel's statistics
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    if running_mean is not None and input.numel():
        _update_running_stats(input.data, running_mean, running_var, momentum)
    return _per_channel_affine(_standardize(input, N * C, eps), weight, bias)


def _update_running_stats(x: np.ndarray, running_mean, running_var, momentum: float) -> None:
    """PyTorch's instance-norm update: each instance's mean and unbiased variance blended into
    its channel's running statistics, averaged over the batch (PyTorch blends N repeated copies
    of the running statistics, then averages them)."""
    N, C = x.shape[:2]
    values = x.reshape(N, C, x[0, 0].size)
    for running, stat in ((running_mean, values.mean(axis=2)),
                          (running_var, values.var(axis=2, ddof=1))):
        if running is not None:
            blended = running.data * (1 - momentum) + stat * momentum  # (N, C)
            running.data[...] = blended.mean(axis=0)
