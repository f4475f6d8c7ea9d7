"""Tensor methods for reductions: each calls its op in ``neurenix/core/ops/reduce.py``."""
from .. import ops as _ops  # the op modules are loaded by tensor.py; reached here at call time


class ReductionMethods:
    """Mixed into ``Tensor``."""

    __slots__ = ()

    def sum(self, dim=None, keepdim=False):
        """Sum over ``dim`` (int, list or None = all); see ``nx.sum``.  (*) -> reduced shape."""
        return _ops.reduce.sum(self, dim, keepdim)

    def mean(self, dim=None, keepdim=False):
        """Mean over ``dim`` (int, list or None = all); see ``nx.mean``.  (*) -> reduced shape."""
        return _ops.reduce.mean(self, dim, keepdim)

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None):
        """Variance over ``dim`` (correction 1 unless ``unbiased=False``); see ``nx.var``.
        (*) -> reduced shape.
        """
        return _ops.reduce.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None):
        """Standard deviation over ``dim``; see ``nx.std``.  (*) -> reduced shape."""
        return _ops.reduce.std(self, dim, unbiased, keepdim, correction=correction)

    def max(self, dim=None, keepdim=False):
        """Maximum of all elements, (values, indices) along an int ``dim``, or elementwise
        with a tensor; see ``nx.max``.  (*) -> () or reduced shape.
        """
        return _ops.reduce.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        """Minimum of all elements, (values, indices) along an int ``dim``, or elementwise
        with a tensor; see ``nx.min``.  (*) -> () or reduced shape.
        """
        return _ops.reduce.min(self, dim, keepdim)

    def amax(self, dim=None, keepdim=False):
        """Maximum over ``dim`` (int, list or None = all); see ``nx.amax``.  (*) -> reduced."""
        return _ops.reduce.amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        """Minimum over ``dim`` (int, list or None = all); see ``nx.amin``.  (*) -> reduced."""
        return _ops.reduce.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        """int64 index of the maximum along ``dim`` (None: flattened); see ``nx.argmax``."""
        return _ops.reduce.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        """int64 index of the minimum along ``dim`` (None: flattened); see ``nx.argmin``."""
        return _ops.reduce.argmin(self, dim, keepdim)

    def logsumexp(self, dim, keepdim=False):
        """log(sum(exp(x))) over ``dim``; see ``nx.logsumexp``.  (*) -> reduced shape."""
        return _ops.reduce.logsumexp(self, dim, keepdim)
