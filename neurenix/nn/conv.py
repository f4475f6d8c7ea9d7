"""Convolution layers over (N, C, L) signals and NCHW images, with PyTorch's layouts, defaults
and initialisation."""
import math

from ..core import factories
from ..core._shapes import pair, single
from ..core.ops.conv import conv2d_resolved, conv_arguments, transposed_output_size
from ..core.tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

_PAD_MODES = ("zeros", "reflect", "replicate", "circular")  # "zeros": the convolution's own


class _ConvNd(Module):
    """What the convolution layers share: argument checks, parameters, init and repr.
    ``dims`` is the number of spatial axes (1 or 2): sizes are stored as tuples of that
    length, as PyTorch stores them ((3,) for Conv1d, (3, 3) for Conv2d)."""

    def __init__(self, name: str, in_channels: int, out_channels: int, kernel_size, stride,
                 padding, dilation, groups: int, bias: bool, padding_mode: str,
                 output_padding, transposed: bool, dims: int = 2):
        super().__init__()
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must be divisible by groups ({groups})")
        if padding_mode not in _PAD_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {', '.join(_PAD_MODES)}, got "
                             f"{padding_mode!r}")

        def sizes(arg: str, value) -> tuple:
            return pair(name, arg, value) if dims == 2 else (single(name, arg, value),)

        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = sizes("kernel_size", kernel_size)
        if min(self.kernel_size) < 1:  # PyTorch refuses it in forward; nothing to learn
            raise ValueError(f"{name}: kernel size should be greater than zero, got "
                             f"kernel_size={self.kernel_size}")
        self.stride = sizes("stride", stride)
        self.dilation = sizes("dilation", dilation)
        self.padding = padding if isinstance(padding, str) else sizes("padding", padding)
        self.output_padding = sizes("output_padding", output_padding)
        # Checked and resolved once, here, as the 2-D convolution that runs them (a 1-D one is
        # one over a height of 1): forward hands them to the op as they are.
        self._resolved = conv_arguments(name, *(_as_plane(v) for v in (
            self.stride, self.padding, self.dilation, self.kernel_size)))
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
        zeros, ones = (0,) * len(self.kernel_size), (1,) * len(self.kernel_size)
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != zeros:
            s += f", padding={self.padding}"
        if self.dilation != ones:
            s += f", dilation={self.dilation}"
        if self.output_padding != zeros:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s

    def _explicit_padding(self) -> tuple:
        """F.pad's widths (last dimension first: (left, right) or (left, right, top, bottom))
        for a padding_mode other than "zeros": the resolved zero padding's."""
        top, bottom, left, right = self._resolved[1]
        return (left, right) if len(self.kernel_size) == 1 else (left, right, top, bottom)


def _as_plane(value):
    """A 1-D layer's size (k,) as the 2-D one (1, k) it runs as; pairs and strings as given."""
    return (1,) + value if isinstance(value, tuple) and len(value) == 1 else value


class Conv1d(_ConvNd):
    """1-D convolution (cross-correlation) over a batch of signals.

    Args:
        in_channels, out_channels: C and O.  kernel_size: K, an int (or a one-element tuple).
        stride, dilation: an int.  padding: an int, "valid" (none) or "same" (output length =
            input length; stride 1 only; an odd total pads the extra sample after).
        groups: split channels into independent convolutions.  bias: learn a bias.
        padding_mode: "zeros", "reflect", "replicate" or "circular".
    Shape: (N, C, L) -> (N, O, OL), OL = floor((L + 2 p - d (K - 1) - 1) / s) + 1, or
        unbatched (C, L) -> (O, OL); a floating input of the parameters' dtype, kept.
    Attributes:
        weight (O, C/groups, K) and bias (O,): U(-k, k), k = 1 / sqrt(C/groups * K), PyTorch's
            default initialisation.
    Raises: ValueError from the constructor for channels not divisible by ``groups``, a kernel
        size of 0, an unknown padding or padding_mode, or padding="same" with a stride; from
        forward, ValueError naming conv1d and the shapes.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros"):
        super().__init__("Conv1d", in_channels, out_channels, kernel_size, stride, padding,
                         dilation, groups, bias, padding_mode, 0, transposed=False, dims=1)

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode == "zeros":
            return F.conv1d(input, self.weight, self.bias, self.stride, self.padding,
                            self.dilation, self.groups)
        padded = F.pad(input, self._explicit_padding(), mode=self.padding_mode)
        return F.conv1d(padded, self.weight, self.bias, self.stride, 0, self.dilation,
                        self.groups)


class Conv2d(_ConvNd):
    """2-D convolution (cross-correlation) over an image batch.

    Args:
        in_channels, out_channels: C and O.  kernel_size: int or (KH, KW).
        stride, dilation: int or pair.  padding: int, pair, "valid" (none) or "same" (output
            size = input size; stride 1 only; an odd total pads the extra row/column after).
        groups: split channels into independent convolutions.  bias: learn a bias.
        padding_mode: "zeros", "reflect", "replicate" or "circular".
    Shape: (N, C, H, W) -> (N, O, OH, OW), OH = floor((H + 2 ph - dh (KH - 1) - 1) / sh) + 1
        (OW likewise), or unbatched (C, H, W) -> (O, OH, OW); a floating input of the
        parameters' dtype (float32 by default), kept.
    Attributes:
        weight (O, C/groups, KH, KW) and bias (O,): U(-k, k), k = 1 / sqrt(C/groups * KH * KW),
            PyTorch's default initialisation.
    Raises: ValueError from the constructor for channels not divisible by ``groups``, a kernel
        size of 0, an unknown padding or padding_mode, or padding="same" with a stride; from
        forward, ValueError naming the shapes for a wrong rank or channel count and TypeError
        for a dtype mismatch.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros"):
        super().__init__("Conv2d", in_channels, out_channels, kernel_size, stride, padding,
                         dilation, groups, bias, padding_mode, 0, transposed=False)

    def forward(self, input: Tensor) -> Tensor:
        stride, pads, dilation = self._resolved
        if self.padding_mode != "zeros":
            input = F.pad(input, self._explicit_padding(), mode=self.padding_mode)
            pads = (0, 0, 0, 0)
        return conv2d_resolved(input, self.weight, self.bias, stride, pads, dilation,
                               self.groups)


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
