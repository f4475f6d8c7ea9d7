"""Tensor methods for indexing along a dim, masks and sorting: each calls its op in
``neurenix/core/ops/gather.py``, ``truth.py`` or ``sort.py``. The in-place forms (``scatter_``,
``scatter_add_``, ``masked_fill_``) update the tensor as the other in-place methods do
(``inplace.py``): recorded in the graph when grad mode is on and a tensor involved requires
grad, else written straight into the array."""
import numpy as np

from .. import ops as _ops  # the op modules are loaded by tensor.py; reached here at call time
from .. import versions


class IndexMethods:
    """Mixed into ``Tensor``."""

    __slots__ = ()

    def gather(self, dim, index, *, sparse_grad=False):
        """Values at ``index`` along ``dim``; see ``nx.gather``.  -> index's shape."""
        return _ops.gather.gather(self, dim, index)

    def take_along_dim(self, indices, dim=None):
        """Values at ``indices`` along ``dim``, broadcast; see ``nx.take_along_dim``."""
        return _ops.gather.take_along_dim(self, indices, dim)

    def index_select(self, dim, index):
        """Slices at the positions ``index`` along ``dim``; see ``nx.index_select``.
        (.., n, ..) -> (.., len(index), ..)."""
        return _ops.gather.index_select(self, dim, index)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        """A copy with ``src`` (or ``value``) written at ``index`` along ``dim``; see
        ``nx.scatter``.  (*) -> (*)."""
        return _ops.gather.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        """A copy with ``src`` added at ``index`` along ``dim``; see ``nx.scatter_add``.
        (*) -> (*)."""
        return _ops.gather.scatter_add(self, dim, index, src)

    def masked_fill(self, mask, value):
        """A copy with ``value`` where ``mask`` is True; see ``nx.masked_fill``.
        (*) -> broadcast of (*) and the mask's shape."""
        return _ops.gather.masked_fill(self, mask, value)

    def masked_select(self, mask):
        """The elements where ``mask`` is True, 1-d; see ``nx.masked_select``."""
        return _ops.gather.masked_select(self, mask)

    def nonzero(self, *, as_tuple=False):
        """int64 indices of the elements that are not 0; see ``nx.nonzero``.  -> (n, ndim)."""
        return _ops.truth.nonzero(self, as_tuple=as_tuple)

    def sort(self, dim=-1, descending=False, stable=False):
        """(values, indices) sorted along ``dim``; see ``nx.sort``.  (*) -> (*), (*)."""
        return _ops.sort.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        """int64 positions that sort along ``dim``; see ``nx.argsort``.  (*) -> (*)."""
        return _ops.sort.argsort(self, dim, descending, stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """(values, indices) of the ``k`` largest (or smallest) along ``dim``; see ``nx.topk``.
        (.., n, ..) -> (.., k, ..)."""
        return _ops.sort.topk(self, k, dim, largest, sorted)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        """The distinct elements, sorted (and optionally inverse and counts); see
        ``nx.unique``."""
        return _ops.sort.unique(self, sorted, return_inverse, return_counts, dim)

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        """In place ``scatter``; returns this tensor."""
        return self._store("scatter_", lambda before: _ops.gather.scatter(
            before, dim, index, src, value=value, reduce=reduce), src)

    def scatter_add_(self, dim, index, src):
        """In place ``scatter_add``; returns this tensor."""
        return self._store("scatter_add_", lambda before: _ops.gather.scatter_add(
            before, dim, index, src), src)

    def masked_fill_(self, mask, value):
        """In place ``masked_fill`` (the mask must broadcast to this tensor's shape); returns
        this tensor."""
        return self._store("masked_fill_", lambda before: _ops.gather.masked_fill(
            before, mask, value), value)

    def _store(self, op: str, compute, other):
        """Replace this tensor's values by ``compute(self)``: recorded from a snapshot when a
        graph is recorded (see ``inplace.py``), else written into the array."""
        graph = self._records(other)
        self._check_writable(op, graph)
        if graph:
            return self._become(op, compute(self._snapshot()))
        result = compute(self)
        if result.shape != self.shape:
            raise ValueError(f"{op}: the result has shape {result.shape}, which cannot be "
                             f"stored in place in a tensor of shape {self.shape}")
        np.copyto(self.data, result.data)
        versions.bump(self.data)
        return self
