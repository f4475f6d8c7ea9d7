"""Modules in a file: every neurenix layer and model is rebuilt from its recorded classes and
arguments; a module that cannot be is saved as its state dict with a warning; a manifest naming
anything but neurenix Module classes, or describing more than its file holds, is refused fast
and without allocating what it describes."""
import os
import pickle
import subprocess
import sys
import textwrap
import time
from collections import OrderedDict

import numpy as np
import pytest

import neurenix as nx
from neurenix import nn
from serialization_helpers import (assert_same_module, described, forge, load_error,
                                   module_manifest, randomize)

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
    "Conv1d": (lambda: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 9)),
    "MaxPool1d": (lambda: nn.MaxPool1d(3, stride=2, padding=1, ceil_mode=True), (1, 2, 9)),
    "AvgPool1d": (lambda: nn.AvgPool1d(2, count_include_pad=False, padding=1), (1, 2, 7)),
    "AdaptiveAvgPool1d": (lambda: nn.AdaptiveAvgPool1d(3), (1, 2, 7)),
    "MaxUnpool2d": (lambda: nn.MaxUnpool2d(2, stride=2), None),
    "LayerNorm": (lambda: nn.LayerNorm([3, 4], eps=1e-3), (2, 3, 4)),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4, affine=True), (2, 4, 3, 3)),
    "InstanceNorm2d": (lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
                       (2, 3, 4, 4)),
    "Embedding": (lambda: nn.Embedding(10, 3, padding_idx=1), None),
    "PixelShuffle": (lambda: nn.PixelShuffle(2), (1, 8, 3, 3)),
    "PixelUnshuffle": (lambda: nn.PixelUnshuffle(2), (1, 2, 4, 6)),
    "Unfold": (lambda: nn.Unfold((2, 3), padding=1, stride=2), (1, 2, 5, 5)),
    "Fold": (lambda: nn.Fold((4, 5), 2), (1, 12, 12)),
    "ReLU6": (lambda: nn.ReLU6(), (2, 3)),
    "Hardtanh": (lambda: nn.Hardtanh(-0.5, 2.0), (2, 3)),
    "ELU": (lambda: nn.ELU(alpha=0.5), (2, 3)),
    "SELU": (lambda: nn.SELU(), (2, 3)),
    "Softplus": (lambda: nn.Softplus(beta=2.0, threshold=5.0), (2, 3)),
    "Mish": (lambda: nn.Mish(), (2, 3)),
    "Hardswish": (lambda: nn.Hardswish(), (2, 3)),
    "Hardsigmoid": (lambda: nn.Hardsigmoid(), (2, 3)),
    "LogSigmoid": (lambda: nn.LogSigmoid(), (2, 3)),
    "Dropout2d": (lambda: nn.Dropout2d(0.3), (2, 3, 4, 4)),
    "CosineSimilarity": (lambda: nn.CosineSimilarity(dim=0, eps=1e-6), None),
    "SmoothL1Loss": (lambda: nn.SmoothL1Loss(beta=0.5), None),
    "HuberLoss": (lambda: nn.HuberLoss(delta=2.0, reduction="sum"), None),
    "KLDivLoss": (lambda: nn.KLDivLoss(reduction="batchmean", log_target=True), None),
    # (several inputs or tuple outputs: their forward is compared in their own tests)
    "MultiheadAttention": (lambda: nn.MultiheadAttention(8, 2, kdim=4, vdim=6,
                                                         batch_first=True), None),
    "TransformerEncoderLayer": (lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16,
                                                                   norm_first=True,
                                                                   batch_first=True),
                                (2, 5, 8)),
    "TransformerEncoder": (lambda: nn.TransformerEncoder(
        nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), num_layers=2), (5, 2, 8)),
    "RNNBase": (lambda: nn.RNNBase("GRU", 3, 4), None),
    "RNN": (lambda: nn.RNN(3, 4, num_layers=2, nonlinearity="relu"), None),
    "LSTM": (lambda: nn.LSTM(3, 4, bidirectional=True, batch_first=True), None),
    "GRU": (lambda: nn.GRU(3, 4, num_layers=2, dropout=0.5), None),
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
    randomize(module)
    getattr(module, mode)()
    path = tmp_path / f"{name}.nx"
    nx.save(module, path)
    loaded = nx.load(path)
    assert_same_module(module, loaded)
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
    randomize(model)
    model[0].bn.eval()  # a frozen BatchNorm inside a training model
    model[2]["aux"].eval()
    nx.save(model, tmp_path / "nested.nx")
    loaded = nx.load(tmp_path / "nested.nx")
    assert_same_module(model, loaded)
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
        randomize(model)
        model(x)  # training forward: moves the BatchNorm statistics
        model.eval()
        path = tmp_path / f"model{i}.nx"
        nx.save(model, path)
        loaded = nx.load(path)
        assert_same_module(model, loaded)
        np.testing.assert_array_equal(loaded(x).data, model(x).data)
    assert isinstance(nx.load(tmp_path / "model0.nx").base_model, nn.Sequential)


def test_a_module_passed_twice_stays_shared(tmp_path):
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    nx.save(model, tmp_path / "tied.nx")
    loaded = nx.load(tmp_path / "tied.nx")
    assert loaded[0] is loaded[2]
    assert_same_module(model, loaded)


def test_float64_model_keeps_its_dtype(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).to(nx.float64)
    nx.save(model, tmp_path / "f64.nx")
    loaded = nx.load(tmp_path / "f64.nx")
    assert loaded[0].weight.dtype == nx.float64 and loaded[1].running_var.dtype == nx.float64
    assert loaded[1].num_batches_tracked.dtype == nx.int64
    assert_same_module(model, loaded)


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
    expected = nx.rand(4).data
    nx.manual_seed(5)
    model = _nested_model()
    nx.save(model, tmp_path / "m.nx")  # rebuilds the model once, in placeholders, to check it
    nx.load(tmp_path / "m.nx")  # the constructors' initialisations are skipped, not drawn
    np.testing.assert_array_equal(nx.rand(4).data, expected)


def test_load_state_dict_from_a_module_file_and_from_a_state_dict_file(tmp_path):
    nx.manual_seed(0)
    model = _nested_model()
    randomize(model)
    nx.save(model, tmp_path / "module.nx")
    nx.save(model.state_dict(), tmp_path / "state.nx")
    sources = nx.load(tmp_path / "module.nx", state_dict=True), nx.load(tmp_path / "state.nx")
    for source in sources:
        assert all(isinstance(v, nx.Tensor) for v in source.values())
        fresh = _nested_model()
        fresh.load_state_dict(source)  # strict
        assert_same_module(model.eval(), fresh.eval())
        model.train()


def test_load_state_dict_of_a_module_file_as_design_promises(tmp_path):
    nx.manual_seed(0)
    model = _nested_model()
    randomize(model)
    nx.save(model, tmp_path / "module.nx")
    fresh = _nested_model()
    assert fresh.load_state_dict(nx.load(tmp_path / "module.nx")) == ([], [])
    assert_same_module(model.eval(), fresh.eval())


# ----- what cannot be rebuilt is saved as a state dict, with a warning ----------------------------

class UserNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        return self.head(self.body(x))


@pytest.mark.parametrize("make, reason", [
    (UserNet, "UserNet is not a neurenix class"),
    (lambda: nn.Sequential(nn.Linear(2, 2), UserNet()), "UserNet is not a neurenix class"),
    (lambda: nn.Sequential(nn.Linear(2, 2)).append(nn.ReLU()), "changed after construction"),
    (lambda: nn.LeakyReLU(negative_slope=nx.tensor(0.1)),
     "a constructor argument is a Tensor, which has no form"),
    (lambda: nn.Sequential(nn.Linear(2, 2), nn.LeakyReLU(np.array([0.1]))),
     "a constructor argument is a ndarray, which has no form"),
])
def test_unrebuildable_module_is_saved_as_its_state_dict_with_a_warning(make, reason, tmp_path):
    model = make()
    randomize(model)
    path = tmp_path / "user.nx"
    with pytest.warns(UserWarning, match=reason) as warned:
        nx.save(model, path)
    message = str(warned[0].message)
    assert str(path) in message and "model.load_state_dict(nx.load(" in message
    state = nx.load(path)
    assert type(state) is OrderedDict and list(state) == list(model.state_dict())
    fresh = make()
    fresh.load_state_dict(state)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(fresh.state_dict()[key].data, value.data)


@pytest.mark.parametrize("description, problem", [
    (described("os:system", ["true"]), "only neurenix Module classes"),
    (described("builtins:eval", ["1"]), "only neurenix Module classes"),
    (described("pickle:loads", []), "only neurenix Module classes"),
    (described("neurenix.__main__:X", []), "only neurenix Module classes"),
    (described("neurenix.nn.linear:__class__", []), "only neurenix Module classes"),
    (described("neurenix.nn.linear:Linear.__init__.__globals__", []), "only neurenix Module"),
    (described("neurenix.nowhere:Net", []), "neurenix has no module neurenix.nowhere"),
    (described("neurenix.serialization.layout:SerializationError", []), "not a neurenix Module"),
    (described("neurenix.nn.linear:Tensor", []), "not a neurenix Module class defined in"),
    (described("neurenix.nn.linear:np", []), "not a neurenix Module class"),
    (described(args=["two", 3]), "cannot rebuild neurenix.nn.linear:Linear .*Error"),
    (described(kwargs={"evil": True}), "cannot rebuild .*unexpected keyword"),
    (described(args=[{"__reduce__": ["os.system", "true"]}, 3]), "a value neurenix does not write"),
    (described(args=[{"__module__": described("os:system"), "id": 0}, 3]), "only neurenix Module"),
    (described(args=[{"__ref__": 3}, 3]), "a value neurenix does not write"),
    (described("neurenix.nn.container:Sequential", [{"__module__": described(
        "neurenix.nn.container:Sequential",
        [{"__module__": described("neurenix.nn.activation:ReLU", []), "id": 0}]), "id": 0}]),
     "a value neurenix does not write"),  # two modules numbered 0
    (described(args=[{"__state__": "nope"}, 3]), "a value neurenix does not write"),
    (described(args=[{"__tensor__": "weight"}, 3]), "a value neurenix does not write"),
    ({"class": "neurenix.nn.linear:Linear", "args": [2, 3]}, "expected class, args and kwargs"),
    (described(args=[4, 4]), "do not fit the rebuilt Linear.*size mismatch"),
])
def test_manifests_naming_anything_but_neurenix_modules_are_refused(description, problem, tmp_path):
    arrays = {"weight": np.zeros((3, 2), np.float32), "bias": np.zeros(3, np.float32)}
    load_error(forge(tmp_path / "m.nx", module_manifest(description), arrays), problem)


def test_a_pickle_payload_is_never_run(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    blob = np.frombuffer(pickle.dumps(Payload()), dtype=np.uint8)
    # A pickle as the whole file (as torch.save writes), as a tensor's bytes, and as the
    # argument of a manifest that names the unpickler: each is refused or read as plain bytes.
    (tmp_path / "pickle.pt").write_bytes(blob.tobytes())
    load_error(tmp_path / "pickle.pt")
    load_error(forge(tmp_path / "loads.nx",
                     module_manifest(described("pickle:loads", [{"__state__": "payload"}])),
                     {"payload": blob}), "only neurenix Module classes")
    load_error(forge(tmp_path / "system.nx",
                     module_manifest(described("os:system", [f"touch {marker}"]))),
               "only neurenix Module classes")
    nx.save({"payload": blob}, tmp_path / "data.nx")
    np.testing.assert_array_equal(nx.load(tmp_path / "data.nx")["payload"].data, blob)
    assert not marker.exists()


def test_train_modes_and_frozen_parameters_must_match_the_rebuilt_modules(tmp_path):
    arrays = {"weight": np.zeros((3, 2), np.float32), "bias": np.zeros(3, np.float32)}

    def manifest(**entries):
        return module_manifest(described(), **entries)

    load_error(forge(tmp_path / "m.nx", manifest(training={"x": True}), arrays),
               "train/eval modes do not match")
    loaded = nx.load(forge(tmp_path / "ok.nx", manifest(training={"": False}), arrays))
    assert isinstance(loaded, nn.Linear) and not loaded.training
    for training in ({"": 1}, [True], {"": None}):
        load_error(forge(tmp_path / "t.nx", manifest(training=training), arrays),
                   "train/eval modes or frozen parameters are not")
    load_error(forge(tmp_path / "f.nx", manifest(frozen=["running_mean"]), arrays),
               "frozen parameters are not parameters")
    for frozen in ("weight", [["bias"]]):
        load_error(forge(tmp_path / "f.nx", manifest(frozen=frozen), arrays),
                   "train/eval modes or frozen parameters are not")
    loaded = nx.load(forge(tmp_path / "ok.nx", manifest(frozen=["bias"]), arrays))
    assert loaded.weight.requires_grad and not loaded.bias.requires_grad


def test_a_shared_module_in_two_modes_is_refused(tmp_path):
    shared = {"__module__": described("neurenix.nn.dropout:Dropout", [0.5]), "id": 0}
    description = described("neurenix.nn.container:Sequential", [shared, {"__ref__": 0}])
    load_error(forge(tmp_path / "m.nx", module_manifest(
        description, training={"": True, "0": True, "1": False})), "used at two places two")


# ----- bounded loading: files that describe more than they hold -------------------------------

def _reused(levels: int, leaf: dict) -> dict:
    """A Sequential whose two members are one module, ``levels`` deep: 2**levels paths from the
    root to the leaf, in a manifest of a few KB."""
    module = {"__module__": leaf, "id": 0}
    for i in range(1, levels + 1):
        module = {"__module__": described("neurenix.nn.container:Sequential",
                                          [module, {"__ref__": i - 1}]), "id": i}
    return module["__module__"]


_RELU = described("neurenix.nn.activation:ReLU", [])

# Each names in a few hundred bytes a module whose parameters would take gigabytes, or whose
# naive walks would take 2**40 steps.
HOSTILE = {
    "Linear(16384, 16384)": module_manifest(described(args=[16384, 16384])),
    "UNet": module_manifest(described("neurenix.multiscale.models:UNet", [3, 1],
                                      {"features": [4096, 8192, 16384]})),
    "PyramidNetwork": module_manifest(described("neurenix.multiscale.models:PyramidNetwork",
                                                [3, 1], {"num_levels": 4,
                                                         "base_channels": 4096})),
    "ReLU reused 40 levels deep": module_manifest(_reused(40, _RELU)),
    "Linear reused 40 levels deep": module_manifest(_reused(40, described(args=[2, 2]))),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_file_describing_more_than_it_holds_is_refused_at_once(name, tmp_path):
    path = forge(tmp_path / "hostile.nx", HOSTILE[name])
    assert path.stat().st_size < 6000
    start = time.perf_counter()
    load_error(path, "sub-module paths and .* state-dict entries; the manifest records 1 and "
                     "the file holds 0 tensors")
    assert time.perf_counter() - start < 0.5


def test_hostile_files_are_refused_without_allocating_what_they_describe(tmp_path):
    paths = [str(forge(tmp_path / f"{i}.nx", HOSTILE[name])) for i, name in enumerate(HOSTILE)]
    script = textwrap.dedent("""
        import resource, sys
        import neurenix as nx
        def peak():
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        before = peak()
        for path in sys.argv[1:]:
            try:
                nx.load(path)
            except nx.SerializationError:
                pass
        print(peak() - before)
    """)
    root = os.path.dirname(os.path.dirname(nx.__file__))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run([sys.executable, "-c", script, *paths], env=env, check=True,
                         capture_output=True, text=True).stdout
    assert int(out) < 20 * 1024  # KiB: the models described need 1.8 GB to 3.1 GB each


def test_a_module_reused_at_two_places_is_walked_once_when_loading(tmp_path):
    training = {name: True for name in ("", "0", "1", "0.0", "0.1", "1.0", "1.1")}
    model = nx.load(forge(tmp_path / "m.nx", module_manifest(_reused(2, _RELU), training)))
    assert model[0] is model[1] and model[0][0] is model[0][1]


def test_a_pyramid_of_absurd_depth_is_refused_at_once(tmp_path):
    # the constructor's work grows with num_levels, not with the file: it is capped
    path = forge(tmp_path / "deep.nx", module_manifest(described(
        "neurenix.multiscale.models:PyramidNetwork", [3, 1], {"num_levels": 30000})))
    start = time.perf_counter()
    with pytest.raises(nx.SerializationError, match="num_levels=30000"):
        nx.load(path)
    assert time.perf_counter() - start < 0.5
