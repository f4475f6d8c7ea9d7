"""huber_loss and smooth_l1_loss: values, first and second derivatives in input and target
against finite differences and PyTorch, for every reduction, broadcasting, empty and
non-contiguous inputs, PyTorch's values at |d| = delta, and the errors."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import neurenix as nx
import neurenix.nn.functional as F
from neurenix.testing import assert_matches, tensor_pairs, tensors

REDUCTIONS = ["mean", "sum", "none"]


def functional(lib):
    return lib.nn.functional


def _weight(lib, x):
    return lib.tensor(np.linspace(0.5, 2.0, int(np.prod(x.shape))).reshape(tuple(x.shape)),
                      dtype=x.dtype)


LOSSES = [  # name, fn(lib, x, t, reduction), the switch point |x - t| (None: no kink)
    ("huber_loss", lambda lib, x, t, r: functional(lib).huber_loss(x, t, reduction=r), 1.0),
    ("huber_loss delta 0.5",
     lambda lib, x, t, r: functional(lib).huber_loss(x, t, reduction=r, delta=0.5), 0.5),
    ("huber_loss weight", lambda lib, x, t, r: functional(lib).huber_loss(
        x, t, reduction=r, delta=2.0, weight=_weight(lib, x)), 2.0),
    ("smooth_l1_loss", lambda lib, x, t, r: functional(lib).smooth_l1_loss(x, t, reduction=r),
     1.0),
    ("smooth_l1_loss beta 0.3",
     lambda lib, x, t, r: functional(lib).smooth_l1_loss(x, t, reduction=r, beta=0.3), 0.3),
    ("smooth_l1_loss beta 0 (l1)",
     lambda lib, x, t, r: functional(lib).smooth_l1_loss(x, t, reduction=r, beta=0.0), 0.0),
]
IDS = [spec[0] for spec in LOSSES]


def _away_from_kinks(x, t, kink):
    """Whether every |x - t| is at least 1e-3 from the kink (and from 0 for l1)."""
    d = np.abs(x.numpy() - t.numpy())
    return bool(np.all(np.abs(d - kink) > 1e-3)) if d.size else True


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, fn, kink", LOSSES, ids=IDS)
@pytest.mark.filterwarnings("ignore:.*target size")  # broadcast targets warn, as in PyTorch
@settings(max_examples=15)
@given(data=st.data())
def test_loss_gradcheck_and_gradgradcheck(name, fn, kink, reduction, data):
    if "weight" in name:  # the weight has the input's shape, and so has the target then
        x = data.draw(tensors(requires_grad=True, max_dims=3))
        t = data.draw(tensors(x.shape, requires_grad=True))
    else:
        x, t = data.draw(tensor_pairs(requires_grad=True, max_dims=3))
    assume(_away_from_kinks(x, t, kink))
    assert nx.gradcheck(lambda a, b: fn(nx, a, b, reduction), (x, t))
    assert nx.gradgradcheck(lambda a, b: fn(nx, a, b, reduction), (x, t))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, fn, kink", LOSSES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_loss_matches_torch(name, fn, kink, reduction, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, t = rng.uniform(-3, 3, (2, 3, 4)).astype(dtype), rng.uniform(-3, 3, (2, 3, 4)).astype(dtype)
    assert_matches(torch, lambda lib, a, b: fn(lib, a, b, reduction), x, t, second_order=True)


@pytest.mark.parametrize("name, fn, kink", [s for s in LOSSES if "weight" not in s[0]],
                         ids=[i for i in IDS if "weight" not in i])
@pytest.mark.filterwarnings("ignore:.*target size")  # broadcasting warns, on both sides
def test_loss_broadcasts_like_torch(name, fn, kink):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, t = rng.uniform(-3, 3, (3, 1)), rng.uniform(-3, 3, (1, 4))
    for reduction in REDUCTIONS:
        assert_matches(torch, lambda lib, a, b: fn(lib, a, b, reduction), x, t,
                       second_order=True)


@pytest.mark.parametrize("name, fn, kink", LOSSES, ids=IDS)
def test_loss_of_empty_and_non_contiguous_inputs_matches_torch(name, fn, kink):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x, t = rng.uniform(-3, 3, (5, 4)).T, rng.uniform(-3, 3, (4, 5))  # a transposed view
    for reduction in REDUCTIONS:
        assert_matches(torch, lambda lib, a, b: fn(lib, a, b, reduction), x, t,
                       second_order=True)
    empty = np.zeros((0, 3))
    for reduction in ("sum", "none"):
        assert_matches(torch, lambda lib, a, b: fn(lib, a, b, reduction), empty, empty,
                       second_order=True)
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning):  # NumPy's empty mean
        assert_matches(torch, lambda lib, a, b: fn(lib, a, b, "mean"), empty, empty)  # nan


def test_values_at_the_switch_point_are_torchs():
    # |d| = delta exactly: the linear branch, slope +-delta (+-1 for smooth_l1), second
    # derivative 0
    torch = pytest.importorskip("torch")
    x = np.array([-1.5, -0.5, 0.0, 0.5, 0.7, 1.0, 2.0])
    t = np.zeros_like(x)
    for name, fn, kink in LOSSES:
        if "weight" in name:
            continue
        assert_matches(torch, lambda lib, a, b: fn(lib, a, b, "none"), x + kink - 1.0, t,
                       second_order=True)
        assert_matches(torch, lambda lib, a, b: fn(lib, a, b, "sum"), np.array([kink, -kink]),
                       np.zeros(2), second_order=True)


def test_loss_keeps_float32_with_a_float64_target():
    x = nx.randn(3, requires_grad=True)
    for fn in (F.huber_loss, F.smooth_l1_loss):
        assert fn(x, nx.randn(3, dtype=nx.float64)).dtype == nx.float32


def test_smooth_l1_legacy_flags_set_the_reduction_like_torch():
    x, t = nx.randn(2, 3), nx.randn(2, 3)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        out = F.smooth_l1_loss(x, t, size_average=False)
    np.testing.assert_allclose(out.item(), F.smooth_l1_loss(x, t, reduction="sum").item())
    with pytest.warns(UserWarning):
        assert F.smooth_l1_loss(x, t, reduce=False).shape == (2, 3)


def test_regression_loss_errors_name_the_op_and_shapes():
    x = nx.zeros(2, 3)
    with pytest.raises(ValueError, match=r"huber_loss: delta must be positive, got 0.*\(2, 3\)"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match=r"smooth_l1_loss: beta must not be negative.*\(2, 3\)"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(ValueError, match=r"huber_loss: weight of shape \(3,\).*\(2, 3\)"):
        F.huber_loss(x, x, weight=nx.ones(3))
    with pytest.raises(ValueError, match="huber_loss: reduction must be"):
        F.huber_loss(x, x, reduction="batchmean")
    with pytest.warns(UserWarning), pytest.raises(ValueError,
                                                  match=r"smooth_l1_loss.*\(2, 3\).*\(4,\)"):
        F.smooth_l1_loss(x, nx.zeros(4))
