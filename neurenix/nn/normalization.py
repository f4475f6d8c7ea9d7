"""Batch normalisation layers, with PyTorch's parameters, buffers and running-stat rules."""
from ..core import factories
from ..core.tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    """Shared by BatchNorm1d / BatchNorm2d; they differ only in the input rank they accept."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = True, track_running_stats: bool = True, *, bias: bool = True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(factories.ones(num_features))
            if bias:
                self.bias = Parameter(factories.zeros(num_features))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
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
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError  # abstract: each subclass names the ranks it accepts

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

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


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
        parameters' (float32 by default; running statistics are cast to it).
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
