"""Sequential, ModuleList and ModuleDict: list/dict behaviour, keys as PyTorch's, checkpointing."""
import numpy as np
import pytest

import neurenix as nx
from neurenix import nn


def _keys(module) -> list:
    return list(module.state_dict())


@pytest.mark.parametrize("build", [
    lambda lib: lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU(), lib.nn.Linear(3, 1)),
    lambda lib: lib.nn.Sequential(__import__("collections").OrderedDict(
        [("fc", lib.nn.Linear(2, 3)), ("act", lib.nn.Tanh())])),
    lambda lib: lib.nn.Sequential(lib.nn.Sequential(lib.nn.Linear(2, 2)),
                                  lib.nn.ModuleList([lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2)]),
                                  lib.nn.ModuleDict({"a": lib.nn.Linear(2, 1)})),
])
def test_container_keys_match_torch(build):
    torch = pytest.importorskip("torch")
    assert _keys(build(nx)) == _keys(build(torch))
    assert repr(build(nx)) == repr(build(torch))


def test_sequential_indexing_and_mutation():
    a, b, c = nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)
    seq = nn.Sequential(a, b)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b and list(seq) == [a, b]
    assert isinstance(seq[1:], nn.Sequential) and list(seq[1:]) == [b]
    assert _keys(seq[1:]) == [] and _keys(seq[:1]) == ["0.weight", "0.bias"]
    seq.append(c)
    assert _keys(seq) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    del seq[1]  # renumbers, as PyTorch
    assert list(seq) == [a, c] and _keys(seq) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    seq.insert(1, b)
    assert list(seq) == [a, b, c]
    seq[2] = nn.Identity()
    assert _keys(seq) == ["0.weight", "0.bias"]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    x = nx.randn(4, 2)
    np.testing.assert_allclose(seq(x).numpy(), np.maximum(a(x).numpy(), 0))


def test_module_list_and_dict_behave_like_list_and_dict():
    layers = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    layers += [nn.ReLU()]
    layers.insert(0, nn.Tanh())
    assert [type(m).__name__ for m in layers] == ["Tanh", "Linear", "Linear", "Linear", "ReLU"]
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert _keys(layers)[:2] == ["0.weight", "0.bias"]
    heads = nn.ModuleDict({"a": nn.Linear(1, 2)})
    heads["b"] = nn.Linear(1, 3)
    heads.update([("c", nn.ReLU())])
    assert list(heads) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
    assert list(heads.keys()) == ["a", "b", "c"]
    assert heads.pop("a").out_features == 2 and _keys(heads) == ["b.weight", "b.bias"]
    with pytest.raises(KeyError, match="attribute 'values' already exists"):
        heads["values"] = nn.ReLU()
    heads.clear()
    assert len(heads) == 0 and _keys(heads) == []


def test_sequential_checkpointing_gives_the_same_gradients():
    nx.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                          nn.Dropout(0.3), nn.Conv2d(3, 2, 3)).double()
    x = nx.randn(2, 1, 6, 6, dtype=nx.float64)

    def grads(enabled: bool):
        model.zero_grad()
        nx.manual_seed(1)
        with nx.enable_gradient_checkpointing(enabled):
            out = model(x)
        assert (type(out.grad_fn).__name__ == "Checkpoint") == enabled
        (out * out).sum().backward()
        return out.numpy().copy(), [p.grad.numpy().copy() for p in model.parameters()]

    plain_out, plain = grads(False)
    stats = model[1].running_mean.numpy().copy()
    ckpt_out, ckpt = grads(True)
    np.testing.assert_allclose(ckpt_out, plain_out, rtol=1e-12)
    for g1, g2 in zip(plain, ckpt):
        np.testing.assert_allclose(g2, g1, rtol=1e-10, atol=1e-12)
    assert model[1].num_batches_tracked.item() == 2  # one update per forward, none on replay
    assert not np.allclose(model[1].running_mean.numpy(), stats)
