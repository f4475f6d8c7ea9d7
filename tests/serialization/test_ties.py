"""Tied weights: a tensor held at two places is written under both names (PyTorch loads the file
strictly) and comes back from nx.load as one tensor, with no warning; a file whose ties do not
hold is refused."""
import warnings

import numpy as np
import pytest

import neurenix as nx
from neurenix import nn
from serialization_helpers import (assert_same_outputs, described, forge, load_error,
                                   module_manifest, object_manifest, randomize)


class _TiedPair:
    """An encoder and a decoder Linear sharing one weight, tied after construction."""

    @staticmethod
    def neurenix():
        model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 4))
        randomize(model)
        model[2].weight = model[0].weight
        return model

    @staticmethod
    def torch(torch):
        model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU(), torch.nn.Linear(4, 4))
        model[2].weight = model[0].weight
        return model


def test_tied_weights_come_back_as_one_parameter_without_a_warning(tmp_path):
    model = _TiedPair.neurenix()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nx.save(model, tmp_path / "tied.nx")
        loaded = nx.load(tmp_path / "tied.nx")
    assert isinstance(loaded, nn.Sequential)
    assert loaded[2].weight is loaded[0].weight and loaded[2].bias is not loaded[0].bias
    assert len(list(loaded.parameters())) == 3
    np.testing.assert_array_equal(loaded[0].weight.data, model[0].weight.data)
    x = nx.randn(2, 4)
    np.testing.assert_array_equal(loaded(x).data, model(x).data)


def test_a_loaded_tied_weight_trains_as_one(tmp_path):
    nx.save(_TiedPair.neurenix(), tmp_path / "tied.nx")
    loaded = nx.load(tmp_path / "tied.nx")
    optimizer = nx.optim.SGD(loaded.parameters(), lr=0.1)
    loaded(nx.randn(3, 4)).sum().backward()
    optimizer.step()
    assert loaded[2].weight is loaded[0].weight  # one update, seen at both places


def test_a_tied_model_file_loads_into_pytorch_strictly(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    model = _TiedPair.neurenix()
    nx.save(model, tmp_path / "tied.nx")
    state = safetensors_torch.load_file(str(tmp_path / "tied.nx"))
    assert sorted(state) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    reference = _TiedPair.torch(torch)
    reference.load_state_dict(state, strict=True)
    assert_same_outputs(model, reference, torch, (2, 4))


def test_pytorch_tied_state_dict_loads_into_the_tied_neurenix_model(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    reference = _TiedPair.torch(torch)
    # save_model writes each tied tensor once; save_file refuses shared tensors; so, as PyTorch
    # users do, clone before save_file: the file then holds both names.
    state = {k: v.detach().clone() for k, v in reference.state_dict().items()}
    safetensors_torch.save_file(state, str(tmp_path / "torch.safetensors"))
    model = _TiedPair.neurenix()
    model.load_state_dict(nx.load(tmp_path / "torch.safetensors"))
    np.testing.assert_array_equal(model[0].weight.data, reference[0].weight.detach().numpy())


def test_tied_tensors_in_a_checkpoint_come_back_as_one(tmp_path):
    shared = nx.randn(3)
    model = _TiedPair.neurenix()
    value = {"a": shared, "b": [shared, shared.data], "state": model.state_dict(),
             "other": nx.randn(3)}
    nx.save(value, tmp_path / "tied.nx")
    loaded = nx.load(tmp_path / "tied.nx")
    assert loaded["b"][0] is loaded["a"] and loaded["b"][1] is loaded["a"]
    assert loaded["state"]["2.weight"] is loaded["state"]["0.weight"]
    assert loaded["other"] is not loaded["a"]
    np.testing.assert_array_equal(loaded["a"].data, shared.data)


_LINEARS = described("neurenix.nn.container:Sequential",
                     [{"__module__": described(args=[2, 2]), "id": 0},
                      {"__module__": described(args=[2, 2]), "id": 1}])
_ARRAYS = {f"{i}.{name}": np.ones(shape, np.float32)
           for i in (0, 1) for name, shape in (("weight", (2, 2)), ("bias", (2,)))}
_MODES = {"": True, "0": True, "1": True}


@pytest.mark.parametrize("tied, arrays, problem", [
    ([["0.weight", "nope"]], _ARRAYS, "ties .* not a group of distinct tensors of the file"),
    ([["0.weight"]], _ARRAYS, "not a group of distinct tensors"),
    ([["0.weight", "0.weight"]], _ARRAYS, "not a group of distinct tensors"),
    ([["0.weight", "1.weight"], ["1.weight", "0.bias"]], _ARRAYS, "not a group of distinct"),
    ("0.weight", _ARRAYS, "tied tensors '0.weight' are not a list"),
    ([["0.weight", "1.weight"]], dict(_ARRAYS, **{"1.weight": np.zeros((2, 2), np.float32)}),
     "'0.weight' and '1.weight' are tied but the file holds different values"),
    ([["0.weight", "0.bias"]], dict(_ARRAYS, **{"0.bias": np.ones((2, 2), np.float32)}),
     r"ties '0.weight' and '0.bias', of shapes \(2, 2\) and \(2,\) in the rebuilt"),
])
def test_ties_that_do_not_hold_are_refused(tied, arrays, problem, tmp_path):
    manifest = module_manifest(_LINEARS, _MODES, tied=tied)
    load_error(forge(tmp_path / "m.nx", manifest, arrays), problem)
    object_file = forge(tmp_path / "o.nx", object_manifest(
        {"__dict__": [[name, {"__tensor__": name}] for name in arrays]}, tied=tied), arrays)
    if "rebuilt" not in problem:  # checkpoints have no module to rebuild
        load_error(object_file, problem)


def test_a_parameter_tied_to_a_buffer_is_refused(tmp_path):
    description = described("neurenix.nn.container:Sequential",
                            [{"__module__": described("neurenix.nn.normalization:BatchNorm1d",
                                                      [2]), "id": 0}])
    arrays = {f"0.{name}": np.ones(2, np.float32)
              for name in ("weight", "bias", "running_mean", "running_var")}
    arrays["0.num_batches_tracked"] = np.array(0)
    manifest = module_manifest(description, {"": True, "0": True},
                               tied=[["0.weight", "0.running_mean"]])
    load_error(forge(tmp_path / "m.nx", manifest, arrays), "a parameter and a buffer")
