"""The ONNX graph being written: its nodes, its initializers, and the name of every value.

A traced value is known by its array (see ``core/tracing.py``). The exporter names the model's
inputs and its parameters and buffers (under their state-dict keys) up front; each converter
then asks ``value`` for the names of its call's arguments and returns the name of its output.
Anything the trace never saw made (a number, an array attribute, a tensor built inside forward
by ``nx.zeros``) becomes a constant initializer.

Dynamic axes. With probes (``probe.py``) the graph also knows how each call's arguments change
when the dynamic axes grow. ``value`` writes a constant that follows them as an expression (a
number proportional to the batch, a filled tensor of a batch-sized shape), ``sizes`` does the
same for shapes, and a converter that writes numbers read from the arguments declares them with
``written``. Whatever else changes is recorded in ``fixed``, and export refuses the dynamic axis.
"""
import itertools

import numpy as np

from ..core.tensor import Tensor
from .probe import same


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class Graph:
    """Nodes and initializers of one export, written through the ``onnx`` package.

    Args:
        onnx: the imported ``onnx`` package.  opset: the ONNX opset version written.
        probes: one ``probe.Probe`` per group of dynamic input axes.
    """

    def __init__(self, onnx, opset: int, probes=()):
        self.onnx, self.opset = onnx, opset
        self.nodes, self.initializers = [], []
        self.probes = list(probes)
        self.call = None  # the Call being converted: its layer names the nodes, errors cite it
        self.index = -1  # its position among the traced calls, and the probes' calls
        self.fixed = []  # (call, probe, why): what fits only the traced length of the probe's axes
        self.modules = []  # (module, args) of the layers running, innermost last
        self._names = {}  # id(array) -> (name, array): the array kept, so its id stays unique
        self._weights = {}  # id(array) -> (state-dict key, array), written when first used
        self._checked = set()  # positions of the call's arguments already compared with probes
        self._dims = {}  # probe -> the length of its axes, read at run time
        self._counter = itertools.count()

    # ----- calls -------------------------------------------------------------------------------
    def begin(self, call) -> None:
        """``call`` is converted next; a probe that ran another op here has diverged."""
        self.index += 1
        self.call, self._checked = call, set()
        for probe in self.probes:
            if probe.diverged:
                continue
            other = probe.calls[self.index][0] if self.index < len(probe.calls) else None
            if other is not call.op:
                probe.diverged = True
                ran = "no more ops" if other is None else other.__name__
                self.fixed.append((call, probe, f"runs only at the traced length (at the other, "
                                                f"the forward runs {ran} here)"))

    def end(self) -> None:
        """After the converter: compare every argument it did not check (neither through
        ``value`` nor ``written``) and that is not a tensor or an array with the probes."""
        if self._checked is not True:
            for i, a in enumerate(self.call.args):
                if i not in self._checked and not isinstance(a, (Tensor, np.ndarray)):
                    self._differs(f"argument {i} is {_short(a)} here",
                                  self.across(lambda args, i=i: args[i]))
        self.call = None

    def finish(self) -> None:
        """After the trace: a probe that ran more ops than the trace has diverged."""
        for probe in self.probes:
            if not probe.diverged and len(probe.calls) > self.index + 1:
                self.fixed.append((None, probe, "the forward runs more ops at the other length"))

    def across(self, fn) -> list:
        """``fn`` of the call's arguments, then of each probe's arguments for the same call:
        how what a converter reads changes with the dynamic axes. (A diverged probe repeats
        the call's own value: its difference is recorded already.)"""
        values = [fn(self.call.args)]
        for probe in self.probes:
            values.append(values[0] if probe.diverged else fn(probe.calls[self.index][1]))
        return values

    def written(self, what: str, fn) -> None:
        """Declare that the converter writes ``fn(args)`` as numbers, and no other number it
        read from the arguments. Where a probe's differ, the graph fits only the traced length
        of the probe's axes, and ``what`` says which numbers."""
        self._checked = True
        self._differs(what, self.across(fn))

    def size_free(self) -> None:
        """Declare that no number the converter writes depends on the sizes in the arguments
        (such as a transposed convolution's output size, which ONNX computes at run time)."""
        self._checked = True

    def _differs(self, what: str, values: list) -> bool:
        for probe, other in zip(self.probes, values[1:]):
            if not same(values[0], other):
                self.fixed.append((self.call, probe, f"records an exact size ({what})"))
                return True
        return False

    # ----- values ------------------------------------------------------------------------------
    def bind(self, array: np.ndarray, name: str) -> None:
        """``array`` is (from now on) the value called ``name``."""
        self._names[id(array)] = (name, array)

    def alias(self, new: np.ndarray, old: np.ndarray) -> None:
        """``new`` now holds the value ``old`` holds (an in-place update: ``tracing.Alias``).
        A constant is not written here: ``new`` holds a copy of its values, which becomes a
        constant where an op uses it, so that the probes can compare it there."""
        if self.traced(old):
            self.bind(new, self.value(old))

    def traced(self, v) -> bool:
        """Whether ``v`` (a Tensor or an array) is a value of the graph, not a constant."""
        array = v.data if isinstance(v, Tensor) else v
        known = self._names.get(id(array))
        return (known is not None and known[1] is array) or id(array) in self._weights

    def weight(self, array: np.ndarray, key: str) -> None:
        """``array`` is the parameter or buffer ``key``: an initializer, if some op uses it."""
        self._weights[id(array)] = (key, array)

    def value(self, v, dtype=None) -> str:
        """The name of ``v``: a traced value, a weight, or a new constant. A Python number
        becomes a 0-d constant of ``dtype`` (the dtype of the tensor it meets). A constant
        argument of the call that changes with the dynamic axes is written as an expression
        of their lengths where it can be (see the module docstring)."""
        array = v.data if isinstance(v, Tensor) else v
        known = self._names.get(id(array))
        if known is not None and known[1] is array:
            return known[0]
        if id(array) in self._weights:
            key, weight = self._weights.pop(id(array))
            self._add_initializer(weight, key)
            self.bind(weight, key)
            return key
        position = self._position(v, array)
        if position is not None:
            following = self._following(array, position, dtype)
            if following is not None:
                return following
        if not isinstance(array, np.ndarray):
            array = np.asarray(array, dtype=dtype)
        return self.constant(array)

    def _position(self, v, array):
        """Which argument of the call ``v`` is, or None."""
        if self.call is None:
            return None
        for i, a in enumerate(self.call.args):
            if a is v or (isinstance(a, Tensor) and a.data is array):
                return i
        return None

    def _following(self, array, position: int, dtype):
        """A constant argument that changes with the dynamic axes, written to follow them: a
        number as ``number``, a tensor filled with one value as that value expanded to a shape
        of ``sizes``. None when it does not change (or cannot follow: then it is recorded)."""
        if self._checked is not True:
            self._checked.add(position)
        values = self.across(lambda args: args[position])
        if all(same(values[0], other) for other in values[1:]):
            return None
        what = f"the constant argument {position}, {_short(values[0])}"
        if not isinstance(array, np.ndarray):  # a number
            if isinstance(array, (bool, np.bool_)) or self._scaling(values) is None:
                self._differs(what, values)
                return None
            return self.number(values, dtype)
        shapes = [tuple(getattr(v, "shape", np.shape(v))) for v in values]
        flat = array.reshape(-1)
        if len(set(shapes)) == 1 or not flat.size or not (flat == flat[0]).all():
            self._differs(what, values)
            return None
        fill = self.constant(flat[:1].reshape(()), "fill")
        return self.op("Expand", fill, self.sizes(shapes, what))

    def constant(self, array, hint: str = "const") -> str:
        """A new initializer holding ``array``; returns its name."""
        name = self.fresh(hint)
        self._add_initializer(np.asarray(array), name)
        return name

    def ints(self, values) -> str:
        """A constant int64 vector: the shapes, pads and axes ONNX takes as inputs."""
        return self.constant(np.asarray(values, dtype=np.int64).reshape(-1), "ints")

    def _add_initializer(self, array: np.ndarray, name: str) -> None:
        self.initializers.append(self.onnx.numpy_helper.from_array(
            np.asarray(array, order="C"), name))  # (ascontiguousarray would make 0-d 1-d)

    def fresh(self, hint: str) -> str:
        """A value name not used before."""
        return f"{hint}_{next(self._counter)}"

    # ----- sizes that follow the dynamic axes ---------------------------------------------------
    def _scaling(self, values: list):
        """(c, [(probe, e), ...]) with values[0] = c * product of probe.size ** e: e = 1 where a
        probe's value is twice the traced one, -1 where it is half; None if one changes
        otherwise."""
        base, coefficient, terms = values[0], values[0], []
        for probe, other in zip(self.probes, values[1:]):
            if other == base:
                continue
            exponent = 1 if other == 2 * base else -1 if 2 * other == base else None
            if exponent is None:
                return None
            terms.append((probe, exponent))
            coefficient = coefficient / probe.size ** exponent
        return coefficient, terms

    def dim(self, probe) -> str:
        """The length of ``probe``'s axes at run time (of its first input): int64, shape (1,)."""
        if probe not in self._dims:
            name, axis = probe.axes[0]
            self._dims[probe] = self.op("Shape", name, start=axis, end=axis + 1)
        return self._dims[probe]

    def sizes(self, runs: list, what: str) -> str:
        """An int64 vector holding ``runs[0]``, with every entry that the probes' ``runs[1:]``
        show to be a whole multiple of lengths of dynamic axes computed at run time. Any other
        change is recorded (``what``) and the traced entry written."""
        pieces, literal = [], []
        for j, n in enumerate(runs[0]):
            values = [run[j] for run in runs]
            scaled = self._scaling(values)
            varies = any(v != n for v in values)
            if varies and (scaled is None or not float(scaled[0]).is_integer() or
                           any(e < 0 for _, e in scaled[1])):
                self._differs(what, [tuple(run) for run in runs])
                varies = False
            if not varies:
                literal.append(int(n))
                continue
            if literal:
                pieces.append(self.ints(literal))
                literal = []
            coefficient, terms = scaled
            out = None if coefficient == 1 else self.ints([int(coefficient)])
            for probe, _ in terms:
                out = self.dim(probe) if out is None else self.op("Mul", out, self.dim(probe))
            pieces.append(out)
        if literal or not pieces:
            pieces.append(self.ints(literal))
        return pieces[0] if len(pieces) == 1 else self.op("Concat", *pieces, axis=0)

    def number(self, values: list, dtype) -> str:
        """The 0-d number ``values[0]`` of ``dtype``, computed at run time from the lengths of
        dynamic axes where the probes show it proportional to them (``loss / batch``)."""
        coefficient, terms = self._scaling(values)
        dtype = np.dtype(dtype if dtype is not None else np.asarray(values[0]).dtype)
        to = self.onnx.helper.np_dtype_to_tensor_dtype(dtype)
        out = self.constant(np.asarray(coefficient, dtype), "number")
        for probe, exponent in terms:
            length = self.op("Cast", self.op("Squeeze", self.dim(probe), self.ints([0])), to=to)
            out = self.op("Mul" if exponent > 0 else "Div", out, length)
        return out

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

    def scalar(self, value, dtype) -> str:
        """A 0-d constant ``value`` of ``dtype``."""
        return self.constant(np.asarray(value, dtype=dtype))
