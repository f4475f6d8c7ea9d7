"""neurenix.onnx: export a model to ONNX, the format deployment runtimes read.

``nx.onnx.export(model, x, "model.onnx")`` traces one forward pass (``core/tracing.py``) and
converts each op with a small converter (``ops/``, registered in ``registry.py``). The ``onnx``
package is needed only to export: ``pip install "neurenix[onnx]"``.
"""
from .export import export
from .registry import UnsupportedOperatorError

__all__ = ["export", "UnsupportedOperatorError"]
