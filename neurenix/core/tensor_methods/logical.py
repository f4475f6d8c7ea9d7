"""Tensor methods for comparisons, tests and logic (eq, isnan, logical_and, isclose, ...) and
the operators ``~ & | ^``: each calls its op. None of them records a gradient."""
from .. import ops as _ops  # the op modules are loaded by tensor.py; reached here at call time


class LogicalMethods:
    """Mixed into ``Tensor``."""

    __slots__ = ()

    def eq(self, other):
        """``self == other`` as a bool tensor; see ``nx.eq``.  Shape: broadcast of both."""
        return _ops.logical.eq(self, other)

    def ne(self, other):
        """``self != other`` as a bool tensor; see ``nx.ne``.  Shape: broadcast of both."""
        return _ops.logical.ne(self, other)

    def lt(self, other):
        """``self < other`` as a bool tensor; see ``nx.lt``.  Shape: broadcast of both."""
        return _ops.logical.lt(self, other)

    def le(self, other):
        """``self <= other`` as a bool tensor; see ``nx.le``.  Shape: broadcast of both."""
        return _ops.logical.le(self, other)

    def gt(self, other):
        """``self > other`` as a bool tensor; see ``nx.gt``.  Shape: broadcast of both."""
        return _ops.logical.gt(self, other)

    def ge(self, other):
        """``self >= other`` as a bool tensor; see ``nx.ge``.  Shape: broadcast of both."""
        return _ops.logical.ge(self, other)

    def isnan(self):
        """True where nan; see ``nx.isnan``.  (*) -> (*), bool."""
        return _ops.logical.isnan(self)

    def isinf(self):
        """True where +-inf; see ``nx.isinf``.  (*) -> (*), bool."""
        return _ops.logical.isinf(self)

    def isfinite(self):
        """True where neither nan nor infinite; see ``nx.isfinite``.  (*) -> (*), bool."""
        return _ops.logical.isfinite(self)

    def logical_and(self, other):
        """True where both are nonzero; see ``nx.logical_and``.  Shape: broadcast of both."""
        return _ops.logical.logical_and(self, other)

    def logical_or(self, other):
        """True where either is nonzero; see ``nx.logical_or``.  Shape: broadcast of both."""
        return _ops.logical.logical_or(self, other)

    def logical_xor(self, other):
        """True where exactly one is nonzero; see ``nx.logical_xor``.
        Shape: broadcast of both."""
        return _ops.logical.logical_xor(self, other)

    def logical_not(self):
        """True where zero; see ``nx.logical_not``.  (*) -> (*), bool."""
        return _ops.logical.logical_not(self)

    def bitwise_and(self, other):
        """``self & other`` for bool or integer tensors; see ``nx.bitwise_and``."""
        return _ops.logical.bitwise_and(self, other)

    def bitwise_or(self, other):
        """``self | other`` for bool or integer tensors; see ``nx.bitwise_or``."""
        return _ops.logical.bitwise_or(self, other)

    def bitwise_xor(self, other):
        """``self ^ other`` for bool or integer tensors; see ``nx.bitwise_xor``."""
        return _ops.logical.bitwise_xor(self, other)

    def bitwise_not(self):
        """``~self`` for a bool or integer tensor; see ``nx.bitwise_not``."""
        return _ops.logical.bitwise_not(self)

    def __invert__(self):
        return _ops.logical.bitwise_not(self)

    def __and__(self, other):
        return _ops.logical.bitwise_and(self, other)

    def __rand__(self, other):
        return _ops.logical.bitwise_and(other, self)

    def __or__(self, other):
        return _ops.logical.bitwise_or(self, other)

    def __ror__(self, other):
        return _ops.logical.bitwise_or(other, self)

    def __xor__(self, other):
        return _ops.logical.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _ops.logical.bitwise_xor(other, self)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Elementwise closeness; see ``nx.isclose``.  Shape: broadcast of both, bool."""
        return _ops.logical.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Whether every element is close; see ``nx.allclose``.  Returns a Python bool."""
        return _ops.logical.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other):
        """Same shape and elements; see ``nx.equal``.  Returns a Python bool."""
        return _ops.logical.equal(self, other)
