"""Unfold and Fold: the sliding windows of an image as columns (im2col), and back (col2im)."""
from ..core.tensor import Tensor
from . import functional as F
from .module import Module


class Unfold(Module):
    """Extracts every sliding window of a batch of images as a column (``F.unfold``).

    Args: kernel_size, dilation, padding (zeros), stride: an int or a pair.
    Shape: (N, C, H, W) -> (N, C*KH*KW, L), L = OH * OW windows, or (C, H, W) -> (C*KH*KW, L);
        dtype kept.
    Raises: ValueError naming unfold and the shapes.
    """

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = (kernel_size, dilation,
                                                                      padding, stride)

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Sums columns of sliding windows back into images, the adjoint of Unfold (``F.fold``);
    overlapping windows add up.

    Args: output_size: (H, W), an int or a pair.  kernel_size, dilation, padding, stride: as
        Unfold's.
    Shape: (N, C*KH*KW, L) -> (N, C, H, W), or (C*KH*KW, L) -> (C, H, W); dtype kept.
    Raises: ValueError naming fold and the shapes when L is not the number of windows of an
        (H, W) image.
    """

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
