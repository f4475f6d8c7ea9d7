"""The converters, one module per family of ``neurenix/core/ops``; importing them fills the
table ``CONVERTERS`` (op class -> converter)."""
from ..registry import CONVERTERS
from . import activation, elementwise, embedding, fold, index, interpolate  # noqa: F401
from . import layer_norm, layers, loss, pool, reduce, shape, unpool  # noqa: F401

__all__ = ["CONVERTERS"]
