"""Tensor methods for the elementwise math functions (trigonometric, exponential and
logarithmic, fixed powers, rounding, lerp), the triangles tril/triu, and ``//``: each calls its
op."""
from .. import ops as _ops  # the op modules are loaded by tensor.py; reached here at call time


class MathMethods:
    """Mixed into ``Tensor``."""

    __slots__ = ()

    def sin(self):
        """Elementwise sine; see ``nx.sin``.  (*) -> (*)."""
        return _ops.trig.sin(self)

    def cos(self):
        """Elementwise cosine; see ``nx.cos``.  (*) -> (*)."""
        return _ops.trig.cos(self)

    def tan(self):
        """Elementwise tangent; see ``nx.tan``.  (*) -> (*)."""
        return _ops.trig.tan(self)

    def asin(self):
        """Elementwise arcsine; see ``nx.asin``.  (*) -> (*)."""
        return _ops.trig.asin(self)

    def acos(self):
        """Elementwise arccosine; see ``nx.acos``.  (*) -> (*)."""
        return _ops.trig.acos(self)

    def atan(self):
        """Elementwise arctangent; see ``nx.atan``.  (*) -> (*)."""
        return _ops.trig.atan(self)

    def atan2(self, other):
        """Elementwise angle of the point (other, self); see ``nx.atan2``.
        Shape: broadcast of both."""
        return _ops.trig.atan2(self, other)

    def sinh(self):
        """Elementwise hyperbolic sine; see ``nx.sinh``.  (*) -> (*)."""
        return _ops.trig.sinh(self)

    def cosh(self):
        """Elementwise hyperbolic cosine; see ``nx.cosh``.  (*) -> (*)."""
        return _ops.trig.cosh(self)

    def expm1(self):
        """Elementwise exp(x) - 1, exact near 0; see ``nx.expm1``.  (*) -> (*)."""
        return _ops.exp_log.expm1(self)

    def log1p(self):
        """Elementwise log(1 + x), exact near 0; see ``nx.log1p``.  (*) -> (*)."""
        return _ops.exp_log.log1p(self)

    def log2(self):
        """Elementwise base-2 logarithm; see ``nx.log2``.  (*) -> (*)."""
        return _ops.exp_log.log2(self)

    def log10(self):
        """Elementwise base-10 logarithm; see ``nx.log10``.  (*) -> (*)."""
        return _ops.exp_log.log10(self)

    def erf(self):
        """Elementwise error function; see ``nx.erf``.  (*) -> (*)."""
        return _ops.exp_log.erf(self)

    def reciprocal(self):
        """Elementwise 1 / x; see ``nx.reciprocal``.  (*) -> (*)."""
        return _ops.powers.reciprocal(self)

    def rsqrt(self):
        """Elementwise 1 / sqrt(x); see ``nx.rsqrt``.  (*) -> (*)."""
        return _ops.powers.rsqrt(self)

    def square(self):
        """Elementwise x * x; see ``nx.square``.  (*) -> (*)."""
        return _ops.powers.square(self)

    def sign(self):
        """-1, 0 or 1 by the sign of each element; see ``nx.sign``.  (*) -> (*)."""
        return _ops.rounding.sign(self)

    def floor(self):
        """Elementwise floor; see ``nx.floor``.  (*) -> (*)."""
        return _ops.rounding.floor(self)

    def ceil(self):
        """Elementwise ceiling; see ``nx.ceil``.  (*) -> (*)."""
        return _ops.rounding.ceil(self)

    def round(self, *, decimals=0):
        """Round to ``decimals`` places, halves to even; see ``nx.round``.  (*) -> (*)."""
        return _ops.rounding.round(self, decimals=decimals)

    def trunc(self):
        """Round toward zero; see ``nx.trunc``.  (*) -> (*)."""
        return _ops.rounding.trunc(self)

    def __floordiv__(self, other):
        return _ops.arithmetic.div(self, other, rounding_mode="floor")

    def __rfloordiv__(self, other):
        return _ops.arithmetic.div(other, self, rounding_mode="floor")

    def lerp(self, end, weight):
        """``self + weight * (end - self)``; see ``nx.lerp``.  Shape: broadcast of the three."""
        return _ops.lerp.lerp(self, end, weight)

    def tril(self, diagonal=0):
        """The lower triangle of the last two dimensions; see ``nx.tril``.
        (*, m, n) -> (*, m, n)."""
        return _ops.triangular.tril(self, diagonal)

    def triu(self, diagonal=0):
        """The upper triangle of the last two dimensions; see ``nx.triu``.
        (*, m, n) -> (*, m, n)."""
        return _ops.triangular.triu(self, diagonal)
