"""Pooling and unpooling layers over (N, C, L) signals and NCHW images; each wraps one function
of ``neurenix.nn.functional``, keeping its arguments as PyTorch's layer does (for the repr).

Each raises a ValueError naming the op and the shape for an input of the wrong rank or dtype
(floating (N, C, H, W) or (C, H, W) for the 2-D layers, (N, C, L) or (C, L) for the 1-D ones),
or for a kernel, stride or padding that does not fit.
"""
from ..core._shapes import pair, single
from ..core.tensor import Tensor
from . import functional as F
from .module import Module


class _MaxPoolNd(Module):
    """The arguments and repr MaxPool1d and MaxPool2d share (kept as given, as PyTorch)."""

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Maximum over each window of kernel_size samples.

    Args:
        kernel_size: int.  stride: default kernel_size.  padding: implicit -inf, at most half
            the kernel.  dilation: spacing inside a window.  ceil_mode: round the output
            length up.  return_indices: also return each maximum's position along L (int64),
            for unpooling.
    Shape: (N, C, L) -> (N, C, OL), OL = floor((L + 2 p - d (K - 1) - 1) / s) + 1 (ceil with
        ceil_mode), or unbatched (C, L) -> (C, OL); floating dtype kept.
    """

    def forward(self, input: Tensor):
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """Maximum over each kernel_size window.

    Args:
        kernel_size: int or pair.  stride: default kernel_size.  padding: implicit -inf, at
            most half the kernel.  dilation: spacing inside a window.
        ceil_mode: round the output size up.  return_indices: also return each maximum's flat
            position h * W + w in its input plane (int64), for ``MaxUnpool2d``.
    Shape: (N, C, H, W) -> (N, C, OH, OW), OH = floor((H + 2 ph - dh (KH - 1) - 1) / sh) + 1
        (OW likewise; ceil with ceil_mode), or unbatched (C, H, W) -> (C, OH, OW); floating
        dtype kept. With return_indices, forward returns (output, indices).
    """

    def forward(self, input: Tensor):
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode, self.return_indices)


class MaxUnpool2d(Module):
    """The partial inverse of MaxPool2d: each value goes to the position its index names in a
    zero output, every other position stays 0.

    Args:
        kernel_size: int or pair.  stride: default kernel_size.  padding: int or pair; those of
            the max pooling.
    Forward: ``unpool(input, indices, output_size=None)`` with the pooling's indices (int64,
        the input's shape); ``output_size`` (OH, OW) picks among the sizes a strided pooling
        maps to the same size.
    Shape: (N, C, H, W) -> (N, C, OH, OW), OH = (H - 1) sh - 2 ph + KH by default (OW likewise),
        or unbatched (C, H, W) -> (C, OH, OW); floating dtype kept.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = pair("MaxUnpool2d", "kernel_size", kernel_size)
        self.stride = pair("MaxUnpool2d", "stride", kernel_size if stride is None else stride)
        self.padding = pair("MaxUnpool2d", "padding", padding)

    def forward(self, input: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    """Mean over each window of kernel_size samples.

    Args:
        kernel_size: int.  stride: default kernel_size.  padding: zeros, at most half the
            kernel.  ceil_mode: round the output length up.
        count_include_pad: count the padding in the divisor.
    Shape: (N, C, L) -> (N, C, OL), OL = floor((L + 2 p - K) / s) + 1 (ceil with ceil_mode), or
        unbatched (C, L) -> (C, OL); floating dtype kept.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        self.kernel_size = (single("AvgPool1d", "kernel_size", kernel_size),)
        self.stride = (single("AvgPool1d", "stride",
                              kernel_size if stride is None else stride),)
        self.padding = (single("AvgPool1d", "padding", padding),)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """Mean over each kernel_size window.

    Args:
        kernel_size: int or pair.  stride: default kernel_size.  padding: zeros, at most half
            the kernel.  ceil_mode: round the output size up.
        count_include_pad: count the padding in the divisor.  divisor_override: fixed divisor.
    Shape: (N, C, H, W) -> (N, C, OH, OW), OH = floor((H + 2 ph - KH) / sh) + 1 (OW likewise;
        ceil with ceil_mode), or unbatched (C, H, W) -> (C, OH, OW); floating dtype kept.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(Module):
    """Mean over PyTorch's adaptive bins, giving a fixed output length whatever the input's.

    Args: output_size: OL, an int.
    Shape: (N, C, L) -> (N, C, OL), or (C, L) -> (C, OL); floating dtype kept.
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(Module):
    """Mean over PyTorch's adaptive bins, giving a fixed output size whatever the input size.

    Args: output_size: int or (OH, OW); None in a pair keeps that input dimension.
    Shape: (N, C, H, W) -> (N, C, OH, OW), or (C, H, W) -> (C, OH, OW); floating dtype kept.
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Maximum over PyTorch's adaptive bins.

    Args: output_size: int or (OH, OW).  return_indices: also return each maximum's flat
        position h * W + w in its input plane (int64).
    Shape: (N, C, H, W) -> (N, C, OH, OW), or (C, H, W) -> (C, OH, OW); floating dtype kept.
        With return_indices, forward returns (output, indices).
    """

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: Tensor):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
