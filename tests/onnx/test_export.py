"""nx.onnx.export itself: names, files, dynamic axes, modes, in-place updates, and the errors
that name the op and the layer."""
import sys

import numpy as np
import pytest

import neurenix as nx
from neurenix import multiscale as ms
from neurenix import nn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


class Twice(nx.autograd.Function):
    """An op of the user's own, which no converter knows."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out * 2



class Blend(nn.Module):
    """Writes into a buffer it makes, in place, as tiled inference does (under no_grad)."""

    def forward(self, x):
        with nx.no_grad():
            out = nx.zeros(*x.shape)
            out[:, :, :4] = x[:, :, :4] * 2
            out[:, 1] = out[:, 1] + x[:, 0]
            out += 1
            out.div_(2)
            out.relu_()
        return out


def test_default_names_and_a_file_path(tmp_path):
    model = nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU())
    x = nx.randn(1, 3, 8, 8)
    path = tmp_path / "model.onnx"
    assert nx.onnx.export(model, x, path) is None
    proto = onnx.load(str(path))
    assert [i.name for i in proto.graph.input] == ["input"]
    assert [o.name for o in proto.graph.output] == ["output"]
    assert sorted(i.name for i in proto.graph.initializer) == ["0.bias", "0.weight"]
    assert proto.opset_import[0].version == 17
    (got,) = _session(path).run(None, {"input": x.numpy()})
    np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-5, atol=1e-6)


def test_an_op_without_a_converter_is_named_with_its_layer(tmp_path, lambda_layer):
    model = nn.Sequential(nn.Conv2d(3, 4, 1), lambda_layer(Twice.apply))
    with pytest.raises(nx.onnx.UnsupportedOperatorError,
                       match=r"cannot export the op Twice \(in layer 1 \(Lambda\)\): no "
                             r"ONNX converter") as error:
        nx.onnx.export(model, nx.randn(1, 3, 4, 4), tmp_path / "m.onnx")
    assert error.value.op is Twice and error.value.layer == "1 (Lambda)"
    assert isinstance(error.value, RuntimeError)
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize("fn, message", [
    (lambda x: nx.max(x, dim=1)[0], r"TakeAlong .*computed in NumPy outside the op"),
    (lambda x: x[x > 0], r"GetItem .*boolean mask selects a number of elements"),
    (lambda x: nx.tensor(x.numpy().sum()), r"no op reads the input 'input'"),
    (lambda x: nn.functional.dropout(x, 0.5, training=True), r"DropoutOp .*eval mode"),
])
def test_what_cannot_be_exported_says_why(tmp_path, fn, message, lambda_layer):
    with pytest.raises(nx.onnx.UnsupportedOperatorError, match=message):
        nx.onnx.export(lambda_layer(fn), nx.randn(2, 3), tmp_path / "m.onnx")


@pytest.mark.parametrize("dynamic", [None, {"input": [0], "output": [0]}])
def test_in_place_updates_under_no_grad_are_traced(tmp_path, dynamic):
    x = nx.randn(2, 3, 6, 5)
    nx.onnx.export(Blend(), x, tmp_path / "m.onnx", dynamic_axes=dynamic)
    for x in [x] + ([nx.randn(3, 3, 6, 5)] if dynamic else []):
        (got,) = _session(tmp_path / "m.onnx").run(None, {"input": x.numpy()})
        np.testing.assert_allclose(got, Blend()(x).numpy(), rtol=1e-6)


def test_sizes_that_follow_the_batch_are_computed_at_run_time(tmp_path, lambda_layer):
    """A reshape that folds the batch into another axis, a zeros tensor of a batch-sized shape
    and a division by the batch size follow a dynamic batch; the probe sees them change."""
    def fn(x):
        heads = x.reshape(x.shape[0] * 3, -1)  # (N * 3, 20)
        state = nx.zeros(x.shape[0], 1, 1, 5) + 1
        return (heads.reshape(x.shape) * state).sum() / x.shape[0]

    path = tmp_path / "m.onnx"
    nx.onnx.export(lambda_layer(fn), nx.randn(2, 3, 4, 5), path, dynamic_axes={"input": [0]})
    for n in (1, 2, 5):
        x = nx.randn(n, 3, 4, 5)
        (got,) = _session(path).run(None, {"input": x.numpy()})
        np.testing.assert_allclose(got, fn(x).numpy(), rtol=1e-5)


@pytest.mark.parametrize("fn, message", [
    (lambda x: sum(x[i] for i in range(len(x))),  # a Python loop over the samples
     r"but the forward runs more ops at the other length"),
    (lambda x: x.relu() if len(x) > 2 else x.sigmoid(),
     r"but SigmoidOp in layer \(model\) \(Lambda\) runs only at the traced length \(at the "
     r"other, the forward runs ReLUOp here\)"),
])
def test_ops_that_depend_on_the_batch_size_refuse_a_dynamic_batch(tmp_path, fn, message,
                                                                  lambda_layer):
    with pytest.raises(ValueError, match="dynamic_axes makes axis 0 of 'input' dynamic, " +
                       message):
        nx.onnx.export(lambda_layer(fn), nx.randn(2, 3), tmp_path / "m.onnx",
                       dynamic_axes={"input": [0]})


def test_a_model_that_fails_at_the_doubled_size_refuses_the_dynamic_axis(tmp_path, lambda_layer):
    with pytest.raises(ValueError, match=r"dynamic_axes makes axis 0 of 'input' dynamic, but the "
                                         r"model fails when that length is 4 instead of 2 "
                                         r"\(RuntimeError: reshape: shape \(6, 5\) is invalid"):
        nx.onnx.export(lambda_layer(lambda x: x.view(6, 5)), nx.randn(2, 3, 5), tmp_path / "m.onnx",
                       dynamic_axes={"input": [0]})


def test_spatial_axes_stay_dynamic_when_no_op_fixes_a_size(tmp_path):
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(4, 4, 3), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(4, 2)).eval()
    nx.onnx.export(model, nx.randn(1, 3, 16, 16), tmp_path / "m.onnx",
                   dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                                 "output": {0: "batch"}})
    dims = onnx.load(str(tmp_path / "m.onnx")).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ["batch", 3, "height", "width"]
    x = nx.randn(3, 3, 23, 19)
    (got,) = _session(tmp_path / "m.onnx").run(None, {"input": x.numpy()})
    np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-4, atol=1e-5)


def test_a_dynamic_spatial_axis_that_a_resize_fixes_is_refused_naming_it(tmp_path):
    with pytest.raises(ValueError, match=r"dynamic_axes makes axis 2 of 'input' dynamic, but "
                                         r"SeparableResize in layer \(model\) \(UNet\) records "
                                         r"an exact size \(a resize of \(4, 4\) to \(5, 5\)\)"):
        nx.onnx.export(ms.UNet(3, 1, features=[4, 8]), nx.randn(1, 3, 11, 11),
                       tmp_path / "m.onnx", dynamic_axes={"input": [2]})
    with pytest.raises(ValueError, match=r"dynamic_axes makes axis 3 of 'input' dynamic, but "
                                         r"SeparableResize in layer \(model\) \(Upsample\) "
                                         r"records an exact size \(a resize of \(4, 6\) to "
                                         r"\(7, 9\)\)"):
        nx.onnx.export(nn.Upsample(size=(7, 9), mode="bilinear"), nx.randn(1, 3, 4, 6),
                       tmp_path / "m.onnx", dynamic_axes={"input": [3]})


def test_dynamic_axes_must_name_an_input_or_output(tmp_path):
    with pytest.raises(ValueError, match="dynamic_axes names 'x'"):
        nx.onnx.export(nn.ReLU(), nx.randn(2, 3), tmp_path / "m.onnx", dynamic_axes={"x": [0]})


def test_modes_are_restored_and_the_trace_runs_in_eval_mode(tmp_path):
    model = nn.Sequential(nn.Dropout(0.5), nn.BatchNorm2d(3))
    model.train()
    model[1].eval()  # a frozen BatchNorm in a training model stays frozen
    nx.onnx.export(model, nx.randn(2, 3, 4, 4), tmp_path / "m.onnx")
    assert model.training and model[0].training and not model[1].training
    kinds = [n.op_type for n in onnx.load(str(tmp_path / "m.onnx")).graph.node]
    assert "BatchNormalization" in kinds and "Dropout" not in kinds
    assert nx.core.tracing.slot.trace is None


def test_a_newer_opset_writes_reduce_axes_as_inputs(tmp_path):
    model = nn.BatchNorm2d(3, track_running_stats=False)
    x = nx.randn(2, 3, 4, 5)
    nx.onnx.export(model, x, tmp_path / "m.onnx", opset_version=18)
    assert onnx.load(str(tmp_path / "m.onnx")).opset_import[0].version == 18
    (got,) = _session(tmp_path / "m.onnx").run(None, {"input": x.numpy()})
    np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-4, atol=1e-5)


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="opset_version must be at least 17"):
        nx.onnx.export(nn.ReLU(), nx.randn(2), tmp_path / "m.onnx", opset_version=13)
    with pytest.raises(TypeError, match="args holds a ndarray"):
        nx.onnx.export(nn.ReLU(), (np.ones(2),), tmp_path / "m.onnx")
    with pytest.raises(ValueError, match="input_names must be 1 distinct names"):
        nx.onnx.export(nn.ReLU(), nx.randn(2), tmp_path / "m.onnx", input_names=["a", "b"])


def test_without_the_onnx_package_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    with pytest.raises(ImportError, match=r'pip install "neurenix\[onnx\]"'):
        nx.onnx.export(nn.ReLU(), nx.randn(2), tmp_path / "m.onnx")
