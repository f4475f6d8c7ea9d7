"""Tensor methods for elementwise math, activations and the matrix product: each calls its op."""
from .. import ops as _ops  # the op modules are loaded by tensor.py; reached here at call time


class ElementwiseMethods:
    """Mixed into ``Tensor``."""

    __slots__ = ()

    def add(self, other, *, alpha=1):
        """``self + alpha * other`` with broadcasting; see ``nx.add``.
        Shape: broadcast of both."""
        return _ops.arithmetic.add(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        """``self - alpha * other`` with broadcasting; see ``nx.sub``.
        Shape: broadcast of both."""
        return _ops.arithmetic.sub(self, other, alpha=alpha)

    def mul(self, other):
        """``self * other`` with broadcasting; see ``nx.mul``.  Shape: broadcast of both."""
        return _ops.arithmetic.mul(self, other)

    def div(self, other, *, rounding_mode=None):
        """``self / other``, true or rounded (``"trunc"``, ``"floor"``) division; see
        ``nx.div``.  Shape: broadcast of both."""
        return _ops.arithmetic.div(self, other, rounding_mode=rounding_mode)

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

    def softmax(self, dim, dtype=None):
        """Softmax along ``dim`` (cast to ``dtype`` first if given); see ``nx.softmax``.
        (*) -> (*)."""
        return _ops.activation.softmax(self, dim, dtype)

    def log_softmax(self, dim, dtype=None):
        """Log-softmax along ``dim`` (cast to ``dtype`` first if given); see
        ``nx.log_softmax``.  (*) -> (*)."""
        return _ops.activation.log_softmax(self, dim, dtype)

    def mm(self, mat2):
        """Product of two matrices; see ``nx.mm``.  (n, k) @ (k, m) -> (n, m)."""
        return _ops.matmul.mm(self, mat2)

    def bmm(self, mat2):
        """Product of two batches of matrices; see ``nx.bmm``.
        (B, n, k) @ (B, k, m) -> (B, n, m)."""
        return _ops.matmul.bmm(self, mat2)

    def mv(self, vec):
        """Product of a matrix and a vector; see ``nx.mv``.  (n, m) @ (m,) -> (n,)."""
        return _ops.matmul.mv(self, vec)

    def dot(self, tensor):
        """Inner product of two vectors; see ``nx.dot``.  (n,), (n,) -> ()."""
        return _ops.matmul.dot(self, tensor)

    def outer(self, vec2):
        """Outer product of two vectors; see ``nx.outer``.  (n,), (m,) -> (n, m)."""
        return _ops.matmul.outer(self, vec2)
