"""The converters, one module per family of ``neurenix/core/ops``; importing them fills the
table ``CONVERTERS`` (op class -> converter)."""
from ..registry import CONVERTERS
from . import elementwise, interpolate, layers, loss, pool, reduce, shape  # noqa: F401

__all__ = ["CONVERTERS"]
