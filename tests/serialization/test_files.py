"""nx.save / nx.load as a whole: a training run resumed from a checkpoint file continues exactly;
files move between neurenix and PyTorch both ways; any single flipped bit is refused; foreign
metadata and manifests neurenix does not write are refused; nothing in a file ever runs."""
import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix import nn
from neurenix.data import DataLoader, TensorDataset
from neurenix.optim import SGD, Adam, AdamW
from neurenix.optim.lr_scheduler import CosineAnnealingLR, MultiStepLR, StepLR
from serialization_helpers import (assert_same_module, assert_same_outputs, forge, load_error,
                                   module_manifest, object_manifest, randomize, raw_file)

# ----- resuming a training run ------------------------------------------------------------------

TRAININGS = {  # optimizer and scheduler of one run
    "Adam + StepLR": (lambda params: Adam(params, lr=0.01, weight_decay=1e-3),
                      lambda opt: StepLR(opt, step_size=2, gamma=0.5)),
    "SGD momentum + CosineAnnealingLR": (
        lambda params: SGD(params, lr=0.05, momentum=0.9, nesterov=True),
        lambda opt: CosineAnnealingLR(opt, T_max=5)),
    "AdamW amsgrad + MultiStepLR": (lambda params: AdamW(params, lr=0.01, amsgrad=True),
                                    lambda opt: MultiStepLR(opt, milestones=[3, 3, 5])),
}


class _Run:
    """A small model (BatchNorm's running statistics, Dropout drawing from the generator) trained
    on shuffled batches; the scheduler steps once per epoch."""

    def __init__(self, training: str, seed: int):
        nx.manual_seed(seed)
        self.model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.3),
                                   nn.Linear(8, 1))
        make_optimizer, make_scheduler = TRAININGS[training]
        self.optimizer = make_optimizer(self.model.parameters())
        self.scheduler = make_scheduler(self.optimizer)
        rng = np.random.default_rng(0)
        data = TensorDataset(nx.Tensor(rng.standard_normal((24, 4)).astype(np.float32)),
                             nx.Tensor(rng.standard_normal((24, 1)).astype(np.float32)))
        self.loader = DataLoader(data, batch_size=6, shuffle=True)
        self.epoch = 0

    def train(self, epochs: int) -> None:
        for _ in range(epochs):
            for x, y in self.loader:
                loss = ((self.model(x) - y) ** 2).mean()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
            self.scheduler.step()
            self.epoch += 1

    def checkpoint(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "rng": nx.get_rng_state(),
                "epoch": self.epoch}

    def resume(self, checkpoint: dict) -> None:
        self.model.load_state_dict(checkpoint["model"])
        self.optimizer.load_state_dict(checkpoint["optimizer"])
        self.scheduler.load_state_dict(checkpoint["scheduler"])
        nx.set_rng_state(checkpoint["rng"])
        self.epoch = checkpoint["epoch"]


@pytest.mark.parametrize("training", sorted(TRAININGS))
def test_a_run_resumed_from_a_checkpoint_file_continues_exactly(training, tmp_path):
    uninterrupted = _Run(training, seed=0)
    uninterrupted.train(5)

    first = _Run(training, seed=0)
    first.train(2)
    nx.save(first.checkpoint(), tmp_path / "checkpoint.nx")
    nx.rand(7)  # the interrupted process draws on; the checkpoint's generator state must win
    resumed = _Run(training, seed=123)  # a fresh process: other initial weights
    resumed.resume(nx.load(tmp_path / "checkpoint.nx"))
    resumed.train(3)

    assert resumed.epoch == 5 and resumed.scheduler.get_last_lr() == \
        uninterrupted.scheduler.get_last_lr()
    for (name, a), (_, b) in zip(resumed.model.state_dict().items(),
                                 uninterrupted.model.state_dict().items()):
        assert a.dtype == b.dtype and a.data.tobytes() == b.data.tobytes(), name
    for p, q in zip(resumed.model.parameters(), uninterrupted.model.parameters()):
        for key, value in uninterrupted.optimizer.state[q].items():
            assert resumed.optimizer.state[p][key].data.tobytes() == value.data.tobytes(), key


# ----- PyTorch, both ways ------------------------------------------------------------------------

def _conv_net(torch_nn):
    """The same network in neurenix.nn or torch.nn (same class names and arguments)."""
    return torch_nn.Sequential(torch_nn.Conv2d(3, 4, 3, padding=1), torch_nn.BatchNorm2d(4),
                               torch_nn.ReLU(), torch_nn.Conv2d(4, 2, 3, stride=2),
                               torch_nn.Flatten(), torch_nn.Linear(2 * 3 * 3, 5))


def test_a_neurenix_model_file_loads_into_the_same_pytorch_model(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    nx.manual_seed(0)
    model = _conv_net(nn)
    model(nx.randn(4, 3, 7, 7))  # move BatchNorm's running statistics
    nx.save(model, tmp_path / "model.nx")
    reference = _conv_net(torch.nn)
    reference.load_state_dict(safetensors_torch.load_file(str(tmp_path / "model.nx")), strict=True)
    assert int(reference[1].num_batches_tracked) == 1
    assert_same_outputs(model, reference, torch, (2, 3, 7, 7))


@pytest.mark.parametrize("metadata", [None, {"format": "pt"}])
def test_a_pytorch_safetensors_file_loads_as_a_state_dict(metadata, tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    torch.manual_seed(0)
    reference = _conv_net(torch.nn)
    reference(torch.randn(4, 3, 7, 7))  # running statistics
    safetensors_torch.save_file(reference.state_dict(), str(tmp_path / "torch.safetensors"),
                                metadata=metadata)
    state = nx.load(tmp_path / "torch.safetensors")
    assert all(isinstance(value, nx.Tensor) for value in state.values())
    model = _conv_net(nn)
    assert model.load_state_dict(state) == ([], [])  # strict
    assert_same_outputs(model, reference, torch, (2, 3, 7, 7))


def test_a_checkpoint_file_reads_in_pytorch_by_dotted_names(tmp_path):
    pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    run = _Run("Adam + StepLR", seed=0)
    run.train(1)
    nx.save(run.checkpoint(), tmp_path / "checkpoint.nx")
    tensors = safetensors_torch.load_file(str(tmp_path / "checkpoint.nx"))
    assert {"model.0.weight", "optimizer.state.0.exp_avg", "optimizer.state.0.step",
            "rng"} <= tensors.keys()
    np.testing.assert_array_equal(tensors["model.0.weight"].numpy(), run.model[0].weight.data)


# ----- integrity: the digest covers every byte ------------------------------------------------

def _small_files(tmp_path) -> dict:
    model = nn.Sequential(nn.Conv2d(1, 2, 1, padding=1), nn.BatchNorm2d(2, momentum=0.1))
    randomize(model)
    model[1].eval()
    checkpoint = {"step": 3, "lr": (0.5, float("inf")), "w": np.arange(4, dtype=np.float32),
                  "flag": True}
    nx.save(model, tmp_path / "module.nx")
    nx.save(checkpoint, tmp_path / "checkpoint.nx")
    return {"module": model, "checkpoint": checkpoint}


@pytest.mark.parametrize("kind", ["module", "checkpoint"])
def test_every_single_bit_flip_is_refused(kind, tmp_path):
    saved = _small_files(tmp_path)[kind]
    raw = (tmp_path / f"{kind}.nx").read_bytes()
    header_end = 8 + int.from_bytes(raw[:8], "little")
    data_bits = np.random.default_rng(0).choice(np.arange(8 * header_end, 8 * len(raw)), 64,
                                                replace=False)
    flipped = tmp_path / "flipped.nx"
    flipped.write_bytes(raw)
    refused = 0
    with open(flipped, "r+b", buffering=0) as f:
        for bit in [*range(8 * header_end), *data_bits]:
            f.seek(bit // 8)  # flip the one byte in place (rewriting files is slow on some disks)
            f.write(bytes([raw[bit // 8] ^ (1 << (bit % 8))]))
            try:
                loaded = nx.load(flipped)
            except nx.SerializationError as e:
                assert str(flipped) in str(e)
                refused += 1
                continue
            finally:
                f.seek(bit // 8)
                f.write(raw[bit // 8:bit // 8 + 1])
            if kind == "module":  # the contract: refused, or the very same object
                assert_same_module(saved, loaded)
            else:
                assert loaded.keys() == saved.keys() and loaded["lr"] == saved["lr"]
    assert refused == 8 * header_end + len(data_bits)  # in fact the digest refuses them all


def test_a_changed_manifest_or_tensor_fails_the_digest(tmp_path):
    _small_files(tmp_path)
    raw = (tmp_path / "module.nx").read_bytes()
    for old, new in [(b'\\"padding\\":1', b'\\"padding\\":2'),
                     (b'\\"momentum\\":0.1', b'\\"momentum\\":0.2'),
                     (b'\\"1\\":false', b'\\"1\\":true ')]:
        assert raw.count(old) == 1
        (tmp_path / "changed.nx").write_bytes(raw.replace(old, new))
        load_error(tmp_path / "changed.nx", "does not match the digest recorded")


def _header(raw: bytes) -> dict:
    return json.loads(raw[8:8 + int.from_bytes(raw[:8], "little")])


def test_foreign_metadata_is_refused_and_plain_metadata_is_not(tmp_path):
    _small_files(tmp_path)
    raw = (tmp_path / "checkpoint.nx").read_bytes()
    header, data = _header(raw), raw[8 + int.from_bytes(raw[:8], "little"):]
    ours = header.pop("__metadata__")
    for metadata in ({"by": "someone"}, {"format": "np"}, {"neurenix": ours["neurenix"]},
                     dict(ours, extra="x"), {"neurenix_sha25": ours["neurenix_sha256"],
                                             "neurenix": ours["neurenix"]}):
        path = raw_file(tmp_path / "foreign.nx", {"__metadata__": metadata, **header}, data)
        load_error(path, "unknown metadata .*a neurenix file holds neurenix_sha256 and neurenix")
    for metadata in ({}, {"format": "pt"}):
        path = raw_file(tmp_path / "plain.nx", {"__metadata__": metadata, **header}, data)
        assert nx.load(path)["w"].tolist() == [0.0, 1.0, 2.0, 3.0]
    moved = raw_file(tmp_path / "moved.nx", {**header, "__metadata__": ours}, data)
    load_error(moved, "digest is not where neurenix writes it")


@pytest.mark.parametrize("manifest, problem", [
    ("{oops", "manifest is not valid JSON"),
    ('{"kind": "module"}', "no format and version"),
    ('{"format": "neurenix", "version": true, "kind": "object"}', "no format and version"),
    ('{"format": "neurenix", "version": 99, "kind": "object"}', "version 99 by a newer"),
    ('{"format": "neurenix", "version": 1, "kind": "module"}', "version 1 by an older"),
    ('{"format": "neurenix", "version": 2, "kind": "pickle"}', "kind 'pickle'"),
    ('{"format": "neurenix", "version": 2, "kind": "object", "object": 1}',
     r"entries \['format', 'kind', 'object', 'version'\]; neurenix writes"),
    ('{"format": "neurenix", "version": 2, "kind": "object", "object": 1, "tied": [], "x": 0}',
     "entries .* neurenix writes"),
])
def test_manifests_neurenix_does_not_write_are_refused(manifest, problem, tmp_path):
    load_error(forge(tmp_path / "m.nx", manifest), problem)


_NAMES = st.sampled_from(["", "0", "1", "0.0", "weight", "bias", "x", "__metadata__"])
_CLASSES = st.sampled_from(["neurenix.nn.linear:Linear", "neurenix.nn.container:Sequential",
                            "neurenix.nn.normalization:BatchNorm1d", "neurenix.nn.loss:BCELoss",
                            "neurenix.multiscale.models:UNet", "os:system", "Linear"])
_SCALARS = (st.none() | st.booleans() | st.integers(-3, 40) | st.floats(allow_nan=False)
            | _NAMES | _CLASSES)


def _tagged(inner):
    """The tagged objects of values.py, modules.py and files.py, filled with ``inner``."""
    description = st.fixed_dictionaries({"class": _CLASSES, "args": st.lists(inner, max_size=3),
                                         "kwargs": st.dictionaries(_NAMES, inner, max_size=2)})
    return (st.lists(inner, max_size=3)
            | st.builds(lambda v: {"__tuple__": v}, st.lists(inner, max_size=3))
            | st.builds(lambda v: {"__dict__": v}, st.lists(st.tuples(_NAMES, inner).map(list),
                                                             max_size=3))
            | st.builds(lambda v: {"__tensor__": v}, _NAMES)
            | st.builds(lambda v: {"__state__": v}, _NAMES)
            | st.builds(lambda v: {"__ref__": v}, st.integers(-1, 3))
            | st.builds(lambda d, i: {"__module__": d, "id": i}, description, st.integers(0, 3))
            | description | st.dictionaries(_NAMES, inner, max_size=3))


_JSON = st.recursive(_SCALARS, _tagged, max_leaves=12)
_MANIFESTS = st.one_of(
    st.fixed_dictionaries({"kind": st.just("object"), "object": _JSON,
                           "tied": st.lists(st.lists(_NAMES, max_size=3), max_size=2) | _JSON}),
    st.fixed_dictionaries({"kind": st.just("module"), "module": _JSON,
                           "training": st.dictionaries(_NAMES, st.booleans()) | _JSON,
                           "frozen": st.lists(_NAMES, max_size=2) | _JSON,
                           "tied": st.lists(st.lists(_NAMES, max_size=3), max_size=2) | _JSON}))


@given(manifest=_MANIFESTS)
def test_any_manifest_loads_or_is_refused_with_a_serialization_error(manifest, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "m.nx"
    arrays = {"weight": np.ones((3, 2), np.float32), "bias": np.ones(3, np.float32)}
    try:
        nx.load(forge(path, {"format": "neurenix", "version": 2, **manifest}, arrays))
    except nx.SerializationError as e:
        assert str(path) in str(e)


def test_valid_manifests_built_by_hand_load(tmp_path):
    arrays = {"weight": np.ones((3, 2), np.float32), "bias": np.zeros(3, np.float32)}
    linear = nx.load(forge(tmp_path / "m.nx", module_manifest(
        {"class": "neurenix.nn.linear:Linear", "args": [2, 3], "kwargs": {}}), arrays))
    assert isinstance(linear, nn.Linear) and linear.weight.tolist() == [[1.0, 1.0]] * 3
    value = nx.load(forge(tmp_path / "o.nx", object_manifest(
        {"__tuple__": [{"__tensor__": "bias"}, {"__tensor__": "weight"}]}), arrays))
    assert isinstance(value, tuple) and value[1].shape == (3, 2)


# ----- nothing in a file runs ------------------------------------------------------------------

def test_neurenix_source_never_uses_pickle_eval_or_exec():
    root = Path(nx.__file__).parent
    forbidden = re.compile(r"^\s*(import|from)\s+(pickle|cPickle|dill|marshal|shelve)\b"
                           r"|allow_pickle\s*=\s*True|(?<![\w.`])(?<!def )(eval|exec)\(|np\.load\(",
                           re.MULTILINE)
    offenders = [(str(p.relative_to(root)), m.group(0)) for p in root.rglob("*.py")
                 for m in forbidden.finditer(p.read_text())]
    assert offenders == []
