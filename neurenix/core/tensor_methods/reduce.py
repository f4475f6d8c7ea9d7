"""Tensor methods for reductions: each calls its op in ``neurenix/core/ops/reduce.py``."""
from .. import ops as _ops  # the op modules are loaded by tensor.py; reached here at call time


class ReductionMethods:
    """Mixed into ``Tensor``."""

    __slots__ = ()

    def sum(self, dim=None, keepdim=False):
        """Sum over ``dim`` (int, list or None = all); see ``nx.sum``.  (*) -> reduced shape."""
        return _ops.reduce.sum(self, dim, keepdim)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        """Mean over ``dim`` (int, list or None = all) of a floating tensor (or cast to
        ``dtype``); see ``nx.mean``.  (*) -> reduced shape."""
        return _ops.reduce.mean(self, dim, keepdim, dtype=dtype)

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

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        """Product of all elements or along an int ``dim``; see ``nx.prod``.
        (*) -> () or reduced shape."""
        return _ops.scan.prod(self, dim, keepdim, dtype=dtype)

    def cumsum(self, dim, *, dtype=None):
        """Running sums along ``dim``; see ``nx.cumsum``.  (*) -> (*)."""
        return _ops.scan.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim, *, dtype=None):
        """Running products along ``dim``; see ``nx.cumprod``.  (*) -> (*)."""
        return _ops.scan.cumprod(self, dim, dtype=dtype)

    def all(self, dim=None, keepdim=False):
        """Whether every element (along ``dim``) is not 0, as bool; see ``nx.all``."""
        return _ops.truth.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        """Whether some element (along ``dim``) is not 0, as bool; see ``nx.any``."""
        return _ops.truth.any(self, dim, keepdim)

    def count_nonzero(self, dim=None):
        """int64 count of the elements (along ``dim``) that are not 0; see
        ``nx.count_nonzero``."""
        return _ops.truth.count_nonzero(self, dim)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """Vector p-norm (or Frobenius) over ``dim``; see ``nx.norm``.
        (*) -> () or reduced shape."""
        return _ops.norm.norm(self, p, dim, keepdim, dtype)

    def median(self, dim=None, keepdim=False):
        """Lower median of all elements, or (values, indices) along an int ``dim``; see
        ``nx.median``.  (*) -> () or reduced shape."""
        return _ops.sort.median(self, dim, keepdim)
