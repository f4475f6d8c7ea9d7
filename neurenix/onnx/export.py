"""``nx.onnx.export``: trace one forward pass, convert each op, write the ONNX file.

1. Name. The model's inputs, and its parameters and buffers (under their state-dict keys).
2. Trace and convert. The model runs once in eval mode under ``no_grad`` inside a
   ``core.tracing.Trace``: ``Function.apply`` hands it every op call, and each call goes at
   once to the converter registered for its op class (``registry.py``, ``ops/``), which
   appends ONNX nodes and names the output. A forward pre-hook and a forward hook on each
   sub-module push and pop its name, so each call knows the layer it ran in.
3. Write. The graph's outputs are the model's outputs (a Tensor, or a list or tuple of them),
   the weights become initializers, and ``onnx.checker`` checks the model before it is saved.

Like every tracing exporter (``torch.onnx.export``'s default before dynamo, ``torch.jit.trace``)
it records one run: Python control flow is unrolled for that input, and a value computed
outside the ops (``x.shape[2] // 2``, a tensor built from ``x.numpy()``) is written as the
number or constant it was.
"""
from ..core.autograd import no_grad
from ..core.tensor import Tensor
from ..core.tracing import Alias, Trace
from .graph import Graph
from .ops import CONVERTERS
from .registry import UnsupportedOperatorError

MIN_OPSET = 17


def _import_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("nx.onnx.export needs the onnx package: pip install "
                          "\"neurenix[onnx]\" (or pip install onnx)") from None
    return onnx


def _trace(model, inputs: tuple, listener):
    """Run ``model(*inputs)`` once in eval mode under a Trace handing each event to
    ``listener``; every sub-module's mode is put back afterwards. Returns the outputs."""
    modes = [(module, module.training) for module in model.modules()]
    handles = []
    trace = Trace(listener)
    try:
        model.eval()
        for name, module in model.named_modules():
            layer = f"{name or '(model)'} ({type(module).__name__})"
            handles.append(module.register_forward_pre_hook(
                lambda module, args, layer=layer: trace.enter(layer)))
            handles.append(module.register_forward_hook(lambda *_: trace.leave()))
        with trace, no_grad():
            outputs = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
    return outputs


def _flat(values, what: str) -> list:
    """The Tensors of ``values``: one, or those of a (nested) list or tuple, in order."""
    if isinstance(values, Tensor):
        return [values]
    if isinstance(values, (list, tuple)):
        return [t for v in values for t in _flat(v, what)]
    raise TypeError(f"onnx.export: {what} holds a {type(values).__name__}; only Tensors, and "
                    "lists or tuples of them, can be graph inputs and outputs")


def _names(given, count: int, default: str, what: str) -> list:
    if given is None:
        return [default] if count == 1 else [f"{default}_{i}" for i in range(count)]
    given = list(given)
    if len(given) != count or len(set(given)) != count:
        raise ValueError(f"onnx.export: {what} must be {count} distinct names, got {given}")
    return given


def _dynamic(dynamic_axes, names: list) -> dict:
    """{value name: {axis: dim name}} from PyTorch's forms ({name: [axes]} or {name: {axis:
    dim name}})."""
    dynamic = {}
    for name, axes in (dynamic_axes or {}).items():
        if name not in names:
            raise ValueError(f"onnx.export: dynamic_axes names {name!r}, which is not among the "
                             f"input and output names {names}")
        dynamic[name] = (dict(axes) if isinstance(axes, dict) else
                         {int(a): f"{name}_dim{int(a)}" for a in axes})
    return dynamic


def _check_dynamic(g: Graph, dynamic: dict, input_names: list) -> None:
    """Refuse dynamic input axes that a converter wrote as a number (``Graph.fixes``)."""
    asked = {"batch" if axis == 0 else "size": (name, axis)
             for name in input_names for axis in dynamic.get(name, {})}
    for kind, call, what in g.fixed:
        if kind in asked:
            name, axis = asked[kind]
            raise ValueError(
                f"onnx.export: dynamic_axes makes axis {axis} of {name!r} dynamic, but "
                f"{call.op.__name__} in layer {call.layer} records an exact size ({what}), so "
                "the exported graph only fits inputs of the traced size along that axis; "
                "export without that dynamic axis (one file per input size)")


def _value_info(onnx, name: str, t: Tensor, dims: dict):
    shape = [dims.get(axis, n) for axis, n in enumerate(t.shape)]
    return onnx.helper.make_tensor_value_info(
        name, onnx.helper.np_dtype_to_tensor_dtype(t.dtype), shape)


def _converter(g: Graph):
    """The trace's listener: each op call through its converter, as it happens."""
    def convert(event) -> None:
        if isinstance(event, Alias):
            g.alias(event.new.data, event.old.data)
            return
        g.call = event
        converter = CONVERTERS.get(event.op)
        try:
            if converter is None:
                raise UnsupportedOperatorError("no ONNX converter is registered for this op")
            g.bind(event.out.data, converter(g, event))
        except UnsupportedOperatorError as e:
            raise UnsupportedOperatorError(
                f"onnx.export: cannot export the op {event.op.__name__} (in layer "
                f"{event.layer}): {e}", event.op, event.layer) from None
        finally:
            g.call = None
    return convert


def export(model, args, path, input_names=None, output_names=None, dynamic_axes=None,
           opset_version: int = MIN_OPSET) -> None:
    """Export ``model`` to an ONNX file by tracing one forward pass, as ``torch.onnx.export``.

    The model runs once on ``args`` in eval mode (each sub-module's train/eval mode is restored
    afterwards) without recording a graph; every op it runs is converted to ONNX nodes, and
    its parameters and buffers become initializers named by their state-dict keys. The file
    runs in any ONNX runtime with the outputs neurenix computes (to float32 rounding).

    Args:
        model: a ``neurenix.nn.Module``.
        args: the input Tensor, or a tuple of the positional arguments of ``forward``: Tensors,
            or lists of Tensors (``FeatureFusion`` takes one), each Tensor one graph input.
        path: a file path, or a binary file object, to write the model to.
        input_names, output_names: names of the graph's inputs and outputs (default "input" /
            "output", numbered "input_0", ... when there are several). A model that returns a
            list (``MultiScaleTransform``, ``PyramidDownsample``) has one output per entry.
        dynamic_axes: ``{name: [axis, ...]}`` or ``{name: {axis: "dim name"}}``: axes of inputs
            and outputs left free in the file, as in PyTorch. The batch axis (0) can be free
            for every nn layer and multiscale model. A spatial axis can be free only when no
            op records an exact size: a resize to a size (the multiscale models, a UNet's odd
            skips), adaptive pooling to other than 1 x 1, a flatten to a fixed width all fix the
            spatial size, and export then raises a ValueError naming the op and the layer.
        opset_version: the ONNX opset written, 17 or newer.

    Raises:
        ImportError: the ``onnx`` package is missing (``pip install "neurenix[onnx]"``).
        UnsupportedOperatorError (a RuntimeError): an op has no ONNX form; the message names
            the op class and the layer (module path and class) it ran in.
        ValueError: bad names or dynamic axes, or a dynamic axis the graph cannot honour.
        onnx.checker.ValidationError: the written graph is invalid (a bug in a converter).
    """
    onnx = _import_onnx()
    if opset_version < MIN_OPSET:
        raise ValueError(f"onnx.export: opset_version must be at least {MIN_OPSET}, got "
                         f"{opset_version}")
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    inputs = _flat(args, "args")
    input_names = _names(input_names, len(inputs), "input", "input_names")
    g = Graph(onnx, opset_version)
    for key, t in list(model.named_parameters()) + list(model.named_buffers()):
        g.weight(t.data, key)
    for name, t in zip(input_names, inputs):
        g.bind(t.data, name)
    outputs = _flat(_trace(model, args, _converter(g)), "the model's output")
    output_names = _names(output_names, len(outputs), "output", "output_names")
    dynamic = _dynamic(dynamic_axes, input_names + output_names)
    _check_dynamic(g, dynamic, input_names)
    for name, t in zip(output_names, outputs):  # an output may be an input, a weight, a copy
        g.nodes.append(onnx.helper.make_node("Identity", [g.value(t)], [name], name=name))

    graph = onnx.helper.make_graph(
        g.nodes, type(model).__name__,
        [_value_info(onnx, n, t, dynamic.get(n, {})) for n, t in zip(input_names, inputs)],
        [_value_info(onnx, n, t, dynamic.get(n, {})) for n, t in zip(output_names, outputs)],
        g.initializers)
    proto = onnx.helper.make_model(graph, producer_name="neurenix",
                                   opset_imports=[onnx.helper.make_opsetid("", opset_version)])
    proto.ir_version = min(proto.ir_version, _IR_FOR_OPSET.get(opset_version, proto.ir_version))
    onnx.checker.check_model(proto)
    onnx.save(proto, path)


# The newest IR version each opset's runtimes accept; ``make_model`` writes the newest the onnx
# package knows, which an older ONNX Runtime refuses.
_IR_FOR_OPSET = {17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10}
