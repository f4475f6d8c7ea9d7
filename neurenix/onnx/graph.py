"""The ONNX graph being written: its nodes, its initializers, and the name of every value.

A traced value is known by its array (see ``core/tracing.py``). The exporter names the model's
inputs and its parameters and buffers (under their state-dict keys) up front; each converter
then asks ``value`` for the names of its call's arguments and returns the name of its output.
Anything the trace never saw made (a number, an array attribute, a tensor built inside forward
by ``nx.zeros``) becomes a constant initializer: it is the same on every run.
"""
import itertools

import numpy as np

from ..core.tensor import Tensor


class Graph:
    """Nodes and initializers of one export, written through the ``onnx`` package.

    Args:
        onnx: the imported ``onnx`` package.  opset: the ONNX opset version written.
    """

    def __init__(self, onnx, opset: int):
        self.onnx, self.opset = onnx, opset
        self.nodes, self.initializers = [], []
        self.call = None  # the Call being converted: its layer names the nodes, errors cite it
        self.fixed = []  # (kind, call, what): sizes a converter wrote as numbers, see ``fixes``
        self._names = {}  # id(array) -> (name, array): the array kept, so its id stays unique
        self._weights = {}  # id(array) -> (state-dict key, array), written when first used
        self._counter = itertools.count()

    # ----- values ------------------------------------------------------------------------------
    def bind(self, array: np.ndarray, name: str) -> None:
        """``array`` is (from now on) the value called ``name``."""
        self._names[id(array)] = (name, array)

    def alias(self, new: np.ndarray, old: np.ndarray) -> None:
        """``new`` now holds the value ``old`` holds (an in-place update: ``tracing.Alias``)."""
        self.bind(new, self.value(old))

    def weight(self, array: np.ndarray, key: str) -> None:
        """``array`` is the parameter or buffer ``key``: an initializer, if some op uses it."""
        self._weights[id(array)] = (key, array)

    def value(self, v, dtype=None) -> str:
        """The name of ``v``: a traced value, a weight, or a new constant. A Python number
        becomes a 0-d constant of ``dtype`` (the dtype of the tensor it meets)."""
        array = v.data if isinstance(v, Tensor) else v
        known = self._names.get(id(array))
        if known is not None and known[1] is array:
            return known[0]
        if id(array) in self._weights:
            key, weight = self._weights.pop(id(array))
            self._add_initializer(weight, key)
            self.bind(weight, key)
            return key
        if not isinstance(array, np.ndarray):
            array = np.asarray(array, dtype=dtype)
        return self.constant(array)

    def constant(self, array, hint: str = "const") -> str:
        """A new initializer holding ``array``; returns its name."""
        name = self.fresh(hint)
        self._add_initializer(np.asarray(array), name)
        return name

    def ints(self, values) -> str:
        """A constant int64 vector: the shapes, pads and axes ONNX takes as inputs."""
        return self.constant(np.asarray(values, dtype=np.int64), "ints")

    def _add_initializer(self, array: np.ndarray, name: str) -> None:
        self.initializers.append(self.onnx.numpy_helper.from_array(
            np.ascontiguousarray(array), name))

    def fresh(self, hint: str) -> str:
        """A value name not used before."""
        return f"{hint}_{next(self._counter)}"

    # ----- nodes -------------------------------------------------------------------------------
    def op(self, op_type: str, *inputs, outputs: int = 1, **attributes):
        """Append an ONNX node; returns its output name (a list of them if ``outputs`` > 1).
        An input may be ``""``: an optional input left out."""
        names = [self.fresh(op_type) for _ in range(outputs)]
        layer = self.call.layer.split(" ")[0] if self.call is not None else ""
        self.nodes.append(self.onnx.helper.make_node(
            op_type, list(inputs), names, name=f"{layer}/{names[0]}" if layer else names[0],
            **attributes))
        return names[0] if outputs == 1 else names

    def reduce(self, op_type: str, x: str, axes, keepdims: bool) -> str:
        """A Reduce* node over ``axes``: before opset 18 the axes are an attribute (ReduceSum
        took them as an input from opset 13)."""
        axes = [int(a) for a in axes]
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, x, self.ints(axes), keepdims=int(keepdims))
        return self.op(op_type, x, axes=axes, keepdims=int(keepdims))

    def shape_with(self, x: str, ndim: int, tail) -> str:
        """The shape of ``x`` (at run time) with its last ``len(tail)`` entries replaced by the
        numbers ``tail``: a target shape that keeps the leading axes (the batch) dynamic."""
        lead = self.op("Shape", x, start=0, end=ndim - len(tail))
        return self.op("Concat", lead, self.ints(tail), axis=0)

    def fixes(self, kind: str, what: str) -> None:
        """Note that the converter being run wrote a size of its input as a number, so that
        axis cannot be dynamic: ``kind`` is "batch" (axis 0) or "size" (any other axis)."""
        self.fixed.append((kind, self.call, what))
