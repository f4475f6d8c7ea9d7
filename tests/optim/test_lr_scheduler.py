"""Learning-rate schedules: the same sequence as torch.optim.lr_scheduler, step for step."""
import warnings

import numpy as np
import pytest

import neurenix as nx


def _sequential(lib, opt, schedules, milestones):
    """SequentialLR's options, its schedules built on ``opt`` from (name, options) pairs."""
    built = [getattr(lib.optim.lr_scheduler, name)(opt, **options) for name, options in schedules]
    return {"schedulers": built, "milestones": milestones}


SCHEDULES = [  # name, options (or a function of the library and optimizer giving them)
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 5}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
    ("LinearLR", {}),
    ("LinearLR", {"start_factor": 0.05, "end_factor": 0.8, "total_iters": 12}),
    ("LinearLR", {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 30}),
    ("CosineAnnealingWarmRestarts", {"T_0": 4}),
    ("CosineAnnealingWarmRestarts", {"T_0": 3, "T_mult": 2, "eta_min": 0.001}),
    ("OneCycleLR", {"max_lr": 1.0, "total_steps": 25}),
    ("OneCycleLR", {"max_lr": [0.4, 2.0], "epochs": 5, "steps_per_epoch": 6,
                    "anneal_strategy": "linear", "pct_start": 0.4}),
    ("OneCycleLR", {"max_lr": 0.3, "total_steps": 30, "three_phase": True, "div_factor": 10.0,
                    "final_div_factor": 100.0, "base_momentum": [0.7, 0.8],
                    "max_momentum": 0.99}),
    ("OneCycleLR", {"max_lr": 0.3, "total_steps": 26, "three_phase": True,
                    "anneal_strategy": "linear", "cycle_momentum": False, "pct_start": 0.25}),
    ("SequentialLR", lambda lib, opt: _sequential(
        lib, opt, [("LinearLR", {"start_factor": 0.1, "total_iters": 4}),
                   ("ExponentialLR", {"gamma": 0.8})], [5])),
    ("SequentialLR", lambda lib, opt: _sequential(
        lib, opt, [("StepLR", {"step_size": 2, "gamma": 0.5}),
                   ("CosineAnnealingLR", {"T_max": 6, "eta_min": 0.001}),
                   ("MultiStepLR", {"milestones": [3, 4]})], [4, 12])),
    ("SequentialLR", lambda lib, opt: _sequential(
        lib, opt, [("ExponentialLR", {"gamma": 0.5}),
                   ("OneCycleLR", {"max_lr": 1.0, "total_steps": 30})], [3])),
    ("LambdaLR", {"lr_lambda": lambda epoch: 1 / (1 + epoch)}),
]
IDS = [f"{name} {options}" if isinstance(options, dict) else f"{name} {i}"
       for i, (name, options) in enumerate(SCHEDULES)]


def _optimizer(lib):
    w, b = lib.zeros(2, requires_grad=True), lib.zeros(1, requires_grad=True)
    return lib.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)


def _make(lib, name, options, opt):
    options = options(lib, opt) if callable(options) else options
    return getattr(lib.optim.lr_scheduler, name)(opt, **options)


def _run(lib, name, options, steps=25):
    opt = _optimizer(lib)
    scheduler = _make(lib, name, options, opt)
    lrs = [scheduler.get_last_lr()]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        assert [g["lr"] for g in opt.param_groups] == lrs[-1]
    return lrs, scheduler


TAKES_AN_EPOCH = {name for name, _ in SCHEDULES} - {"SequentialLR"}  # step(epoch), as torch


@pytest.mark.parametrize("name, options", SCHEDULES, ids=IDS)
def test_schedule_matches_torch(name, options):
    torch = pytest.importorskip("torch")
    ours, _ = _run(nx, name, options)
    theirs, _ = _run(torch, name, options)
    assert ours == theirs  # exactly: the same float operations in the same order
    assert len({tuple(lr) for lr in ours}) > 1  # the schedule does change the rate


@pytest.mark.parametrize("name, options", SCHEDULES, ids=IDS)
def test_scheduler_state_dict_resumes_the_sequence(name, options, tmp_path):
    full, _ = _run(nx, name, options, steps=12)
    _, first = _run(nx, name, options, steps=5)
    opt = _optimizer(nx)
    resumed = _make(nx, name, options, opt)
    nx.save(first.state_dict(), tmp_path / "scheduler.nx")  # through a checkpoint file
    resumed.load_state_dict(nx.load(tmp_path / "scheduler.nx"))
    for group, lr in zip(opt.param_groups, first.get_last_lr()):
        group["lr"] = lr  # the optimizer's own state dict would carry these
    lrs = []
    for _ in range(7):
        opt.step()
        resumed.step()
        lrs.append(resumed.get_last_lr())
    np.testing.assert_allclose(lrs, full[6:], rtol=1e-12)
    assert "optimizer" not in first.state_dict()
    if name in TAKES_AN_EPOCH:  # the closed forms work on the loaded state (MultiStepLR's Counter)
        resumed.step(3)
        np.testing.assert_allclose(resumed.get_last_lr(), full[3], rtol=1e-12)


EPOCH_JUMPS = [(name, options) for name, options in SCHEDULES if name in TAKES_AN_EPOCH]


@pytest.mark.parametrize("name, options", EPOCH_JUMPS,
                         ids=[f"{name} {options}" for name, options in EPOCH_JUMPS])
def test_step_with_epoch_uses_the_closed_form_as_torch(name, options):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (nx, torch):
        opt = _optimizer(lib)
        scheduler = _make(lib, name, options, opt)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch deprecates the epoch argument
            for epoch in (11, 3, 17):
                scheduler.step(epoch)
                results.append(scheduler.get_last_lr())
            scheduler.step()
        results.append(scheduler.get_last_lr())
    assert results[:4] == results[4:]


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        nx.optim.lr_scheduler.StepLR(object(), 3)
    with pytest.raises(KeyError, match="initial_lr"):
        nx.optim.lr_scheduler.StepLR(_optimizer(nx), 3, last_epoch=4)


@pytest.mark.parametrize("optimizer, options", [
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("Adam", {"lr": 0.1, "betas": (0.9, 0.98)}),
    ("RMSprop", {"lr": 0.1, "momentum": 0.5}),
], ids=["SGD momentum", "Adam betas", "RMSprop momentum"])
@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_cycles_momentum_or_beta1_as_torch(optimizer, options, three_phase):
    torch = pytest.importorskip("torch")
    key = "betas" if optimizer == "Adam" else "momentum"
    runs = []
    for lib in (nx, torch):
        w = lib.zeros(3, requires_grad=True)
        opt = getattr(lib.optim, optimizer)([w], **options)
        scheduler = lib.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=20,
                                                      three_phase=three_phase,
                                                      anneal_strategy="linear")
        seen = [(scheduler.get_last_lr(), opt.param_groups[0][key])]
        for _ in range(20):
            opt.step()
            scheduler.step()
            seen.append((scheduler.get_last_lr(), opt.param_groups[0][key]))
        with pytest.raises(ValueError, match="ried to step 21 times"):
            scheduler.step()
        runs.append(seen)
    assert runs[0] == runs[1]
    assert len({momentum for _, momentum in runs[0]}) > 2


def test_one_cycle_argument_errors_name_the_argument():
    OneCycleLR = nx.optim.lr_scheduler.OneCycleLR
    with pytest.raises(ValueError, match="give either total_steps or both epochs and "
                                         "steps_per_epoch"):
        OneCycleLR(_optimizer(nx), max_lr=1.0, epochs=3)
    with pytest.raises(ValueError, match="positive integer total_steps, got 0"):
        OneCycleLR(_optimizer(nx), max_lr=1.0, total_steps=0)
    with pytest.raises(ValueError, match="positive integer steps_per_epoch, got 2.5"):
        OneCycleLR(_optimizer(nx), max_lr=1.0, epochs=3, steps_per_epoch=2.5)
    with pytest.raises(ValueError, match="float pct_start in \\[0, 1\\], got 1.5"):
        OneCycleLR(_optimizer(nx), max_lr=1.0, total_steps=10, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy must be 'cos' or 'linear', got 'exp'"):
        OneCycleLR(_optimizer(nx), max_lr=1.0, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have one value per parameter group: "
                                         "got 3 values for 2 param_groups"):
        OneCycleLR(_optimizer(nx), max_lr=[1.0, 2.0, 3.0], total_steps=10)
    adagrad = nx.optim.Adagrad([nx.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError, match="cycle_momentum=True needs an optimizer with "
                                         "momentum or betas; Adagrad has neither"):
        OneCycleLR(adagrad, max_lr=1.0, total_steps=10)
    OneCycleLR(adagrad, max_lr=1.0, total_steps=10, cycle_momentum=False)  # fine without


def test_warm_restarts_with_fractional_and_interleaved_epochs_match_torch():
    torch = pytest.importorskip("torch")
    runs = []
    for lib in (nx, torch):
        opt = _optimizer(lib)
        scheduler = lib.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=3,
                                                                        eta_min=0.01)
        lrs = []
        for epoch in range(12):  # stepped per batch, as the PyTorch docs show
            for i in range(5):
                scheduler.step(epoch + i / 5)
                lrs.append(scheduler.get_last_lr())
        scheduler.step(26)
        for _ in range(5):  # plain steps continue from epoch 26
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
        lrs.append((scheduler.T_cur, scheduler.T_i, scheduler.last_epoch))
        runs.append(lrs)
    assert runs[0] == runs[1]


def test_warm_restarts_argument_errors_name_the_argument():
    CosineAnnealingWarmRestarts = nx.optim.lr_scheduler.CosineAnnealingWarmRestarts
    with pytest.raises(ValueError, match="positive integer T_0, got 0"):
        CosineAnnealingWarmRestarts(_optimizer(nx), T_0=0)
    with pytest.raises(ValueError, match="integer T_mult >= 1, got 1.5"):
        CosineAnnealingWarmRestarts(_optimizer(nx), T_0=2, T_mult=1.5)
    with pytest.raises(ValueError, match="float or int eta_min, got '0'"):
        CosineAnnealingWarmRestarts(_optimizer(nx), T_0=2, eta_min="0")
    with pytest.raises(ValueError, match="non-negative epoch, got -1"):
        CosineAnnealingWarmRestarts(_optimizer(nx), T_0=2).step(-1)


def test_linear_lr_factor_errors_name_the_argument():
    with pytest.raises(ValueError, match="LinearLR: start_factor must be in \\(0, 1\\], got 0"):
        nx.optim.lr_scheduler.LinearLR(_optimizer(nx), start_factor=0)
    with pytest.raises(ValueError, match="LinearLR: end_factor must be in \\[0, 1\\], got 1.5"):
        nx.optim.lr_scheduler.LinearLR(_optimizer(nx), end_factor=1.5)


PLATEAUS = [  # ReduceLROnPlateau options
    {},
    {"patience": 2},
    {"mode": "max", "patience": 1, "factor": 0.5},
    {"patience": 0, "threshold": 0.05, "threshold_mode": "abs", "cooldown": 2},
    {"mode": "max", "patience": 1, "threshold": 0.1, "threshold_mode": "abs", "factor": 0.3,
     "min_lr": [0.02, 0.1]},
    {"patience": 1, "factor": 0.5, "min_lr": 0.03, "cooldown": 1},
    {"patience": 0, "factor": 0.9, "eps": 0.02},
]
METRICS = [1.0, 0.9, 0.95, 0.9, 0.91, 0.5, 0.6, 0.5, 0.5, 0.49999, 0.7, 0.2, 0.3, 0.3, 0.3, 0.25,
           0.3, 0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]


def _plateau(lib, options, metrics):
    opt = _optimizer(lib)
    scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
    lrs = [scheduler.get_last_lr()]
    for metric in metrics:
        scheduler.step(lib.tensor(metric) if metric == 0.5 else metric)  # a Tensor is fine
        lrs.append(scheduler.get_last_lr())
        assert [g["lr"] for g in opt.param_groups] == lrs[-1]
    return lrs, scheduler


@pytest.mark.parametrize("options", PLATEAUS, ids=[str(o) for o in PLATEAUS])
@pytest.mark.parametrize("flip", [False, True], ids=["falling", "rising"])
def test_reduce_on_plateau_matches_torch(options, flip):
    torch = pytest.importorskip("torch")
    metrics = [1 - m for m in METRICS] if flip else METRICS
    ours, mine = _plateau(nx, options, metrics)
    theirs, reference = _plateau(torch, options, metrics)
    assert ours == theirs
    assert (mine.best, mine.num_bad_epochs, mine.cooldown_counter, mine.last_epoch) == \
        (reference.best, reference.num_bad_epochs, reference.cooldown_counter,
         reference.last_epoch)


def test_reduce_on_plateau_state_dict_resumes():
    options = {"patience": 1, "factor": 0.5, "cooldown": 1}
    full, _ = _plateau(nx, options, METRICS)
    _, first = _plateau(nx, options, METRICS[:10])
    opt = _optimizer(nx)
    resumed = nx.optim.lr_scheduler.ReduceLROnPlateau(opt)
    resumed.load_state_dict(first.state_dict())
    for group, lr in zip(opt.param_groups, first.get_last_lr()):
        group["lr"] = lr
    lrs = []
    for metric in METRICS[10:]:
        resumed.step(metric)
        lrs.append(resumed.get_last_lr())
    assert lrs == full[11:]
    assert "optimizer" not in first.state_dict()


def test_reduce_on_plateau_argument_errors_name_the_argument():
    ReduceLROnPlateau = nx.optim.lr_scheduler.ReduceLROnPlateau
    with pytest.raises(ValueError, match="factor should be < 1.0, got 1.0"):
        ReduceLROnPlateau(_optimizer(nx), factor=1.0)
    with pytest.raises(ValueError, match="mode 'mean' is unknown"):
        ReduceLROnPlateau(_optimizer(nx), mode="mean")
    with pytest.raises(ValueError, match="threshold_mode 'pct' is unknown"):
        ReduceLROnPlateau(_optimizer(nx), threshold_mode="pct")
    with pytest.raises(ValueError, match="min_lr must have one value per parameter group"):
        ReduceLROnPlateau(_optimizer(nx), min_lr=[0.1])
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        ReduceLROnPlateau([])


def test_sequential_lr_argument_errors():
    SequentialLR, lr_scheduler = nx.optim.lr_scheduler.SequentialLR, nx.optim.lr_scheduler
    opt, other = _optimizer(nx), _optimizer(nx)
    with pytest.raises(ValueError, match="at least one scheduler"):
        SequentialLR(opt, [], [])
    with pytest.raises(ValueError, match=r"schedulers\[1\] is a ReduceLROnPlateau"):
        SequentialLR(opt, [lr_scheduler.StepLR(opt, 2), lr_scheduler.ReduceLROnPlateau(opt)],
                     [3])
    with pytest.raises(ValueError, match=r"schedulers\[1\] \(ExponentialLR\) belongs to "
                                         "another optimizer"):
        SequentialLR(opt, [lr_scheduler.StepLR(opt, 2), lr_scheduler.ExponentialLR(other, 0.5)],
                     [3])
    with pytest.raises(ValueError, match="got 2 schedulers and 2 milestones"):
        SequentialLR(opt, [lr_scheduler.StepLR(opt, 2), lr_scheduler.StepLR(opt, 3)], [3, 4])
    with pytest.raises(TypeError, match=r"schedulers\[0\] \(int\) has no optimizer"):
        SequentialLR(opt, [3], [])


class _Warmup:
    """A callable object as lr_lambda: its attributes are state that LambdaLR saves."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)


def test_lambda_lr_saves_callable_objects_but_not_functions_as_torch():
    torch = pytest.importorskip("torch")
    saved = []
    for lib in (nx, torch):
        scheduler = lib.optim.lr_scheduler.LambdaLR(
            _optimizer(lib), [_Warmup(4), lambda epoch: 0.9 ** epoch])
        saved.append(scheduler.state_dict()["lr_lambdas"])
    assert saved[0] == saved[1] == [{"epochs": 4}, None]
    opt = _optimizer(nx)
    warmup, decay = _Warmup(10), (lambda epoch: 0.5)
    restored = nx.optim.lr_scheduler.LambdaLR(opt, [warmup, decay])
    state = nx.optim.lr_scheduler.LambdaLR(_optimizer(nx), [_Warmup(4), decay]).state_dict()
    restored.load_state_dict(state)
    assert warmup.epochs == 4 and restored.lr_lambdas == [warmup, decay]
    assert "lr_lambdas" in state  # the caller's dict is left whole
    with pytest.raises(ValueError, match="lr_lambda must have one value per parameter group: "
                                         "got 1 values for 2 param_groups"):
        nx.optim.lr_scheduler.LambdaLR(opt, [decay])
