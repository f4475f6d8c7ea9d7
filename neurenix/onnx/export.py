"""``nx.onnx.export``: trace one forward pass, convert each op, write the ONNX file.

1. Name. The model's inputs, and its parameters and buffers (under their state-dict keys).
2. Probe. For each group of dynamic input axes, the forward runs once more with those axes
   doubled, recording its op calls (``probe.py``): the numbers that change with them are
   written to follow them, and anything else that changes refuses the dynamic axis.
3. Trace and convert. The model runs once in eval mode under ``no_grad`` inside a
   ``core.tracing.Trace``: ``Function.apply`` hands it every op call, and each call goes at
   once to the converter registered for its op class (``registry.py``, ``ops/``), which
   appends ONNX nodes and names the output. A forward pre-hook and a forward hook on each
   sub-module push and pop its name (and the module with its arguments, ``Graph.modules``),
   so each call knows the layer it ran in.
4. Write. The graph's outputs are the model's outputs (a Tensor, or a list or tuple of them),
   the weights become initializers, and ``onnx.checker`` checks the model before it is saved.

Like every tracing exporter (``torch.onnx.export``'s default before dynamo, ``torch.jit.trace``)
it records one run: Python control flow is unrolled for that input, and a value computed
outside the ops (``x.shape[2] // 2``, a tensor built from ``x.numpy()``) is written as the
number or constant it was, unless a probe shows it following a dynamic axis. An input that no
op reads (the forward used it only through NumPy) is refused rather than silently ignored.
"""
from ..core.autograd import no_grad
from ..core.tensor import Tensor
from ..core.tracing import Alias, Trace
from . import probe
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


def _trace(model, inputs: tuple, listener, modules=None):
    """Run ``model(*inputs)`` once in eval mode under a Trace handing each event to
    ``listener``; every sub-module's mode is put back afterwards. ``modules`` (a list), when
    given, holds (module, args) of the modules running. Returns the outputs."""
    modes = [(module, module.training) for module in model.modules()]
    handles = []
    trace = Trace(listener)

    def enter(module, args, layer):
        trace.enter(layer)
        if modules is not None:
            modules.append((module, args))

    def leave(*_):
        trace.leave()
        if modules is not None:
            modules.pop()

    try:
        model.eval()
        for name, module in model.named_modules():
            layer = f"{name or '(model)'} ({type(module).__name__})"
            handles.append(module.register_forward_pre_hook(
                lambda module, args, layer=layer: enter(module, args, layer)))
            handles.append(module.register_forward_hook(leave))
        with trace, no_grad():
            outputs = model(*inputs)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
    return outputs


def _flat(values, what: str) -> list:
    """The Tensors of ``values``: one, or those of a (nested) list or tuple, in order; a None
    among them (MultiheadAttention's weights with ``need_weights=False``) is left out."""
    if isinstance(values, Tensor):
        return [values]
    if isinstance(values, (list, tuple)):
        return [t for v in values if v is not None for t in _flat(v, what)]
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
    dim name}}), for the values of ``names`` (the others are checked after the trace)."""
    dynamic = {}
    for name, axes in (dynamic_axes or {}).items():
        if name in names:
            dynamic[name] = (dict(axes) if isinstance(axes, dict) else
                             {int(a): f"{name}_dim{int(a)}" for a in axes})
    return dynamic


def _probes(model, args: tuple, inputs: list, input_names: list, dynamic: dict) -> list:
    """One probe per group of dynamic input axes that must stay equal: those sharing a dim name
    given in the dict form, or (list form) one axis position at one traced length, as the batch
    axes of a loss's input and target."""
    groups = {}
    for i, (name, t) in enumerate(zip(input_names, inputs)):
        for axis, dim in dynamic.get(name, {}).items():
            if not -t.ndim <= axis < t.ndim:
                raise ValueError(f"onnx.export: dynamic_axes names axis {axis} of {name!r}, "
                                 f"which has shape {t.shape}")
            named = dim != f"{name}_dim{axis}"  # given in the dict form
            axis %= t.ndim
            key = ("dim", dim) if named else ("axis", axis, t.shape[axis])
            groups.setdefault(key, []).append((i, name, axis, t.shape[axis]))
    probes = []
    for members in groups.values():
        sizes = {size for *_, size in members}
        if len(sizes) > 1:
            raise ValueError(f"onnx.export: dynamic_axes gives one name to axes of different "
                             f"lengths: {[(name, axis, size) for _, name, axis, size in members]}")
        flat_axes = {}
        for i, _, axis, _ in members:
            flat_axes.setdefault(i, []).append(axis)
        probes.append(probe.run(lambda a, listener: _trace(model, a, listener), args,
                                [(name, axis) for _, name, axis, _ in members], flat_axes,
                                sizes.pop()))
    return probes


def _check_dynamic(g: Graph) -> None:
    """Refuse dynamic input axes that the graph does not follow (``Graph.fixed``)."""
    if not g.fixed:
        return
    call, probe, why = g.fixed[0]
    where = f"{call.op.__name__} in layer {call.layer} {why}" if call is not None else why
    raise ValueError(
        f"onnx.export: dynamic_axes makes {probe.describe()} dynamic, but {where}, so the "
        "exported graph only fits inputs of the traced length along that axis; export "
        "without that dynamic axis (one file per input size)")


def _check_inputs_read(g: Graph, input_names: list) -> None:
    """Refuse an input that no node reads: the forward used it outside neurenix's ops."""
    read = {name for node in g.nodes for name in node.input}
    for name in input_names:
        if name not in read:
            raise UnsupportedOperatorError(
                f"onnx.export: no op reads the input {name!r}: the forward used it outside "
                "neurenix's ops (through NumPy, .item() or .tolist(), or in a Python "
                "condition), so the exported graph would ignore it")


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
        g.begin(event)
        converter = CONVERTERS.get(event.op)
        try:
            if converter is None:
                raise UnsupportedOperatorError("no ONNX converter is registered for this op")
            g.bind(event.out.data, converter(g, event))
        except UnsupportedOperatorError as e:
            raise UnsupportedOperatorError(
                f"onnx.export: cannot export the op {event.op.__name__} (in layer "
                f"{event.layer}): {e}", event.op, event.layer) from None
        g.end()
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
            and outputs left free in the file, as in PyTorch. Input axes of one dim name (in
            the list form: of one position and traced length, as the batch axes of several
            inputs) vary together. The forward runs once more with them doubled to find the
            sizes that follow them (a reshape to (N * heads, ...), the zeros of an RNN's first
            state, ``loss / batch``). The batch axis can be free for every nn layer and
            multiscale model. A size that does not simply follow the axis (a resize to a fixed
            size, adaptive pooling bins, a loop over the samples) refuses it with a ValueError
            naming the op and the layer.
        opset_version: the ONNX opset written, 17 or newer.

    Raises:
        ImportError: the ``onnx`` package is missing (``pip install "neurenix[onnx]"``).
        UnsupportedOperatorError (a RuntimeError): an op has no ONNX form (the message names
            the op class and the layer, module path and class, it ran in), or no op reads an
            input (the forward used it only through NumPy).
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
    probes = _probes(model, args, inputs, input_names, _dynamic(dynamic_axes, input_names))
    g = Graph(onnx, opset_version, probes)
    for key, t in list(model.named_parameters()) + list(model.named_buffers()):
        g.weight(t.data, key)
    for name, t in zip(input_names, inputs):
        g.bind(t.data, name)
    outputs = _flat(_trace(model, args, _converter(g), g.modules), "the model's output")
    g.finish()
    output_names = _names(output_names, len(outputs), "output", "output_names")
    names = input_names + output_names
    for name in dynamic_axes or {}:
        if name not in names:
            raise ValueError(f"onnx.export: dynamic_axes names {name!r}, which is not among "
                             f"the input and output names {names}")
    dynamic = _dynamic(dynamic_axes, names)
    _check_dynamic(g)
    for name, t in zip(output_names, outputs):  # an output may be an input, a weight, a copy
        g.nodes.append(onnx.helper.make_node("Identity", [g.value(t)], [name], name=name))
    _check_inputs_read(g, input_names)

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
