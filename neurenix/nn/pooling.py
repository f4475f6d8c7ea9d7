"""Pooling layers over NCHW images; each wraps one function of ``neurenix.nn.functional``.

Each raises a ValueError naming the op and the shape for an input that is not floating and 4-D
(N, C, H, W) or 3-D (C, H, W), or for a kernel, stride or padding that does not fit.
"""
from ..core.tensor import Tensor
from . import functional as F
from .module import Module


def _no_indices(name: str, return_indices: bool) -> None:
    if return_indices:
        raise ValueError(f"{name}: return_indices=True is not supported (neurenix's max "
                         "pooling returns the values only)")


class MaxPool2d(Module):
    """Maximum over each kernel_size window.

    Args:
        kernel_size: int or pair.  stride: default kernel_size.  padding: implicit -inf, at
            most half the kernel.  dilation: spacing inside a window.
        ceil_mode: round the output size up.  return_indices: not supported (must be False).
    Shape: (N, C, H, W) -> (N, C, OH, OW), OH = floor((H + 2 ph - dh (KH - 1) - 1) / sh) + 1
        (OW likewise; ceil with ceil_mode), or unbatched (C, H, W) -> (C, OH, OW); floating
        dtype kept.
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        _no_indices("MaxPool2d", return_indices)
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


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

    Args: output_size: int or (OH, OW).  return_indices: not supported (must be False).
    Shape: (N, C, H, W) -> (N, C, OH, OW), or (C, H, W) -> (C, OH, OW); floating dtype kept.
    """

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        _no_indices("AdaptiveMaxPool2d", return_indices)
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_max_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
