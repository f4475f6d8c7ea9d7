"""Dropout layer."""
from ..core.tensor import Tensor
from . import functional as F
from .module import Module


class Dropout(Module):
    """During training, zeroes each element with probability ``p`` and scales the rest by
    1 / (1 - p); in eval mode, the identity. Masks come from neurenix's one generator.

    Args: p: drop probability in [0, 1].  inplace: accepted for PyTorch compatibility.
    Shape: (*) -> (*), same floating dtype.
    Raises: ValueError for p outside [0, 1]; TypeError for a non-floating input.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
