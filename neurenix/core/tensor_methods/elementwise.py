"""Tensor methods for elementwise math, activations and the matrix product: each calls its op."""
from .. import ops as _ops  # the op modules are loaded by tensor.py; reached here at call time


class ElementwiseMethods:
    """Mixed into ``Tensor``."""

    __slots__ = ()

    def add(self, other):
        """``self + other`` with broadcasting; see ``nx.add``.  Shape: broadcast of both."""
        return _ops.arithmetic.add(self, other)

    def sub(self, other):
        """``self - other`` with broadcasting; see ``nx.sub``.  Shape: broadcast of both."""
        return _ops.arithmetic.sub(self, other)

    def mul(self, other):
        """``self * other`` with broadcasting; see ``nx.mul``.  Shape: broadcast of both."""
        return _ops.arithmetic.mul(self, other)

    def div(self, other):
        """``self / other``, true division; see ``nx.div``.  Shape: broadcast of both."""
        return _ops.arithmetic.div(self, other)

    def pow(self, exponent):
        """``self ** exponent`` (tensor or number); see ``nx.pow``.  Shape: broadcast of both."""
        return _ops.arithmetic.pow(self, exponent)

    def neg(self):
        """``-self``; see ``nx.neg``.  (*) -> (*)."""
        return _ops.arithmetic.neg(self)

    def maximum(self, other):
        """Elementwise max with ``other``; see ``nx.maximum``.  Shape: broadcast of both."""
        return _ops.arithmetic.maximum(self, other)

    def minimum(self, other):
        """Elementwise min with ``other``; see ``nx.minimum``.  Shape: broadcast of both."""
        return _ops.arithmetic.minimum(self, other)

    def matmul(self, other):
        """``self @ other``; see ``nx.matmul``.  (*, n, k) @ (*, k, m) -> (*, n, m)."""
        return _ops.matmul.matmul(self, other)

    def exp(self):
        """Elementwise e**x; see ``nx.exp``.  (*) -> (*)."""
        return _ops.unary.exp(self)

    def log(self):
        """Elementwise natural log; see ``nx.log``.  (*) -> (*)."""
        return _ops.unary.log(self)

    def sqrt(self):
        """Elementwise square root; see ``nx.sqrt``.  (*) -> (*)."""
        return _ops.unary.sqrt(self)

    def abs(self):
        """Elementwise absolute value; see ``nx.abs``.  (*) -> (*)."""
        return _ops.unary.abs(self)

    def clamp(self, min=None, max=None):
        """Clamp into [min, max] (either None for no bound); see ``nx.clamp``.  (*) -> (*)."""
        return _ops.unary.clamp(self, min, max)

    clip = clamp

    def relu(self):
        """max(x, 0) elementwise; see ``nx.relu``.  (*) -> (*)."""
        return _ops.activation.relu(self)

    def sigmoid(self):
        """Logistic sigmoid elementwise; see ``nx.sigmoid``.  (*) -> (*)."""
        return _ops.activation.sigmoid(self)

    def tanh(self):
        """Hyperbolic tangent elementwise; see ``nx.tanh``.  (*) -> (*)."""
        return _ops.activation.tanh(self)

    def softmax(self, dim):
        """Softmax along ``dim``; see ``nx.softmax``.  (*) -> (*)."""
        return _ops.activation.softmax(self, dim)

    def log_softmax(self, dim):
        """Log-softmax along ``dim``; see ``nx.log_softmax``.  (*) -> (*)."""
        return _ops.activation.log_softmax(self, dim)
