"""SGD, Adam, AdamW, RMSprop and Adagrad: 20 steps from the same float64 weights give PyTorch's
weights, for every option; state dicts round-trip and load from PyTorch; dtypes are kept."""
import copy
import itertools

import numpy as np
import pytest

import neurenix as nx

CASES = [  # optimizer class name, options
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.01, "momentum": 0.9, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99)}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.05, "eps": 1e-3}),
    ("Adam", {"lr": 0.01, "maximize": True}),
    ("AdamW", {}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "betas": (0.5, 0.9)}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9, "eps": 1e-4, "momentum": 0.8}),
    ("RMSprop", {"lr": 0.005, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.005, "centered": True, "momentum": 0.9, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3, "maximize": True}),
]
IDS = [f"{name} {options}" for name, options in CASES]


def _model(lib):
    return lib.nn.Sequential(lib.nn.Linear(4, 6), lib.nn.Tanh(), lib.nn.Linear(6, 2))


def _pair(torch, dtype=np.float64):
    """The same model in both frameworks, float64 unless asked, PyTorch's weights in ours."""
    theirs = _model(torch).to(getattr(torch, np.dtype(dtype).name))
    ours = _model(nx).to(dtype)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _data(dtype=np.float64):
    rng = np.random.default_rng(0)
    return rng.standard_normal((8, 4)).astype(dtype), rng.standard_normal((8, 2)).astype(dtype)


def _train(lib, model, opt, x, y, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss = lib.nn.functional.mse_loss(model(lib.tensor(x)), lib.tensor(y))
        loss.backward()
        opt.step()


def _train_both(torch, name, options, steps=20, dtype=np.float64, args=()):
    """The same model trained ``steps`` steps by ``name`` in neurenix and in PyTorch."""
    ours, theirs = _pair(torch, dtype)
    x, y = _data(dtype)
    opts = (getattr(nx.optim, name)(ours.parameters(), *args, **options),
            getattr(torch.optim, name)(theirs.parameters(), *args, **options))
    _train(nx, ours, opts[0], x, y, steps)
    _train(torch, theirs, opts[1], x, y, steps)
    return ours, theirs, opts


def _assert_same_weights(ours, theirs, rtol=1e-6, atol=1e-9):
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=name)


GRID = (  # every combination of the options that change RMSprop's and Adagrad's update
    [("RMSprop", dict(lr=0.005, alpha=alpha, centered=centered, momentum=momentum,
                      weight_decay=weight_decay, maximize=maximize))
     for alpha, centered, momentum, weight_decay, maximize
     in itertools.product((0.99, 0.4), (False, True), (0, 0.9), (0, 0.1), (False, True))]
    + [("Adagrad", dict(lr=0.1, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial, maximize=maximize))
       for lr_decay, weight_decay, initial, maximize
       in itertools.product((0, 0.1), (0, 0.1), (0, 0.5), (False, True))])


@pytest.mark.parametrize("name, options", CASES + GRID,
                         ids=IDS + [f"grid {name} {options}" for name, options in GRID])
def test_twenty_steps_match_torch(name, options):
    torch = pytest.importorskip("torch")
    ours, theirs, _ = _train_both(torch, name, options)
    _assert_same_weights(ours, theirs)
    assert not np.allclose(ours[0].weight.numpy(), _pair(torch)[0][0].weight.numpy())  # moved


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_param_groups_with_their_own_options_match_torch(name, options):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    x, y = _data()

    def groups(model):
        return [{"params": model[0].parameters(), "lr": 0.02},
                {"params": model[2].parameters()}]
    options = {"lr": 0.05, **{k: v for k, v in options.items() if k != "lr"}}
    _train(nx, ours, getattr(nx.optim, name)(groups(ours), **options), x, y, 10)
    _train(torch, theirs, getattr(torch.optim, name)(groups(theirs), **options), x, y, 10)
    _assert_same_weights(ours, theirs)


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_state_dict_round_trip_continues_identically(name, options):
    torch = pytest.importorskip("torch")
    ours, _ = _pair(torch)
    x, y = _data()
    opt = getattr(nx.optim, name)(ours.parameters(), **options)
    _train(nx, ours, opt, x, y, 5)
    clone = copy.deepcopy(ours)
    saved = opt.state_dict()
    restored = getattr(nx.optim, name)(clone.parameters(), lr=123.0)  # options come from saved
    restored.load_state_dict(saved)
    _train(nx, ours, opt, x, y, 5)
    _train(nx, clone, restored, x, y, 5)
    for p, q in zip(ours.parameters(), clone.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    for state in restored.state.values():  # loaded state is a copy, not shared
        for key, value in state.items():
            if isinstance(value, nx.Tensor) and value.ndim:
                assert all(value.data is not s.get(key).data for s in opt.state.values()
                           if isinstance(s.get(key), nx.Tensor))


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_state_dict_layout_matches_torch_and_loads_torch_state(name, options):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    x, y = _data()
    opt = getattr(nx.optim, name)(ours.parameters(), **options)
    topt = getattr(torch.optim, name)(theirs.parameters(), **options)
    _train(nx, ours, opt, x, y, 3)
    _train(torch, theirs, topt, x, y, 3)
    mine, reference = opt.state_dict(), topt.state_dict()
    assert list(mine["state"]) == list(reference["state"])
    for index, entry in reference["state"].items():
        assert list(mine["state"][index]) == list(entry)
    assert [g["params"] for g in mine["param_groups"]] == [g["params"] for g in
                                                           reference["param_groups"]]
    for key in mine["param_groups"][0]:
        assert mine["param_groups"][0][key] == reference["param_groups"][0][key], key
    # PyTorch's state, as NumPy arrays, continues in neurenix exactly as in PyTorch.
    fresh, _ = _pair(torch)
    fresh.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    resumed = getattr(nx.optim, name)(fresh.parameters())
    resumed.load_state_dict({
        "state": {i: {k: v.numpy() for k, v in s.items()} for i, s in
                  reference["state"].items()},
        "param_groups": reference["param_groups"]})
    _train(nx, fresh, resumed, x, y, 5)
    _train(torch, theirs, topt, x, y, 5)
    _assert_same_weights(fresh, theirs)


@pytest.mark.parametrize("name, options", CASES, ids=IDS)
def test_float32_parameters_and_state_stay_float32(name, options):
    model = _model(nx)
    x, y = _data(np.float32)
    opt = getattr(nx.optim, name)(model.parameters(), **options)
    _train(nx, model, opt, x, y, 3)
    assert all(p.dtype == np.float32 for p in model.parameters())
    for state in opt.state.values():
        for key, value in state.items():
            assert value.dtype == np.float32, key  # "step" counters are float32 too


def test_numpy_float64_hyperparameters_do_not_promote_float32():
    model = _model(nx)
    x, y = _data(np.float32)
    opt = nx.optim.SGD(model.parameters(), lr=np.float64(0.1), momentum=np.float64(0.9),
                       weight_decay=np.float64(0.01))
    _train(nx, model, opt, x, y, 2)
    assert all(s["momentum_buffer"].dtype == np.float32 for s in opt.state.values())


def test_parameters_without_gradients_are_left_alone():
    model = _model(nx)
    opt = nx.optim.Adam(model.parameters(), lr=0.1)
    before = [p.numpy().copy() for p in model.parameters()]
    model[2].weight.grad = nx.ones(2, 6)
    opt.step()
    after = [p.numpy() for p in model.parameters()]
    changed = [not np.array_equal(a, b) for a, b in zip(before, after)]
    assert changed == [False, False, True, False]
    assert len(opt.state) == 1


def test_zero_grad_and_closure():
    model = _model(nx)
    x, y = _data(np.float32)
    opt = nx.optim.SGD(model.parameters(), lr=0.1)

    def closure():
        opt.zero_grad()
        loss = nx.nn.functional.mse_loss(model(nx.tensor(x)), nx.tensor(y))
        loss.backward()
        return loss

    with nx.no_grad():  # the closure still records a graph
        first = opt.step(closure).item()
    assert opt.step(closure).item() < first
    opt.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in model.parameters())
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_optimizer_argument_errors():
    model = _model(nx)
    with pytest.raises(ValueError, match="empty parameter list"):
        nx.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors or dicts, but got Parameter"):
        nx.optim.SGD(model[0].weight, lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        nx.optim.SGD([{"params": model.parameters()}, {"params": [model[0].weight]}], lr=0.1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero "
                                         "dampening"):
        nx.optim.SGD(model.parameters(), lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="invalid learning rate: -1"):
        nx.optim.Adam(model.parameters(), lr=-1)
    with pytest.raises(ValueError, match="invalid beta parameter at index 1: 1.0"):
        nx.optim.AdamW(model.parameters(), betas=(0.9, 1.0))
    opt = nx.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="parameter groups"):
        opt.load_state_dict({"state": {}, "param_groups": []})


def test_add_param_group_fills_defaults():
    model = _model(nx)
    opt = nx.optim.SGD(model[0].parameters(), lr=0.1, momentum=0.9)
    opt.add_param_group({"params": model[2].parameters(), "lr": 0.01})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert opt.param_groups[1]["momentum"] == 0.9
    assert "Parameter Group 1" in repr(opt)


ADAPTIVE = [(name, options) for name, options in CASES if name in ("RMSprop", "Adagrad")]


@pytest.mark.parametrize("name, options", ADAPTIVE, ids=[f"{n} {o}" for n, o in ADAPTIVE])
def test_float32_rmsprop_and_adagrad_match_torch_in_float32(name, options):
    torch = pytest.importorskip("torch")
    ours, theirs, _ = _train_both(torch, name, options, dtype=np.float32)
    _assert_same_weights(ours, theirs, rtol=1e-4, atol=1e-5)


def test_positional_arguments_follow_torchs_order():
    torch = pytest.importorskip("torch")
    for name, args in (("RMSprop", (0.01, 0.9, 1e-6, 0.1, 0.5, True)),
                       ("Adagrad", (0.1, 0.01, 0.1, 0.2, 1e-6))):
        ours, theirs, (opt, topt) = _train_both(torch, name, {}, steps=5, args=args)
        _assert_same_weights(ours, theirs)
        for key, value in opt.param_groups[0].items():
            if key != "params":
                assert topt.param_groups[0][key] == value, (name, key)


def test_adagrad_makes_its_state_at_construction_as_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    opt = nx.optim.Adagrad(ours.parameters(), initial_accumulator_value=0.25)
    topt = torch.optim.Adagrad(theirs.parameters(), initial_accumulator_value=0.25)
    mine, reference = opt.state_dict()["state"], topt.state_dict()["state"]
    assert list(mine) == list(reference) == [0, 1, 2, 3]
    for index, entry in reference.items():
        assert list(mine[index]) == list(entry) == ["step", "sum"]
        assert float(mine[index]["step"].item()) == 0.0
        np.testing.assert_array_equal(mine[index]["sum"].numpy(), entry["sum"].numpy())


def test_adagrad_param_group_added_later_starts_from_the_constructors_accumulator():
    # PyTorch fills "sum" from the optimizer's default initial_accumulator_value, even for a
    # group that sets its own; neurenix does the same so the steps agree.
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    x, y = _data()
    opts = []
    for lib, model in ((nx, ours), (torch, theirs)):
        opt = lib.optim.Adagrad(model[0].parameters(), lr=0.1, initial_accumulator_value=0.3)
        opt.add_param_group({"params": model[2].parameters(), "initial_accumulator_value": 2.0,
                             "lr_decay": 0.1})
        opts.append(opt)
    _train(nx, ours, opts[0], x, y, 10)
    _train(torch, theirs, opts[1], x, y, 10)
    _assert_same_weights(ours, theirs)
    np.testing.assert_allclose(opts[0].state[ours[2].weight]["sum"].numpy(),
                               opts[1].state[theirs[2].weight]["sum"].numpy(), rtol=1e-6)


@pytest.mark.parametrize("name, argument", [
    ("RMSprop", "lr"), ("RMSprop", "alpha"), ("RMSprop", "eps"), ("RMSprop", "momentum"),
    ("RMSprop", "weight_decay"), ("Adagrad", "lr"), ("Adagrad", "lr_decay"),
    ("Adagrad", "weight_decay"), ("Adagrad", "initial_accumulator_value"), ("Adagrad", "eps")])
def test_a_negative_option_is_refused_by_name(name, argument):
    model = _model(nx)
    with pytest.raises(ValueError, match=f"{name}: invalid {argument}: -0.5 \\(must be >= 0\\)"):
        getattr(nx.optim, name)(model.parameters(), **{argument: -0.5})
    with pytest.raises(ValueError, match=f"{name}: invalid {argument}: nan"):
        getattr(nx.optim, name)(model.parameters(), **{argument: float("nan")})
    with pytest.raises(ValueError, match=f"{name}: differentiable=True is not supported"):
        getattr(nx.optim, name)(model.parameters(), differentiable=True)
