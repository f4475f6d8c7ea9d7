"""Normalisation layers (batch, instance, layer and group norm), with PyTorch's parameters,
buffers, defaults and running-statistics rules."""
import numbers
import warnings

from ..core import factories
from ..core.tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _register_affine(module: Module, shape: tuple, affine: bool, bias: bool) -> None:
    """Give ``module`` PyTorch's ``weight`` (ones) and ``bias`` (zeros) of ``shape``, each
    registered as None when not learned (so the names exist either way)."""
    module.register_parameter("weight", Parameter(factories.ones(*shape)) if affine else None)
    module.register_parameter("bias", Parameter(factories.zeros(*shape))
                              if affine and bias else None)


def _reset_affine(module: Module) -> None:
    """weight to 1 and bias to 0, where the module learns them."""
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


class _NormBase(Module):
    """Parameters, buffers, initialisation and repr shared by batch and instance norm:
    PyTorch's _NormBase (weight, bias, running_mean, running_var, num_batches_tracked)."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = True, track_running_stats: bool = True, *, bias: bool = True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _register_affine(self, (num_features,), affine, bias)
        if track_running_stats:
            self.register_buffer("running_mean", factories.zeros(num_features))
            self.register_buffer("running_var", factories.ones(num_features))
            self.register_buffer("num_batches_tracked", factories.tensor(0))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """running_mean to 0, running_var to 1, num_batches_tracked to 0 (when tracked)."""
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        """Reset the running statistics, and weight to 1 and bias to 0 (when ``affine``)."""
        self.reset_running_stats()
        _reset_affine(self)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError  # abstract: each subclass names the ranks it accepts

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    """Shared by BatchNorm1d / BatchNorm2d; they differ only in the input rank they accept."""

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        if input.ndim > 1 and input.shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected {self.num_features} channels "
                             f"(num_features), got input {input.shape}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:  # momentum=None: cumulative average of all batches
                factor = 1.0 / float(self.num_batches_tracked.data)
        # Batch statistics in training, and in eval when there are no running statistics.
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        update = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if update else None,
                            self.running_var if update else None, self.weight, self.bias,
                            use_batch, factor, self.eps)


class BatchNorm2d(_BatchNorm):
    """Normalises each channel of an image batch over (N, H, W), then scales and shifts it.

    Training uses the batch's mean and biased variance and blends them into ``running_mean``
    and ``running_var`` (unbiased variance) with ``momentum`` (None: the cumulative average);
    eval mode uses the running statistics. Exactly PyTorch's rules.

    Args:
        num_features: C.  eps: added to the variance.  momentum: float or None.
        affine: learn ``weight`` (ones) and ``bias`` (zeros).  track_running_stats: keep the
            running statistics (otherwise batch statistics are used in eval mode too).
        bias: (keyword) learn the bias when ``affine``.
    Shape: (N, C, H, W) -> the same, in the input's floating dtype, which must be the
        parameters' (float32 by default; running statistics are cast to it). An empty batch
        gives an empty output and leaves the running statistics alone (num_batches_tracked
        still counts it), as in PyTorch.
    Attributes: weight, bias (C,); buffers running_mean, running_var (C,), num_batches_tracked
        () (int64).
    Raises: ValueError naming the shape for an input that is not 4-D or has C != num_features,
        or, in training, one value per channel; TypeError when its dtype differs from the
        parameters'.
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 4:
            raise ValueError(f"BatchNorm2d: expected 4D input (got {input.ndim}D input of shape "
                             f"{input.shape})")


class BatchNorm1d(_BatchNorm):
    """BatchNorm2d's rules over (N, C) or (N, C, L) inputs (features of an MLP, sequences):
    each feature is normalised over N (and L).

    Args, Attributes and dtypes: as BatchNorm2d.
    Shape: (N, C) or (N, C, L) -> the same.
    Raises: ValueError naming the shape for an input that is not 2-D or 3-D or has
        C != num_features.
    """

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (2, 3):
            raise ValueError(f"BatchNorm1d: expected 2D or 3D input (got {input.ndim}D input of "
                             f"shape {input.shape})")


class InstanceNorm2d(_NormBase):
    """Normalises each channel of each image over its (H, W) positions, then (with ``affine``)
    scales and shifts each channel: style transfer's normalisation.

    With ``track_running_stats``, training also blends each batch's mean over the images of
    their means and unbiased variances into ``running_mean`` / ``running_var`` with
    ``momentum``, and eval mode normalises with them instead; otherwise (the default) every
    mode uses each image's own statistics. Exactly PyTorch's rules (num_batches_tracked is kept
    but not counted, as in PyTorch).

    Args:
        num_features: C.  eps: added to the variance.  momentum: float (None counts as 0).
        affine: learn ``weight`` (ones) and ``bias`` (zeros); False by default.
        track_running_stats: keep running statistics; False by default.
        bias: (keyword) learn the bias when ``affine``.
    Shape: (N, C, H, W) -> the same, or unbatched (C, H, W) -> the same; the parameters'
        floating dtype.
    Attributes: weight, bias (C,) when ``affine``; buffers running_mean, running_var (C,) and
        num_batches_tracked () when ``track_running_stats``.
    Raises: ValueError naming the shape for an input that is not 3-D or 4-D, with C !=
        num_features when ``affine`` (only a warning without it, as PyTorch), or with a single
        position per channel when using input statistics.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, *, bias: bool = True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, bias=bias)

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (3, 4):
            raise ValueError(f"InstanceNorm2d: expected 3D or 4D input (got {input.ndim}D input "
                             f"of shape {input.shape})")

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        channels = input.shape[-3]
        if channels != self.num_features:
            message = (f"InstanceNorm2d: expected the input's size at dim={input.ndim - 3} to "
                       f"match num_features ({self.num_features}), got input {input.shape}")
            if self.affine:
                raise ValueError(message)
            warnings.warn(message + "; num_features is not used because affine=False",
                          stacklevel=2)
        batch = input.unsqueeze(0) if input.ndim == 3 else input
        out = F.instance_norm(batch, self.running_mean, self.running_var, self.weight, self.bias,
                              self.training or not self.track_running_stats,
                              0.0 if self.momentum is None else self.momentum, self.eps)
        return out.squeeze(0) if input.ndim == 3 else out


class LayerNorm(Module):
    """Normalises the trailing ``normalized_shape`` dimensions of each sample over themselves,
    then (with ``elementwise_affine``) scales and shifts each element: out =
    (x - mean) / sqrt(var + eps) * weight + bias. The same in training and eval.

    Args:
        normalized_shape: an int or a tuple, the trailing dimensions normalised together.
        eps: added to the (biased) variance.
        elementwise_affine: learn ``weight`` (ones) and ``bias`` (zeros) of that shape.
        bias: learn the bias when ``elementwise_affine``.
    Shape: (*, *normalized_shape) -> the same, in the parameters' floating dtype.
    Attributes: weight, bias (normalized_shape).
    Raises: ValueError naming layer_norm and the shapes when the input does not end with
        ``normalized_shape``; TypeError when its dtype differs from the parameters'.
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _register_affine(self, self.normalized_shape, elementwise_affine, bias)

    def reset_parameters(self) -> None:
        """weight to 1 and bias to 0 (when ``elementwise_affine``)."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine="
                f"{self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Divides the C channels into ``num_groups`` groups and normalises each group of each
    sample over all its values, then (with ``affine``) scales and shifts each channel. The same
    in training and eval.

    Args:
        num_groups: G, dividing num_channels.  num_channels: C.  eps: added to the variance.
        affine: learn ``weight`` (ones) and ``bias`` (zeros) per channel.
        bias: (keyword) learn the bias when ``affine``.
    Shape: (N, C, *) -> the same, in the parameters' floating dtype.
    Attributes: weight, bias (C,).
    Raises: ValueError from the constructor when G does not divide C; from forward, naming
        group_norm and the shapes.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, *, bias: bool = True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        _register_affine(self, (num_channels,), affine, bias)

    def reset_parameters(self) -> None:
        """weight to 1 and bias to 0 (when ``affine``)."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
