"""Module: registration, traversal, state dicts (PyTorch's keys), modes, dtype, repr, hooks."""
import copy

import numpy as np
import pytest

import neurenix as nx
from neurenix import nn


def _nested(lib):
    """A model mixing every container, a shared layer and BatchNorm buffers."""
    m = lib.nn

    class Net(m.Module):
        def __init__(self):
            super().__init__()
            self.stem = m.Sequential(m.Conv2d(3, 4, 3, padding=1), m.BatchNorm2d(4), m.ReLU())
            self.blocks = m.ModuleList([m.Sequential(m.Conv2d(4, 4, 1), m.BatchNorm2d(4))
                                        for _ in range(2)])
            self.heads = m.ModuleDict({"cls": m.Linear(4, 5), "box": m.Linear(4, 2, bias=False)})
            self.shared = self.heads["cls"]
            self.register_buffer("scale", lib.ones(4))
            self.register_buffer("scratch", lib.zeros(2), persistent=False)

        def forward(self, x):
            x = self.stem(x)
            for block in self.blocks:
                x = x + block(x)
            x = x.mean((2, 3)) * self.scale
            return self.heads["cls"](x), self.heads["box"](x)

    return Net()


def test_state_dict_keys_order_and_shapes_match_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _nested(nx), _nested(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].shape == tuple(value.shape), key
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]


def test_weights_from_torch_give_torchs_outputs():
    torch = pytest.importorskip("torch")
    ours, theirs = _nested(nx).double(), _nested(torch).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3, 5, 5))
    for a, b in zip(ours(nx.tensor(x)), theirs(torch.tensor(x))):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12)
    # ... and back: neurenix weights, as NumPy arrays, load into PyTorch.
    back = _nested(torch).double()
    back.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in ours.state_dict().items()})
    for a, b in zip(ours(nx.tensor(x)), back(torch.tensor(x))):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_repr_tree_matches_torch():
    torch = pytest.importorskip("torch")
    assert repr(_nested(nx)) == repr(_nested(torch))


def test_shared_parameters_are_listed_once():
    model = _nested(nx)
    params = list(model.parameters())
    assert len(params) == len({id(p) for p in params}) == 4 + 2 * 4 + 3
    assert len(list(model.named_parameters(remove_duplicate=False))) == len(params) + 2


def test_registration_by_assignment_and_reassignment():
    m = nn.Module()
    m.w = nn.Parameter(nx.ones(2))
    m.sub = nn.Linear(2, 2)
    m.plain = nx.ones(3)  # a plain Tensor attribute is not state
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    assert list(m.state_dict()) == ["w", "sub.weight", "sub.bias"]
    m.sub = None
    assert [n for n, _ in m.named_parameters()] == ["w"]
    m.w = nn.Linear(1, 1)  # a name changes kind
    assert list(m.state_dict()) == ["w.weight", "w.bias"]
    del m.w
    assert list(m.state_dict()) == [] and not hasattr(m, "w")
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        nn.Linear(2, 2).weight = nx.ones(2, 2)
    with pytest.raises(KeyError, match="attribute 'forward' already exists"):
        m.register_buffer("forward", nx.ones(1))
    with pytest.raises(KeyError, match="contain"):
        m.add_module("a.b", nn.ReLU())


def test_reassigning_a_registered_name_keeps_its_place_as_in_torch():
    torch = pytest.importorskip("torch")

    def keys(lib):
        first, second = lib.nn.Linear(2, 2), lib.nn.Linear(2, 2)
        second.weight = first.weight                        # tying weights
        model = lib.nn.Sequential(first, second, lib.nn.ReLU(), lib.nn.BatchNorm2d(2))
        model[2] = lib.nn.Tanh()                            # replacing a layer
        model[3].register_buffer("running_mean", lib.zeros(2))
        model.add_module("0", lib.nn.Linear(2, 2))
        first.register_parameter("weight", lib.nn.Parameter(lib.ones(2, 2)))
        return (list(model.state_dict()), [n for n, _ in model.named_parameters()],
                [n for n, _ in model.named_children()])

    assert keys(nx) == keys(torch)


def test_registration_works_before_super_init():
    class Early(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 3)
            super().__init__()

        def forward(self, x):
            return self.fc(x)

    assert list(Early().state_dict()) == ["fc.weight", "fc.bias"]


def test_init_args_are_recorded_before_init():
    seen = {}

    class Probe(nn.Module):
        def __init__(self, a, b=2, *, c=None):
            seen["args"] = self._init_args
            super().__init__()

    p = Probe(1, c="x")
    assert seen["args"] == ((1,), {"c": "x"}) == p._init_args
    assert nn.Conv2d(3, 8, 3, padding=1)._init_args == ((3, 8, 3), {"padding": 1})


def test_load_state_dict_reports_missing_unexpected_and_shapes():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "1.running_var"'):
        model.load_state_dict({k: v for k, v in state.items() if k != "1.running_var"})
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "2.weight"'):
        model.load_state_dict({**state, "2.weight": np.ones(3)})
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight: copying a param with "
                                           r"shape \(2, 3\) from checkpoint, the shape in "
                                           r"current model is \(3, 2\)"):
        model.load_state_dict({**state, "0.weight": np.ones((2, 3))}, strict=False)
    before = model[0].weight.numpy().copy()
    with pytest.raises(RuntimeError):  # nothing is copied when a key fails
        model.load_state_dict({**state, "0.weight": np.ones((3, 2)), "0.bias": np.ones(4)})
    np.testing.assert_array_equal(model[0].weight.numpy(), before)
    result = model.load_state_dict({"0.weight": np.full((3, 2), 7.0), "extra": np.ones(1)},
                                   strict=False)
    assert result.unexpected_keys == ["extra"]
    assert "0.bias" in result.missing_keys and "1.num_batches_tracked" in result.missing_keys
    np.testing.assert_array_equal(model[0].weight.numpy(), 7.0)
    assert model[0].weight.dtype == np.float32  # loading converts to the parameter's dtype
    assert repr(model.load_state_dict(model.state_dict())) == "<All keys matched successfully>"


def test_state_dict_shares_memory_and_load_copies():
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    state = a.state_dict()
    assert not state["weight"].requires_grad
    state["weight"].data[0, 0] = 42.0
    assert a.weight.numpy()[0, 0] == 42.0
    b.load_state_dict(a.state_dict())
    b.weight.data[0, 0] = 0.0
    assert a.weight.numpy()[0, 0] == 42.0


def test_train_eval_flags_recurse():
    model = _nested(nx)
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError, match="boolean"):
        model.train("no")


def test_zero_grad_and_requires_grad():
    model = nn.Linear(3, 2)
    model(nx.randn(4, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(not p.grad.numpy().any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert not model(nx.randn(1, 3)).requires_grad


def test_to_float64_converts_parameters_floating_buffers_and_grads():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    model(nx.randn(2, 1, 4, 4)).sum().backward()
    weight = model[0].weight
    assert model.to(nx.float64) is model
    assert model[0].weight is weight  # converted in place: optimizers keep their references
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in model.parameters())
    assert model[1].running_mean.dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64
    assert model(nx.randn(1, 1, 4, 4, dtype=nx.float64)).dtype == np.float64
    assert model.float()[0].weight.dtype == np.float32
    assert model.to("cpu") is model and model.to(dtype=nx.float64)[0].bias.dtype == np.float64
    with pytest.raises(RuntimeError, match="CPU only"):
        model.to("cuda")
    with pytest.raises(TypeError, match="floating point"):
        model.to(nx.int64)


def test_apply_visits_children_first():
    order = []
    model = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    assert model.apply(lambda m: order.append(type(m).__name__)) is model
    assert order == ["Linear", "ReLU", "Sequential", "Sequential"]


def test_missing_forward_is_named():
    with pytest.raises(NotImplementedError, match=r'Module \[ModuleList\] is missing the required '
                                                  r'"forward"'):
        nn.ModuleList([nn.ReLU()])(nx.ones(1))


def test_forward_hooks_see_and_replace_values():
    layer = nn.Linear(2, 2)
    seen = []
    h1 = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = layer.register_forward_hook(lambda m, args, out: seen.append(out.shape))
    out = layer(nx.ones(3, 2))
    np.testing.assert_allclose(out.numpy(), np.broadcast_to(layer.bias.numpy(), (3, 2)))
    assert seen == [(3, 2)]
    h1.remove()
    h2.remove()
    assert layer._hooks is None
    assert not np.allclose(layer(nx.ones(1, 2)).numpy(), layer.bias.numpy())


def test_deepcopy_is_independent_and_keeps_registration():
    model = _nested(nx)
    clone = copy.deepcopy(model)
    assert list(clone.state_dict()) == list(model.state_dict())
    assert clone.shared is clone.heads["cls"]
    clone.stem[0].weight.data[...] = 0
    assert model.stem[0].weight.numpy().any()


def test_parameter_basics():
    p = nn.Parameter(nx.zeros(2))
    assert p.requires_grad and isinstance(p, nx.Tensor)
    assert repr(p) == "Parameter containing:\ntensor([0., 0.], requires_grad=True)"
    t = nx.ones(3)
    assert nn.Parameter(t).data is t.data  # shares, as in PyTorch
    assert not isinstance(p * 2, nn.Parameter)
    assert not nn.Parameter(nx.ones(1), requires_grad=False).requires_grad
