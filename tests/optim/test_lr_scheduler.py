"""Learning-rate schedules: the same sequence as torch.optim.lr_scheduler, step for step."""
import contextlib

import numpy as np
import pytest

import neurenix as nx

SCHEDULES = [  # name, options
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 5, 9], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 5}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda epoch: 1 / (1 + epoch)}),
]
IDS = [f"{name} {options}" for name, options in SCHEDULES]


def _optimizer(lib):
    w, b = lib.zeros(2, requires_grad=True), lib.zeros(1, requires_grad=True)
    return lib.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)


def _run(lib, name, options, steps=25):
    opt = _optimizer(lib)
    scheduler = getattr(lib.optim.lr_scheduler, name)(opt, **options)
    lrs = [scheduler.get_last_lr()]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        assert [g["lr"] for g in opt.param_groups] == lrs[-1]
    return lrs, scheduler


@pytest.mark.parametrize("name, options", SCHEDULES, ids=IDS)
def test_schedule_matches_torch(name, options):
    torch = pytest.importorskip("torch")
    ours, _ = _run(nx, name, options)
    theirs, _ = _run(torch, name, options)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    assert len({tuple(lr) for lr in ours}) > 1  # the schedule does change the rate


@pytest.mark.parametrize("name, options", SCHEDULES, ids=IDS)
def test_scheduler_state_dict_resumes_the_sequence(name, options, tmp_path):
    full, _ = _run(nx, name, options, steps=12)
    _, first = _run(nx, name, options, steps=5)
    opt = _optimizer(nx)
    resumed = getattr(nx.optim.lr_scheduler, name)(opt, **options)
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
    resumed.step(3)  # the closed forms work on the loaded state (MultiStepLR's Counter)
    np.testing.assert_allclose(resumed.get_last_lr(), full[3], rtol=1e-12)


@pytest.mark.parametrize("name, options", SCHEDULES[:-1], ids=IDS[:-1])
def test_step_with_epoch_uses_the_closed_form_as_torch(name, options):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (nx, torch):
        opt = _optimizer(lib)
        scheduler = getattr(lib.optim.lr_scheduler, name)(opt, **options)
        with pytest.warns(UserWarning) if lib is torch else contextlib.nullcontext():
            scheduler.step(11)
        results.append(scheduler.get_last_lr())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_scheduler_needs_an_optimizer():
    with pytest.raises(TypeError, match="is not an Optimizer"):
        nx.optim.lr_scheduler.StepLR(object(), 3)
    with pytest.raises(KeyError, match="initial_lr"):
        nx.optim.lr_scheduler.StepLR(_optimizer(nx), 3, last_epoch=4)
