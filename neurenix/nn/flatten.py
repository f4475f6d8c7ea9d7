"""Flatten: merge a range of axes into one (the bridge from conv features to Linear)."""
from ..core.tensor import Tensor
from .module import Module


class Flatten(Module):
    """Merges axes ``start_dim`` .. ``end_dim`` into one.

    Args: start_dim (default 1, keeping the batch axis), end_dim (default -1).
    Shape: (N, C, H, W) -> (N, C*H*W) with the defaults; dtype kept.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
