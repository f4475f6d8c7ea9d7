"""Upsample: resize an image batch by a size or a scale factor."""
from ..core.tensor import Tensor
from . import functional as F
from .module import Module


class Upsample(Module):
    """Resizes (N, C, H, W) (or (N, C, W)) inputs with ``F.interpolate``, PyTorch's semantics
    exactly.

    Args:
        size: output (OH, OW) (or an int for both); give this or ``scale_factor``.
        scale_factor: float or pair; the output is floor(H * scale).
        mode: "nearest", "nearest-exact", "bilinear" or "bicubic"; "linear" for (N, C, W).
        align_corners: for (bi)linear / bicubic: map corner pixels onto each other (True) or use
            half-pixel centres (False, the default behaviour).
        recompute_scale_factor: with ``scale_factor``, map coordinates by the resulting size
            instead of the factor itself (PyTorch's flag).
    Shape: (N, C, H, W) -> (N, C, OH, OW), or (N, C, W) -> (N, C, OW) for "linear" and the
        nearest modes; floating dtype kept.
    Raises: ValueError naming interpolate, the argument and the shapes (from forward).
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(f) for f in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode, self.align_corners = mode, align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             self.recompute_scale_factor)

    def extra_repr(self) -> str:
        info = (f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None
                else f"size={self.size!r}")
        return info + f", mode={self.mode!r}"
