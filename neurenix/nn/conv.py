"""Convolution layers over NCHW images, with PyTorch's layouts, defaults and initialisation."""
import math

from ..core import factories
from ..core._shapes import pair
from ..core.ops.conv import conv2d_resolved, conv_arguments, transposed_output_size
from ..core.tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

# padding_mode -> the F.pad mode that implements it ("zeros" is the convolution's own padding)
_PAD_MODES = {"zeros": None, "reflect": "reflect", "replicate": "replicate"}


class _ConvNd(Module):
    """What Conv2d and ConvTranspose2d share: argument checks, parameters, init and repr."""

    def __init__(self, name: str, in_channels: int, out_channels: int, kernel_size, stride,
                 padding, dilation, groups: int, bias: bool, padding_mode: str,
                 output_padding, transposed: bool):
        super().__init__()
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in _PAD_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {sorted(_PAD_MODES)}, got "
                             f"{padding_mode!r} (circular padding is not implemented)")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair(name, "kernel_size", kernel_size)
        # checked and resolved once, here: forward hands them to the op as they are
        self.stride, self._pads, self.dilation = conv_arguments(name, stride, padding, dilation,
                                                                self.kernel_size)
        self.padding = padding if isinstance(padding, str) else pair(name, "padding", padding)
        self.output_padding = pair(name, "output_padding", output_padding)
        self.transposed, self.groups, self.padding_mode = transposed, groups, padding_mode
        shape = ((in_channels, out_channels // groups) if transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(factories.zeros(*shape))
        if bias:
            self.bias = Parameter(factories.zeros(out_channels))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw weight and bias with PyTorch's default initialisation (see Attributes)."""
        # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as the bias.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0, 0):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over an image batch.

    Args:
        in_channels, out_channels: C and O.  kernel_size: int or (KH, KW).
        stride, dilation: int or pair.  padding: int, pair, "valid" (none) or "same" (output
            size = input size; stride 1 only; an odd total pads the extra row/column after).
        groups: split channels into independent convolutions.  bias: learn a bias.
        padding_mode: "zeros", "reflect" or "replicate".
    Shape: (N, C, H, W) -> (N, O, OH, OW), OH = floor((H + 2 ph - dh (KH - 1) - 1) / sh) + 1
        (OW likewise), or unbatched (C, H, W) -> (O, OH, OW); a floating input of the
        parameters' dtype (float32 by default), kept.
    Attributes:
        weight (O, C/groups, KH, KW) and bias (O,): U(-k, k), k = 1 / sqrt(C/groups * KH * KW),
            PyTorch's default initialisation.
    Raises: ValueError from the constructor for channels not divisible by ``groups``, an unknown
        padding or padding_mode, or padding="same" with a stride; from forward, ValueError
        naming the shapes for a wrong rank or channel count and TypeError for a dtype mismatch.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros"):
        super().__init__("Conv2d", in_channels, out_channels, kernel_size, stride, padding,
                         dilation, groups, bias, padding_mode, 0, transposed=False)

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode == "zeros":
            return conv2d_resolved(input, self.weight, self.bias, self.stride, self._pads,
                                   self.dilation, self.groups)
        top, bottom, left, right = self._pads
        padded = F.pad(input, (left, right, top, bottom), mode=_PAD_MODES[self.padding_mode])
        return conv2d_resolved(padded, self.weight, self.bias, self.stride, (0, 0, 0, 0),
                               self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution ("deconvolution"): the adjoint of Conv2d, used to upsample.

    Args:
        in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias: as
            Conv2d (padding is an int or a pair).
        output_padding: extra rows/columns at the bottom/right, smaller than the stride or the
            dilation. ``forward(x, output_size)`` can choose it from a target size instead.
    Shape: (N, C, H, W) -> (N, O, OH, OW),
        OH = (H - 1) sh - 2 ph + dh (KH - 1) + output_padding_h + 1 (OW likewise), or
        unbatched (C, H, W) -> (O, OH, OW); a floating input of the parameters' dtype (float32
        by default), kept.
    Attributes:
        weight (C, O/groups, KH, KW) and bias (O,): U(-k, k), k = 1 / sqrt(O/groups * KH * KW)
            (PyTorch computes the fan from the weight's second axis).
    Raises: ValueError for a padding_mode other than "zeros", a string padding, or an
        ``output_size`` the input cannot reach (naming the reachable range).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros"):
        if padding_mode != "zeros":
            raise ValueError(f"ConvTranspose2d: only 'zeros' padding_mode is supported, got "
                             f"{padding_mode!r}")
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or a pair, got "
                             f"{padding!r}")
        super().__init__("ConvTranspose2d", in_channels, out_channels, kernel_size, stride,
                         padding, dilation, groups, bias, padding_mode, output_padding,
                         transposed=True)

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        """The output_padding that makes the output ``output_size`` (H, W) (or (N, O, H, W))."""
        if output_size is None:
            return self.output_padding
        if len(tuple(output_size)) not in (2, 3, 4):
            raise ValueError(f"ConvTranspose2d: output_size must be (H, W) or end with them, "
                             f"got {output_size!r}")
        size = tuple(output_size)[-2:]
        padding = []
        for d in range(2):
            smallest = transposed_output_size(input.shape[d - 2], self.padding[d],
                                              self.kernel_size[d], self.stride[d],
                                              self.dilation[d], 0)
            largest = smallest + self.stride[d] - 1
            if not smallest <= size[d] <= largest:
                raise ValueError(f"ConvTranspose2d: requested output size {tuple(size)} is not "
                                 f"reachable from input {input.shape}: each side must be in "
                                 f"[{smallest}, {largest}] for dimension {d}")
            padding.append(size[d] - smallest)
        return tuple(padding)

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)
