"""Dropout layers: Dropout (elements) and Dropout2d (whole channels)."""
from ..core.tensor import Tensor
from . import functional as F
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{type(self).__name__}: probability has to be between 0 and 1, "
                             f"but got {p}")
        self.p, self.inplace = p, inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """During training, zeroes each element with probability ``p`` and scales the rest by
    1 / (1 - p); in eval mode, the identity. Masks come from neurenix's one generator.

    Args: p: drop probability in [0, 1].  inplace: write into the input, as PyTorch.
    Shape: (*) -> (*), same floating dtype.
    Raises: ValueError for p outside [0, 1]; TypeError for a non-floating input.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """During training, zeroes each whole channel (feature map) with probability ``p`` and
    scales the rest by 1 / (1 - p); in eval mode, the identity.

    Args: p: drop probability in [0, 1].  inplace: write into the input, as PyTorch.
    Shape: (N, C, H, W) -> (N, C, H, W); a 3-D input is taken as (N, C, L) with PyTorch's
        warning (see ``F.dropout2d``).
    Raises: ValueError for p outside [0, 1]; TypeError for a non-floating input.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)
