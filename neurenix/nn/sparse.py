"""Embedding: a lookup table of learnable vectors indexed by integers (tokens, categories)."""
from ..core import factories
from ..core.autograd import no_grad
from ..core.tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``; the input's integers
    pick rows (``F.embedding``).

    Args:
        num_embeddings, embedding_dim: the table's shape.
        padding_idx: a row (negative counts from the end) that starts as zeros and gets no
            gradient, so it stays a fixed "pad" vector.
        max_norm: rows that a forward uses and whose ``norm_type``-norm exceeds it are rescaled
            in place to that norm first.
        norm_type: the p of that p-norm (2).
        scale_grad_by_freq: divide each row's gradient by how often the batch uses it.
        sparse: refused (neurenix has no sparse gradients).
        _weight: a (num_embeddings, embedding_dim) Tensor to use as the table (shared).
        _freeze: the table does not require grad.
    Shape: (*) int64 or int32 -> (*, embedding_dim), the table's dtype.
    Attributes: weight (num_embeddings, embedding_dim): N(0, 1), the padding row zeros,
        PyTorch's default initialisation.
    Raises: ValueError from the constructor for a padding_idx outside the table, a ``_weight``
        of another shape, or sparse=True; from forward, IndexError for an index outside the
        table and TypeError for a non-integer input.
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int = None,
                 max_norm: float = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False, _weight: Tensor = None,
                 _freeze: bool = False):
        super().__init__()
        if sparse:
            raise ValueError("Embedding: sparse=True is not supported: neurenix has no sparse "
                             "gradients; use sparse=False (a dense gradient of the weight)")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} must be within "
                                 f"num_embeddings ({num_embeddings})")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx, self.max_norm, self.norm_type = padding_idx, max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = Parameter(factories.zeros(num_embeddings, embedding_dim),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: the shape of _weight {tuple(_weight.shape)} does "
                                 f"not match num_embeddings and embedding_dim "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Redraw the table from N(0, 1) and zero the padding row."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            # the row is a view, so init writes through it (and, as every init, not while
            # nx.load rebuilds the layer on placeholders)
            with no_grad():
                init.zeros_(self.weight[self.padding_idx])

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True, padding_idx: int = None,
                        max_norm: float = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, sparse: bool = False) -> "Embedding":
        """An Embedding whose table is ``embeddings`` (shared, not copied, and not zeroed at
        padding_idx, as in PyTorch), frozen unless ``freeze=False``.

        Args: embeddings: a 2-D (num_embeddings, embedding_dim) Tensor; the rest as the
            constructor's.
        Raises: ValueError for embeddings that are not 2-D.
        """
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got "
                             f"{tuple(embeddings.shape)}")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)
