"""The table of converters: one small function per op class, found by the op of each call.

A converter takes the ``Graph`` and one traced ``Call`` (``core/tracing.py``) and returns the
ONNX name of the call's output, after appending the nodes that compute it::

    @converts(ReLU)
    def relu(g, call):
        return g.op("Relu", g.value(call.args[0]))

It reads the op's arguments (``call.args``, as ``Function.apply`` received them) and what the
forward set on its node (``call.ctx``), never the arrays of traced values: those stand for
inputs that differ from run to run.
"""
CONVERTERS = {}


def converts(*ops):
    """Register the decorated function as the converter of each ``Function`` class in ``ops``."""
    def register(converter):
        for op in ops:
            CONVERTERS[op] = converter
        return converter
    return register


class UnsupportedOperatorError(RuntimeError):
    """An op of the traced forward that ONNX export cannot write.

    Attributes: op (the ``Function`` class), layer (the module path and class it ran in).
    """

    def __init__(self, message: str, op=None, layer: str = ""):
        super().__init__(message)
        self.op, self.layer = op, layer
