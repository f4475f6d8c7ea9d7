"""The round trip every ONNX test makes: export with nx.onnx.export, check with onnx.checker,
run with ONNX Runtime (CPU), compare with neurenix's own outputs."""
import io

import numpy as np
import pytest

import neurenix as nx
from neurenix import nn

RTOL, ATOL = 1e-4, 1e-5  # float32: the two runtimes sum and interpolate in other orders


def _as_list(values) -> list:
    """The Tensors of a Tensor or of a nested list or tuple of them (None left out), in
    order: the graph's inputs or outputs."""
    return [values] if isinstance(values, nx.Tensor) else [t for v in values if v is not None
                                                           for t in _as_list(v)]


def _expected(model, inputs) -> list:
    modes = [m.training for m in model.modules()]
    model.eval()
    with nx.no_grad():
        out = _as_list(model(*inputs))
    for m, training in zip(model.modules(), modes):
        m.training = training
    return [t.numpy() for t in out]


def _run(blob: bytes, names: list, inputs) -> list:
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(blob, providers=["CPUExecutionProvider"])
    return session.run(None, {n: t.numpy() for n, t in zip(names, _as_list(inputs))})


def _compare(got: list, want: list) -> None:
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, f"output {i}: ONNX Runtime {g.shape}, neurenix {w.shape}"
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL, err_msg=f"output {i}")


@pytest.fixture
def roundtrip():
    """roundtrip(model, *inputs, other_batch=None, batch_axis=0, **export_kwargs) -> the onnx
    ModelProto.

    Exports ``model`` on ``inputs`` (its positional arguments: Tensors or lists of them),
    checks the file, and asserts ONNX Runtime's outputs equal neurenix's. With ``other_batch``
    (inputs of another batch size), the export leaves axis ``batch_axis`` of every input and
    output (of more than that many axes) dynamic, and the file is run on those inputs too."""
    onnx = pytest.importorskip("onnx")

    def run(model, *inputs, other_batch=None, batch_axis=0, **kwargs):
        names = [f"input_{i}" for i in range(len(_as_list(inputs)))]
        want = _expected(model, inputs)
        if other_batch is not None:
            outputs = [f"output_{i}" for i in range(len(want))]
            shapes = [t.shape for t in _as_list(inputs)] + [w.shape for w in want]
            kwargs.update(output_names=outputs, dynamic_axes={
                n: [batch_axis] for n, shape in zip(names + outputs, shapes)
                if len(shape) > batch_axis})
        buffer = io.BytesIO()
        nx.onnx.export(model, inputs, buffer, input_names=names, **kwargs)
        proto = onnx.load_from_string(buffer.getvalue())
        onnx.checker.check_model(proto, full_check=True)
        _compare(_run(buffer.getvalue(), names, inputs), want)
        if other_batch is not None:
            _compare(_run(buffer.getvalue(), names, other_batch),
                     _expected(model, other_batch))
        return proto
    return run


class Lambda(nn.Module):
    """A module whose forward is ``fn``: an op, or a few, as a model to export."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


@pytest.fixture
def lambda_layer():
    """``lambda_layer(fn)``: a module whose forward is ``fn``."""
    return Lambda
