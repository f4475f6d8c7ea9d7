"""PixelShuffle and PixelUnshuffle: channels traded for resolution (sub-pixel convolution)."""
from ..core.tensor import Tensor
from . import functional as F
from .module import Module


class PixelShuffle(Module):
    """Rearranges (*, C*r*r, H, W) into (*, C, H*r, W*r): each group of r*r channels becomes an
    r x r block of pixels (``F.pixel_shuffle``).

    Args: upscale_factor: r.
    Shape: (*, C*r*r, H, W) -> (*, C, H*r, W*r); dtype kept.
    Raises: ValueError naming pixel_shuffle and the shape when C is not a multiple of r*r.
    """

    def __init__(self, upscale_factor: int):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """Rearranges (*, C, H*r, W*r) into (*, C*r*r, H, W), the inverse of PixelShuffle
    (``F.pixel_unshuffle``).

    Args: downscale_factor: r.
    Shape: (*, C, H*r, W*r) -> (*, C*r*r, H, W); dtype kept.
    Raises: ValueError naming pixel_unshuffle and the shape when H or W is not a multiple of r.
    """

    def __init__(self, downscale_factor: int):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"
