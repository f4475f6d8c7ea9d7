"""nx.save / nx.load: safetensors files that rebuild neurenix modules, load into PyTorch, and
refuse truncated, corrupt, foreign or tampered files without running anything from them."""
import json
import os
import pickle
import re
import tempfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurenix as nx
from neurenix import nn
from neurenix.core import serialization
from neurenix.core.random import get_rng_state

# ----- helpers --------------------------------------------------------------------------------


def _randomize(module) -> None:
    """Give every floating parameter and buffer distinct random values (so a round trip that
    mixed two tensors up, or re-initialised one, is caught) and count some batches."""
    rng = np.random.default_rng(0)
    for tensor in list(module.parameters()) + list(module.buffers()):
        if tensor.dtype.kind == "f":
            tensor.data[...] = rng.uniform(0.5, 1.5, tensor.shape)
        else:
            tensor.data[...] = rng.integers(1, 100, tensor.shape)


def _assert_same_module(original, loaded) -> None:
    assert type(loaded) is type(original)
    assert repr(loaded) == repr(original)
    mine, theirs = original.state_dict(), loaded.state_dict()
    assert list(theirs) == list(mine)
    for key in mine:
        assert theirs[key].dtype == mine[key].dtype, key
        np.testing.assert_array_equal(theirs[key].data, mine[key].data, err_msg=key)
    assert ([(n, m.training) for n, m in loaded.named_modules()]
            == [(n, m.training) for n, m in original.named_modules()])
    for p in loaded.parameters():
        assert isinstance(p, nn.Parameter) and p.requires_grad


def _raw_file(path, header, data: bytes = b"", pad: bool = True) -> Path:
    """Write a safetensors-layout file by hand: ``header`` (a dict, or raw bytes) and ``data``."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    Path(path).write_bytes(len(text).to_bytes(8, "little") + text + data)
    return Path(path)


def _manifest_file(path, module_description, arrays=None, kind="module", training=None,
                   frozen=None):
    """A file with a hand-written neurenix manifest and a correct checksum, so that only the
    manifest's content decides whether it loads."""
    arrays = arrays or {}
    header, offset, data = {}, 0, b""
    for name, array in arrays.items():
        header[name] = {"dtype": serialization.dtype_code(array.dtype),
                        "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
        data += array.tobytes()
    manifest = {"format": "neurenix", "version": 1, "kind": kind,
                "module": module_description, "training": training or {"": True},
                "sha256": serialization._digest(arrays)}
    if frozen is not None:
        manifest["frozen"] = frozen
    header["__metadata__"] = {"neurenix": json.dumps(manifest)}
    return _raw_file(path, header, data)


def _load_error(path, *fragments):
    with pytest.raises(nx.SerializationError) as info:
        nx.load(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert re.search(fragment, message, re.DOTALL), (fragment, message)
    return message


# ----- round trips of modules -----------------------------------------------------------------

# Every nn Module class, built with non-default arguments where it has any, and an input.
LAYERS = {
    "Linear": (lambda: nn.Linear(5, 3, bias=False), (2, 5)),
    "Identity": (lambda: nn.Identity(7, unused="x"), (2, 3)),
    "Conv2d": (lambda: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=1, dilation=1, groups=2),
               (2, 4, 7, 6)),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1,
                                                   output_padding=1), (1, 4, 3, 3)),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3, eps=1e-3, momentum=None), (4, 3)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3, affine=False), (2, 3, 4, 4)),
    "ReLU": (lambda: nn.ReLU(), (2, 3)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), (2, 3)),
    "Sigmoid": (lambda: nn.Sigmoid(), (2, 3)),
    "Tanh": (lambda: nn.Tanh(), (2, 3)),
    "GELU": (lambda: nn.GELU(approximate="tanh"), (2, 3)),
    "SiLU": (lambda: nn.SiLU(), (2, 3)),
    "Softmax": (lambda: nn.Softmax(dim=1), (2, 3)),
    "LogSoftmax": (lambda: nn.LogSoftmax(dim=-1), (2, 3)),
    "Dropout": (lambda: nn.Dropout(0.25), (2, 3)),
    "MaxPool2d": (lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), (1, 2, 7, 7)),
    "AvgPool2d": (lambda: nn.AvgPool2d((2, 3), count_include_pad=False, padding=1),
                  (1, 2, 6, 7)),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((3, None)), (1, 2, 7, 5)),
    "AdaptiveMaxPool2d": (lambda: nn.AdaptiveMaxPool2d(2), (1, 2, 5, 5)),
    "Upsample": (lambda: nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
                 (1, 2, 4, 4)),
    "Flatten": (lambda: nn.Flatten(0, 1), (2, 3, 4)),
    "Sequential": (lambda: nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)), (2, 3)),
    "ModuleList": (lambda: nn.ModuleList([nn.Linear(2, 2), nn.BatchNorm1d(2)]), None),
    "ModuleDict": (lambda: nn.ModuleDict({"a": nn.Linear(2, 3), "b": nn.Tanh()}), None),
    "MSELoss": (lambda: nn.MSELoss(reduction="sum"), None),
    "L1Loss": (lambda: nn.L1Loss(reduction="none"), None),
    "BCELoss": (lambda: nn.BCELoss(weight=nx.tensor([0.5, 2.0])), None),
    "BCEWithLogitsLoss": (lambda: nn.BCEWithLogitsLoss(pos_weight=nx.tensor([3.0])), None),
    "CrossEntropyLoss": (lambda: nn.CrossEntropyLoss(weight=nx.tensor([1.0, 2.0, 3.0]),
                                                     ignore_index=1, label_smoothing=0.1), None),
    "NLLLoss": (lambda: nn.NLLLoss(ignore_index=0, reduction="sum"), None),
}


def test_every_nn_module_class_is_in_the_round_trip_table():
    classes = {name for name, value in vars(nn).items()
               if isinstance(value, type) and issubclass(value, nn.Module)
               and value is not nn.Module}
    assert classes <= LAYERS.keys(), f"add {sorted(classes - LAYERS.keys())} to LAYERS"


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_layer_round_trip(name, mode, tmp_path):
    make, input_shape = LAYERS[name]
    nx.manual_seed(0)
    module = make()
    _randomize(module)
    getattr(module, mode)()
    path = tmp_path / f"{name}.nx"
    nx.save(module, path)
    loaded = nx.load(path)
    _assert_same_module(module, loaded)
    if input_shape is not None:
        x = nx.randn(*input_shape)
        nx.manual_seed(1)
        expected = module(x)
        nx.manual_seed(1)
        np.testing.assert_array_equal(loaded(x).data, expected.data)


def _nested_model():
    block = nn.Sequential(OrderedDict([("conv", nn.Conv2d(3, 4, 3, padding=1)),
                                       ("bn", nn.BatchNorm2d(4)), ("act", nn.ReLU())]))
    heads = nn.ModuleDict({"cls": nn.Sequential(nn.Flatten(), nn.Linear(4 * 5 * 5, 2)),
                           "aux": nn.ModuleList([nn.Dropout(0.1), nn.Identity()])})
    return nn.Sequential(block, nn.ModuleList([nn.Conv2d(4, 4, 1), nn.GELU()]), heads)


def test_nested_containers_round_trip_with_mixed_modes(tmp_path):
    nx.manual_seed(0)
    model = _nested_model()
    _randomize(model)
    model[0].bn.eval()  # a frozen BatchNorm inside a training model
    model[2]["aux"].eval()
    nx.save(model, tmp_path / "nested.nx")
    loaded = nx.load(tmp_path / "nested.nx")
    _assert_same_module(model, loaded)
    assert isinstance(loaded[0], nn.Sequential)
    assert list(loaded[0]._modules) == ["conv", "bn", "act"]
    assert not loaded[0].bn.training and loaded[0].conv.training


def test_frozen_parameters_stay_frozen(tmp_path):
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(2, 2))
    model[0].requires_grad_(False)  # a frozen backbone being fine-tuned
    model[1].bias.requires_grad_(False)
    nx.save(model, tmp_path / "frozen.nx")
    loaded = nx.load(tmp_path / "frozen.nx")
    flags = [(n, p.requires_grad) for n, p in loaded.named_parameters()]
    assert flags == [(n, p.requires_grad) for n, p in model.named_parameters()]
    assert [n for n, flag in flags if not flag] == ["0.weight", "0.bias", "1.bias"]


def test_multiscale_models_round_trip_with_their_nested_base_models(tmp_path):
    ms = pytest.importorskip("neurenix.multiscale")
    nx.manual_seed(0)
    base = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU())
    models = [ms.MultiScaleModel(scales=[1.0, 0.5], base_model=base, fusion_method="attention"),
              ms.UNet(in_channels=3, out_channels=1, features=[4, 8]),
              ms.PyramidNetwork(in_channels=3, out_channels=2, num_levels=2, base_channels=4)]
    x = nx.randn(2, 3, 9, 9)
    for i, model in enumerate(models):
        _randomize(model)
        model(x)  # training forward: moves the BatchNorm statistics
        model.eval()
        path = tmp_path / f"model{i}.nx"
        nx.save(model, path)
        loaded = nx.load(path)
        _assert_same_module(model, loaded)
        np.testing.assert_array_equal(loaded(x).data, model(x).data)
    assert isinstance(nx.load(tmp_path / "model0.nx").base_model, nn.Sequential)


def test_a_module_passed_twice_stays_shared(tmp_path):
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    nx.save(model, tmp_path / "tied.nx")
    loaded = nx.load(tmp_path / "tied.nx")
    assert loaded[0] is loaded[2]
    _assert_same_module(model, loaded)


def test_float64_model_keeps_its_dtype(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).to(nx.float64)
    nx.save(model, tmp_path / "f64.nx")
    loaded = nx.load(tmp_path / "f64.nx")
    assert loaded[0].weight.dtype == nx.float64 and loaded[1].running_var.dtype == nx.float64
    assert loaded[1].num_batches_tracked.dtype == nx.int64
    _assert_same_module(model, loaded)


def test_loaded_model_trains(tmp_path):
    nx.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                          nn.Linear(2 * 4 * 4, 1))
    nx.save(model, tmp_path / "m.nx")
    loaded = nx.load(tmp_path / "m.nx")
    loaded(nx.randn(3, 1, 6, 6)).sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in loaded.parameters())


def test_saving_and_loading_leave_the_random_stream_alone(tmp_path):
    nx.manual_seed(5)
    model = _nested_model()
    before = get_rng_state()
    nx.save(model, tmp_path / "m.nx")  # rebuilds the model once to check the manifest
    assert get_rng_state() == before
    nx.load(tmp_path / "m.nx")  # the constructors' initial weights are drawn and discarded
    assert get_rng_state() == before


def test_load_state_dict_from_a_module_file_and_from_a_state_dict_file(tmp_path):
    nx.manual_seed(0)
    model = _nested_model()
    _randomize(model)
    nx.save(model, tmp_path / "module.nx")
    nx.save(model.state_dict(), tmp_path / "state.nx")
    sources = nx.load(tmp_path / "module.nx", state_dict=True), nx.load(tmp_path / "state.nx")
    for source in sources:
        assert all(isinstance(v, nx.Tensor) for v in source.values())
        fresh = _nested_model()
        fresh.load_state_dict(source)  # strict
        _assert_same_module(model.eval(), fresh.eval())
        model.train()


def test_load_state_dict_of_a_module_file_as_design_promises(tmp_path):
    nx.manual_seed(0)
    model = _nested_model()
    _randomize(model)
    nx.save(model, tmp_path / "module.nx")
    fresh = _nested_model()
    assert fresh.load_state_dict(nx.load(tmp_path / "module.nx")) == ([], [])
    _assert_same_module(model.eval(), fresh.eval())


# ----- what cannot be rebuilt is saved as a state dict, with a warning ----------------------------

class UserNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        return self.head(self.body(x))


def _tied(first, second):
    """Two layers sharing one weight Parameter, tied after construction (as for an encoder and
    a decoder): a rebuild from the constructor arguments would untie them."""
    second.weight = first.weight
    return nn.Sequential(first, second)


@pytest.mark.parametrize("make, reason", [
    (UserNet, "UserNet is not a neurenix class"),
    (lambda: nn.Sequential(nn.Linear(2, 2), UserNet()), "UserNet is not a neurenix class"),
    (lambda: nn.Sequential(nn.Linear(2, 2)).append(nn.ReLU()), "changed after construction"),
    (lambda: nn.LeakyReLU(negative_slope=nx.tensor(0.1)), "type Tensor has no JSON form"),
    (lambda: _tied(nn.Linear(3, 3), nn.Linear(3, 3)), "changed after construction"),
])
def test_unrebuildable_module_is_saved_as_its_state_dict_with_a_warning(make, reason, tmp_path):
    model = make()
    _randomize(model)
    path = tmp_path / "user.nx"
    with pytest.warns(UserWarning, match=reason) as warned:
        nx.save(model, path)
    message = str(warned[0].message)
    assert str(path) in message and "model.load_state_dict(nx.load(" in message
    state = nx.load(path)
    assert isinstance(state, dict) and list(state) == list(model.state_dict())
    fresh = make()
    fresh.load_state_dict(state)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[key].data, value.data)


# ----- state dicts ------------------------------------------------------------------------------

STATE = OrderedDict([
    ("w32", np.arange(12, dtype=np.float32).reshape(3, 4) / 7),
    ("w64", np.linspace(-1e300, 1e300, 5)),
    ("counts", np.array([1, -2, 2**62], dtype=np.int64)),
    ("mask", np.array([[True, False], [False, True]])),
    ("half", np.array([1.5, -0.25], dtype=np.float16)),
    ("i32", np.array(-7, dtype=np.int32)),  # 0-d
    ("bytes", np.arange(5, dtype=np.uint8)),
    ("empty", np.zeros((0, 3), dtype=np.float32)),
    ("special", np.array([np.nan, np.inf, -np.inf, -0.0], dtype=np.float32)),
    ("strided", np.arange(24, dtype=np.float64).reshape(4, 6).T[::2]),  # not contiguous
])


def test_state_dict_round_trip_keeps_values_dtypes_shapes_and_order(tmp_path):
    state = OrderedDict((k, nx.Tensor(v) if k.startswith("w") else v) for k, v in STATE.items())
    nx.save(state, tmp_path / "state.nx")
    loaded = nx.load(tmp_path / "state.nx")
    assert list(loaded) == list(STATE)
    for key, expected in STATE.items():
        assert isinstance(loaded[key], nx.Tensor) and not loaded[key].requires_grad
        assert loaded[key].dtype == expected.dtype and loaded[key].shape == expected.shape, key
        np.testing.assert_array_equal(loaded[key].data, expected)
        assert loaded[key].data.flags.writeable and loaded[key].data.flags.c_contiguous


@given(state=st.dictionaries(
    st.text(min_size=1, max_size=12).filter(lambda k: k != "__metadata__"),
    hnp.arrays(st.sampled_from([np.float16, np.float32, np.float64, np.int8, np.int32, np.int64,
                                np.uint8, np.uint64, np.bool_]),
               hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)),
    max_size=5))
def test_any_state_dict_round_trips_bit_for_bit(state):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "state.nx")
        nx.save(state, path)
        loaded = nx.load(path)
    assert list(loaded) == list(state)
    for key, expected in state.items():
        got = loaded[key].data
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert got.tobytes() == np.ascontiguousarray(expected).tobytes()  # NaN payloads too


def test_file_layout_follows_the_safetensors_spec(tmp_path):
    path = tmp_path / "state.nx"
    nx.save(STATE, path)
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    assert n % 8 == 0 and raw[8:9] == b"{"
    header = json.loads(raw[8:8 + n].decode("utf-8"))  # trailing spaces are JSON whitespace
    manifest = json.loads(header.pop("__metadata__")["neurenix"])
    assert manifest["format"] == "neurenix" and manifest["kind"] == "state_dict"
    spans = sorted(tuple(info["data_offsets"]) for info in header.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(raw) - 8 - n
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # back to back, no overlap
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = np.dtype(STATE[name].dtype).newbyteorder("<")
        stored = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype).reshape(info["shape"])
        np.testing.assert_array_equal(stored, STATE[name])
        assert begin % dtype.itemsize == 0  # aligned, as safetensors' own writer does


def test_neurenix_files_load_with_safetensors_and_foreign_files_load_with_neurenix(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    nx.save(STATE, tmp_path / "ours.nx")
    theirs = safetensors_numpy.load_file(str(tmp_path / "ours.nx"))
    for key, expected in STATE.items():
        np.testing.assert_array_equal(theirs[key], expected)
    safetensors_numpy.save_file({k: np.ascontiguousarray(v) for k, v in STATE.items()},
                                str(tmp_path / "theirs.safetensors"), metadata={"by": "someone"})
    loaded = nx.load(tmp_path / "theirs.safetensors")
    for key, expected in STATE.items():
        np.testing.assert_array_equal(loaded[key].data, expected)


def test_a_module_file_loads_into_the_same_pytorch_model(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    nx.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                          nn.Conv2d(4, 2, 3, stride=2), nn.Flatten(), nn.Linear(2 * 3 * 3, 5))
    model(nx.randn(4, 3, 7, 7))  # move BatchNorm's running statistics
    model.eval()
    nx.save(model, tmp_path / "model.nx")
    reference = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                                    torch.nn.ReLU(), torch.nn.Conv2d(4, 2, 3, stride=2),
                                    torch.nn.Flatten(), torch.nn.Linear(2 * 3 * 3, 5))
    reference.load_state_dict(safetensors_torch.load_file(str(tmp_path / "model.nx")), strict=True)
    reference.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 7)).astype(np.float32)
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(nx.Tensor(x)).data, expected, rtol=1e-5, atol=1e-6)
    assert int(reference[1].num_batches_tracked) == 1


@pytest.mark.parametrize("obj, message", [
    ([nx.zeros(2)], "expected a Module or a state dict"),
    ({1: nx.zeros(2)}, "keys must be strings"),
    ({"__metadata__": nx.zeros(2)}, "keys must be strings other than '__metadata__'"),
    ({"a": [1.0, 2.0]}, "entry 'a' is a list"),
    ({"a": np.zeros(2, dtype=np.complex64)}, "entry 'a' has dtype complex64"),
])
def test_save_refuses_what_it_cannot_store(obj, message, tmp_path):
    with pytest.raises(TypeError, match=re.escape(message)):
        nx.save(obj, tmp_path / "x.nx")
    assert list(tmp_path.iterdir()) == []


# ----- atomic writes ---------------------------------------------------------------------------

class _FailingFile:
    """Wraps the temporary file: writes ``budget`` bytes, then fails as a full disk would."""

    def __init__(self, f, budget):
        self.f, self.budget = f, budget

    def write(self, data):
        data = memoryview(data).cast("B")
        if len(data) > self.budget:
            self.f.write(data[:self.budget])
            raise OSError(28, "No space left on device")
        self.budget -= len(data)
        return self.f.write(data)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return self.f.__exit__(*exc_info)


@pytest.mark.parametrize("failure", ["mid-write", "fsync", "interrupt"])
def test_a_failed_write_leaves_the_previous_file_and_no_temporary(failure, tmp_path, monkeypatch):
    path = tmp_path / "model.nx"
    old = nn.Linear(4, 3)
    nx.save(old, path)
    new = nn.Linear(40, 30)
    if failure == "mid-write":
        fdopen = os.fdopen
        monkeypatch.setattr(os, "fdopen", lambda fd, mode: _FailingFile(fdopen(fd, mode), 500))
        expected = OSError
    elif failure == "fsync":
        def fsync(fd):
            raise OSError(5, "Input/output error")
        monkeypatch.setattr(os, "fsync", fsync)
        expected = OSError
    else:
        def interrupt(*args):
            raise KeyboardInterrupt
        monkeypatch.setattr(os, "replace", interrupt)
        expected = KeyboardInterrupt
    with pytest.raises(expected):
        nx.save(new, path)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.nx"]
    _assert_same_module(old, nx.load(path))


def test_a_missing_folder_or_a_directory_target_is_named_in_the_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "nope"))) as info:
        nx.save(nn.Linear(2, 2), tmp_path / "nope" / "model.nx")
    assert ".tmp" not in str(info.value)
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError, match=re.escape(str(tmp_path / "folder"))) as info:
        nx.save(nn.Linear(2, 2), tmp_path / "folder")
    assert ".tmp" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


def test_new_files_get_the_usual_permissions_and_replaced_files_keep_theirs(tmp_path):
    umask = os.umask(0o022)
    try:
        nx.save({"a": nx.zeros(1)}, tmp_path / "new.nx")
        assert (tmp_path / "new.nx").stat().st_mode & 0o777 == 0o644
        (tmp_path / "new.nx").chmod(0o600)
        nx.save({"a": nx.ones(1)}, tmp_path / "new.nx")
        assert (tmp_path / "new.nx").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(umask)


# ----- refused files ------------------------------------------------------------------------------

def _valid_bytes(tmp_path) -> bytes:
    nx.save(OrderedDict([("a", np.arange(6, dtype=np.float32)), ("b", np.ones(2, np.int64))]),
            tmp_path / "valid.nx")
    return (tmp_path / "valid.nx").read_bytes()


def test_truncated_files_are_refused(tmp_path):
    raw = _valid_bytes(tmp_path)
    for cut, problem in [(0, "0 bytes, too few"), (5, "5 bytes, too few"),
                         (20, "header length .* larger than the rest of the file"),
                         (len(raw) - 3, "truncated")]:
        path = tmp_path / f"cut{cut}.nx"
        path.write_bytes(raw[:cut])
        _load_error(path, problem)


def test_random_bytes_and_other_formats_are_refused(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(20):
        path = tmp_path / f"noise{i}.bin"
        path.write_bytes(rng.integers(0, 256, int(rng.integers(0, 3000)), dtype=np.uint8).tobytes())
        _load_error(path)
    npz = tmp_path / "arrays.npz"
    np.savez(npz, a=np.zeros(3))
    _load_error(npz)
    (tmp_path / "small-header.bin").write_bytes((4).to_bytes(8, "little") + b"[1] ")
    _load_error(tmp_path / "small-header.bin", "not a JSON object")


@pytest.mark.parametrize("header, data, problem", [
    (b"{not json", b"", "not valid JSON"),
    (b'{"a": NaN}', b"", "not valid JSON"),
    (b"\xff\xfe{}", b"", "not a JSON object"),
    ({"__metadata__": {"k": 1}}, b"", "__metadata__ must map strings to strings"),
    ({"a": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4,
     "unknown dtype 'BF16'"),
    ({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8,
     r"shape \(3,\) of F32 needs 12 bytes, but data_offsets \[0, 8\] span 8"),
    ({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}, b"\0" * 8,
     "not a list of sizes"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}, b"\0" * 8,
     "is not \\[begin, end\\]"),
    ({"a": {"dtype": "F32", "shape": [2]}}, b"\0" * 8, "needs dtype, shape and data_offsets"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
      "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12,
     "'b' starts at byte 4 and overlaps the previous tensor"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12,
     "'a' starts at byte 4 and leaves a gap"),
    ({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8,
     "need 16 bytes of data but the file holds 8 .*truncated"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 12,
     "4 bytes follow the last tensor"),
    ({"a": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}}, b"\x01\x07",
     "BOOL but holds bytes other than 0 and 1"),
])
def test_headers_that_lie_are_refused(header, data, problem, tmp_path):
    _load_error(_raw_file(tmp_path / "lie.nx", header, data), problem)


def test_duplicate_names_are_refused(tmp_path):
    entry = '{"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}'
    header = f'{{"a": {entry}, "a": {entry}}}'.encode()
    _load_error(_raw_file(tmp_path / "dup.nx", header, b"\0"), "duplicate key 'a'")


def test_changed_tensor_bytes_or_swapped_entries_fail_the_checksum(tmp_path):
    raw = bytearray(_valid_bytes(tmp_path))
    flipped = bytearray(raw)
    flipped[-1] ^= 0x40
    (tmp_path / "flipped.nx").write_bytes(bytes(flipped))
    _load_error(tmp_path / "flipped.nx", "do not match the checksum")
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    header["a"]["shape"] = [2, 3]  # same bytes, another shape
    _load_error(_raw_file(tmp_path / "reshaped.nx", header, bytes(raw[8 + n:])),
                "do not match the checksum")


@pytest.mark.parametrize("manifest, problem", [
    ("{oops", "manifest is not valid JSON"),
    (json.dumps({"kind": "module"}), "no format and version"),
    (json.dumps({"format": "neurenix", "version": 99, "kind": "module"}), "format version 99"),
    (json.dumps({"format": "neurenix", "version": 1, "kind": "pickle"}), "unknown kind 'pickle'"),
])
def test_bad_manifests_are_refused(manifest, problem, tmp_path):
    _load_error(_raw_file(tmp_path / "m.nx", {"__metadata__": {"neurenix": manifest}}), problem)


def _linear(cls="neurenix.nn.linear:Linear", args=(2, 3), kwargs=None):
    return {"class": cls, "args": list(args), "kwargs": kwargs or {}}


@pytest.mark.parametrize("description, problem", [
    (_linear("os:system", ["true"]), "only neurenix Module classes"),
    (_linear("builtins:eval", ["1"]), "only neurenix Module classes"),
    (_linear("pickle:loads", []), "only neurenix Module classes"),
    (_linear("neurenix.__main__:X", []), "only neurenix Module classes"),
    (_linear("neurenix.nn.linear:__class__", []), "only neurenix Module classes"),
    (_linear("neurenix.nn.linear:Linear.__init__.__globals__", []), "only neurenix Module"),
    (_linear("neurenix.nowhere:Net", []), "neurenix has no module neurenix.nowhere"),
    (_linear("neurenix.core.serialization:SerializationError", []), "not a neurenix Module class"),
    (_linear("neurenix.nn.linear:Tensor", []), "not a neurenix Module class defined in"),
    (_linear("neurenix.nn.linear:np", []), "not a neurenix Module class"),
    (_linear(args=["two", 3]), "cannot rebuild neurenix.nn.linear:Linear .*Error"),
    (_linear(kwargs={"evil": True}), "cannot rebuild .*unexpected keyword"),
    (_linear(args=[{"__reduce__": ["os.system", "true"]}, 3]), "argument neurenix does not write"),
    (_linear(args=[{"__module__": _linear("os:system")}, 3]), "argument neurenix does not write"),
    (_linear(args=[{"__ref__": 3}, 3]), "argument neurenix does not write"),
    ({"class": "neurenix.nn.linear:Linear", "args": [2, 3]}, "expected class, args and kwargs"),
    (_linear(args=[4, 4]), "do not fit the rebuilt Linear.*size mismatch"),
])
def test_manifests_naming_anything_but_neurenix_modules_are_refused(description, problem, tmp_path):
    arrays = {"weight": np.zeros((3, 2), np.float32), "bias": np.zeros(3, np.float32)}
    _load_error(_manifest_file(tmp_path / "m.nx", description, arrays), problem)


def test_a_pickle_payload_is_never_run(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    blob = np.frombuffer(pickle.dumps(Payload()), dtype=np.uint8)
    # A pickle as the whole file (as torch.save writes), as a tensor's bytes, and as the
    # argument of a manifest that names the unpickler: each is refused or read as plain bytes.
    (tmp_path / "pickle.pt").write_bytes(blob.tobytes())
    _load_error(tmp_path / "pickle.pt")
    _load_error(_manifest_file(tmp_path / "loads.nx",
                               _linear("pickle:loads", [{"__state__": "payload"}]),
                               {"payload": blob}), "only neurenix Module classes")
    _load_error(_manifest_file(tmp_path / "system.nx", _linear("os:system", [f"touch {marker}"])),
                "only neurenix Module classes")
    nx.save({"payload": blob}, tmp_path / "data.nx")
    np.testing.assert_array_equal(nx.load(tmp_path / "data.nx")["payload"].data, blob)
    assert not marker.exists()


def test_train_modes_must_match_the_rebuilt_modules(tmp_path):
    arrays = {"weight": np.zeros((3, 2), np.float32), "bias": np.zeros(3, np.float32)}
    _load_error(_manifest_file(tmp_path / "m.nx", _linear(), arrays, training={"x": True}),
                "train/eval modes do not match")
    loaded = nx.load(_manifest_file(tmp_path / "ok.nx", _linear(), arrays, training={"": False}))
    assert isinstance(loaded, nn.Linear) and not loaded.training
    for frozen in (["running_mean"], "weight", [["bias"]]):
        _load_error(_manifest_file(tmp_path / "f.nx", _linear(), arrays, frozen=frozen),
                    "frozen parameters are not parameters")
    loaded = nx.load(_manifest_file(tmp_path / "ok.nx", _linear(), arrays, frozen=["bias"]))
    assert loaded.weight.requires_grad and not loaded.bias.requires_grad


def test_neurenix_source_never_uses_pickle_eval_or_exec():
    root = Path(nx.__file__).parent
    forbidden = re.compile(r"^\s*(import|from)\s+(pickle|cPickle|dill|marshal|shelve)\b"
                           r"|allow_pickle\s*=\s*True|(?<![\w.`])(?<!def )(eval|exec)\(|np\.load\(",
                           re.MULTILINE)
    offenders = [(str(p.relative_to(root)), m.group(0)) for p in root.rglob("*.py")
                 for m in forbidden.finditer(p.read_text())]
    assert offenders == []
