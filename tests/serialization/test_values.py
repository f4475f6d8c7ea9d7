"""Checkpoints: any nesting of dicts, lists and tuples of tensors, arrays, numbers, strings and
None round-trips through one file; what has no form is refused at save, and a manifest holding
anything nx.save does not write is refused at load."""
import math
import os
import re
import tempfile
from collections import Counter, OrderedDict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurenix as nx
from neurenix import nn
from neurenix.serialization.values import MAX_DEPTH
from serialization_helpers import forge, load_error, object_manifest

_ARRAYS = hnp.arrays(st.sampled_from([np.float32, np.float64, np.int64, np.uint8, np.bool_]),
                     hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3))
_LEAVES = (st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats()
           | st.text(max_size=8) | _ARRAYS | _ARRAYS.map(nx.Tensor))
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: (st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple)
                   | st.dictionaries(st.text(max_size=6) | st.integers(-3, 3), inner, max_size=3)
                   | st.dictionaries(st.text(max_size=6), inner, max_size=3).map(OrderedDict)),
    max_leaves=12)


def _assert_same_value(loaded, saved) -> None:
    """``loaded`` is ``saved`` as nx.load promises: same types (arrays become Tensors), same
    order, bit-identical numbers."""
    if isinstance(saved, (nx.Tensor, np.ndarray)):
        array = saved.data if isinstance(saved, nx.Tensor) else saved
        assert isinstance(loaded, nx.Tensor) and loaded.dtype == array.dtype
        assert loaded.shape == array.shape and loaded.data.tobytes() == array.tobytes()
    elif isinstance(saved, float):
        assert type(loaded) is float
        assert (math.isnan(loaded) and math.isnan(saved)) or loaded == saved
        assert math.copysign(1, loaded) == math.copysign(1, saved)
    elif isinstance(saved, dict):
        assert type(loaded) is (OrderedDict if isinstance(saved, OrderedDict) else dict)
        assert list(loaded) == list(saved)
        for key in saved:
            _assert_same_value(loaded[key], saved[key])
    elif isinstance(saved, (list, tuple)):
        assert type(loaded) is type(saved) and len(loaded) == len(saved)
        for a, b in zip(loaded, saved):
            _assert_same_value(a, b)
    else:
        assert type(loaded) is type(saved) and loaded == saved


@given(value=_VALUES)
def test_any_checkpoint_value_round_trips(value):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "checkpoint.nx")
        nx.save(value, path)
        _assert_same_value(nx.load(path), value)


def test_a_training_checkpoint_round_trips(tmp_path):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    optimizer = nx.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.9))
    model(nx.randn(5, 3)).sum().backward()
    optimizer.step()
    scheduler = nx.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[2, 2, 5], gamma=0.5)
    checkpoint = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                  "scheduler": scheduler.state_dict(), "rng": nx.get_rng_state(),
                  "epoch": 3, "best": (0.25, float("inf")), "note": None}
    nx.save(checkpoint, tmp_path / "checkpoint.nx")
    loaded = nx.load(tmp_path / "checkpoint.nx")
    assert list(loaded["optimizer"]["state"]) == [0, 1, 2, 3]  # int keys stay ints
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.8, 0.9)
    assert loaded["scheduler"]["milestones"] == {2: 2, 5: 1}  # a Counter comes back as a dict
    expected = dict(checkpoint, scheduler=dict(checkpoint["scheduler"],
                                               milestones=dict(Counter([2, 2, 5]))))
    _assert_same_value(loaded, expected)


def test_tensor_names_are_dotted_positions_made_unique(tmp_path):
    import safetensors.numpy
    value = {"a.b": np.zeros(1), "a": {"b": np.ones(1)}, "__metadata__": np.full(1, 2.0),
             "list": [np.full(1, 3.0)], "": np.full(1, 4.0)}
    nx.save(value, tmp_path / "names.nx")
    names = safetensors.numpy.load_file(str(tmp_path / "names.nx"))
    assert {k: float(v[0]) for k, v in names.items()} == {
        "a.b": 0.0, "a.b#1": 1.0, "__metadata__#1": 2.0, "list.0": 3.0, "": 4.0}
    _assert_same_value(nx.load(tmp_path / "names.nx"), value)


def _nested(depth: int):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


class _Unknown:
    pass


@pytest.mark.parametrize("obj, message", [
    ({"a": {1, 2}}, "obj['a'] is a set"),
    ({"a": [_Unknown()]}, "obj['a'][0] is a _Unknown"),
    ({"w": np.zeros(2, dtype=np.complex64)}, "obj['w'] has dtype complex64"),
    ({"m": nn.Linear(2, 2)}, "obj['m'] is a Module; save the module alone, or its state_dict()"),
    ({(1, 2): 3}, "obj has the key (1, 2); dict keys must be str or int"),
    ({True: 3}, "obj has the key True"),
    ("ab".encode(), "obj is a bytes"),
    (_nested(MAX_DEPTH + 1), f"is nested more than {MAX_DEPTH} containers deep"),
])
def test_save_refuses_what_it_cannot_store(obj, message, tmp_path):
    with pytest.raises(TypeError, match=re.escape(message)):
        nx.save(obj, tmp_path / "x.nx")
    assert list(tmp_path.iterdir()) == []


def test_non_finite_floats_keep_their_sign(tmp_path):
    values = [float("nan"), -float("nan"), float("inf"), -float("inf"), -0.0]
    nx.save(values, tmp_path / "floats.nx")
    _assert_same_value(nx.load(tmp_path / "floats.nx"), values)


def test_nesting_up_to_the_limit_round_trips(tmp_path):
    nx.save(_nested(MAX_DEPTH), tmp_path / "deep.nx")
    assert nx.load(tmp_path / "deep.nx") == _nested(MAX_DEPTH)


def _deep_json(depth: int) -> str:
    """The manifest text of a value nested ``depth`` tuples deep."""
    return ('{"format":"neurenix","version":2,"kind":"object","tied":[],"object":'
            + '{"__tuple__":[' * depth + "1" + "]}" * depth + "}")


@pytest.mark.parametrize("value, arrays, problem", [
    ({"__reduce__": ["os.system", "true"]}, {}, "a value neurenix does not write"),
    ({"__tuple__": [1], "x": 2}, {}, "a value neurenix does not write"),
    ({"__float__": "1e999"}, {}, "a value neurenix does not write"),
    ({"__dict__": [["a", 1], ["a", 2]]}, {}, "a dict entry neurenix does not write"),
    ({"__dict__": [[1.5, 1]]}, {}, "a dict entry neurenix does not write"),
    ({"__dict__": {"a": 1}}, {}, "a value neurenix does not write"),
    ({"__tensor__": "missing"}, {}, "a value neurenix does not write"),
    ([{"__tensor__": "a"}, {"__tensor__": "a"}], {"a": np.zeros(1)},
     "a value neurenix does not write"),
    ([], {"a": np.zeros(1)}, r"places none of the tensors \['a'\]"),
    ({"__module__": {"class": "neurenix.nn.linear:Linear", "args": [1, 1], "kwargs": {}},
      "id": 0}, {}, "a value neurenix does not write"),
])
def test_manifest_values_neurenix_does_not_write_are_refused(value, arrays, problem, tmp_path):
    load_error(forge(tmp_path / "m.nx", object_manifest(value), arrays), problem)


@pytest.mark.parametrize("depth, problem", [
    (MAX_DEPTH + 1, f"nests values more than {MAX_DEPTH} deep"),
    (100_000, "not valid JSON.*nested too deeply"),
])
def test_manifests_nested_too_deep_are_refused(depth, problem, tmp_path):
    load_error(forge(tmp_path / "deep.nx", _deep_json(depth)), problem)
