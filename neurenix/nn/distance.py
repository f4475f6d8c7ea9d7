"""Distance layers: CosineSimilarity."""
from ..core.tensor import Tensor
from . import functional as F
from .module import Module


class CosineSimilarity(Module):
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim``, each norm clamped to
    at least ``eps`` (see ``F.cosine_similarity``).

    Args: dim: the axis the vectors run along (default 1).  eps: the smallest norm (1e-8).
    Shape: x1 (*a), x2 (*b) broadcastable -> the broadcast shape without ``dim``; e.g. (N, D)
        and (N, D) -> (N,).
    """

    def __init__(self, dim: int = 1, eps: float = 1e-8):
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
