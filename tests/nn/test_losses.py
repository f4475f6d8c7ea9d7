"""Losses: PyTorch's values, gradients and second derivatives (input and float targets) for
every option and reduction, float64 first- and second-order gradient checks, the numerics at
the extremes, and the errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches

REDUCTIONS = ["mean", "sum", "none"]
W4 = np.array([0.5, 2.0, 1.0, 3.0])  # per-class / per-column weights
PW4 = np.array([1.0, 3.0, 0.5, 2.0])


def _F(lib):
    return lib.nn.functional


def _w(lib, dtype):
    return lib.tensor(W4).to(dtype)  # dtype: the input's, a torch or NumPy dtype


def _pw(lib, dtype):
    return lib.tensor(PW4).to(dtype)


def _probs(rng, shape, dtype):
    """Class probabilities along axis 1."""
    e = np.exp(rng.standard_normal(shape))
    return (e / e.sum(axis=1, keepdims=True)).astype(dtype)


def _classes(rng, shape, classes, ignore=None):
    t = rng.integers(0, classes, shape)
    if ignore is not None:
        t.flat[::3] = ignore
        # Keep one target counted: the mean over no targets is 0/0 (tested on its own below).
        t.flat[1] = (ignore + 1) % classes
    return t


def test_cross_entropy_mean_over_only_ignored_targets_is_nan_like_torch():
    x = nx.randn(3, 4, dtype=nx.float64, requires_grad=True)
    loss = nx.nn.CrossEntropyLoss(ignore_index=2)(x, nx.tensor([2, 2, 2]))
    assert np.isnan(loss.item())
    torch = pytest.importorskip("torch")
    assert np.isnan(torch.nn.CrossEntropyLoss(ignore_index=2)(
        torch.tensor(x.numpy()), torch.tensor([2, 2, 2])).item())


LOSSES = [  # name, fn(lib, x, t, reduction), inputs(rng, dtype) -> (x, t)
    ("mse_loss", lambda lib, x, t, r: _F(lib).mse_loss(x, t, reduction=r),
     lambda rng, d: (rng.standard_normal((3, 4)).astype(d), rng.standard_normal((3, 4)).astype(d))),
    ("MSELoss", lambda lib, x, t, r: lib.nn.MSELoss(reduction=r)(x, t),
     lambda rng, d: (rng.standard_normal((2, 3, 2)).astype(d),
                     rng.standard_normal((2, 3, 2)).astype(d))),
    ("l1_loss", lambda lib, x, t, r: _F(lib).l1_loss(x, t, reduction=r),
     lambda rng, d: (rng.standard_normal((3, 4)).astype(d), rng.standard_normal((3, 4)).astype(d))),
    ("L1Loss", lambda lib, x, t, r: lib.nn.L1Loss(reduction=r)(x, t),
     lambda rng, d: (rng.standard_normal((5,)).astype(d), rng.standard_normal((5,)).astype(d))),
    ("binary_cross_entropy", lambda lib, x, t, r: _F(lib).binary_cross_entropy(x, t, reduction=r),
     lambda rng, d: (rng.uniform(0.05, 0.95, (3, 4)).astype(d),
                     rng.uniform(0, 1, (3, 4)).astype(d))),
    ("BCELoss weight", lambda lib, x, t, r: lib.nn.BCELoss(weight=_w(lib, x.dtype),
                                                           reduction=r)(x, t),
     lambda rng, d: (rng.uniform(0.05, 0.95, (3, 4)).astype(d),
                     rng.integers(0, 2, (3, 4)).astype(d))),
    ("bce_with_logits", lambda lib, x, t, r: _F(lib).binary_cross_entropy_with_logits(
        x, t, reduction=r),
     lambda rng, d: (rng.uniform(-6, 6, (3, 4)).astype(d), rng.uniform(0, 1, (3, 4)).astype(d))),
    ("BCEWithLogitsLoss weight pos_weight",
     lambda lib, x, t, r: lib.nn.BCEWithLogitsLoss(weight=_w(lib, x.dtype), reduction=r,
                                                   pos_weight=_pw(lib, x.dtype))(x, t),
     lambda rng, d: (rng.uniform(-6, 6, (3, 4)).astype(d), rng.uniform(0, 1, (3, 4)).astype(d))),
    ("cross_entropy", lambda lib, x, t, r: _F(lib).cross_entropy(x, t, reduction=r),
     lambda rng, d: (rng.standard_normal((5, 4)).astype(d), _classes(rng, 5, 4))),
    ("CrossEntropyLoss weight", lambda lib, x, t, r: lib.nn.CrossEntropyLoss(
        weight=_w(lib, x.dtype), reduction=r)(x, t),
     lambda rng, d: (rng.standard_normal((6, 4)).astype(d), _classes(rng, 6, 4))),
    ("CrossEntropyLoss ignore_index", lambda lib, x, t, r: lib.nn.CrossEntropyLoss(
        ignore_index=2, reduction=r)(x, t),
     lambda rng, d: (rng.standard_normal((6, 4)).astype(d), _classes(rng, 6, 4, ignore=2))),
    ("CrossEntropyLoss label_smoothing", lambda lib, x, t, r: lib.nn.CrossEntropyLoss(
        reduction=r, label_smoothing=0.2)(x, t),
     lambda rng, d: (rng.standard_normal((6, 4)).astype(d), _classes(rng, 6, 4))),
    ("CrossEntropyLoss weight+ignore+smoothing", lambda lib, x, t, r: lib.nn.CrossEntropyLoss(
        weight=_w(lib, x.dtype), ignore_index=-100, reduction=r, label_smoothing=0.1)(x, t),
     lambda rng, d: (rng.standard_normal((6, 4)).astype(d), _classes(rng, 6, 4, ignore=-100))),
    ("CrossEntropyLoss per pixel", lambda lib, x, t, r: lib.nn.CrossEntropyLoss(
        weight=_w(lib, x.dtype), ignore_index=0, reduction=r, label_smoothing=0.1)(x, t),
     lambda rng, d: (rng.standard_normal((2, 4, 3, 5)).astype(d), _classes(rng, (2, 3, 5), 4))),
    ("cross_entropy unbatched", lambda lib, x, t, r: _F(lib).cross_entropy(x, t, reduction=r),
     lambda rng, d: (rng.standard_normal(4).astype(d), np.array(2))),
    ("cross_entropy probabilities", lambda lib, x, t, r: _F(lib).cross_entropy(
        x, t, weight=_w(lib, x.dtype), reduction=r, label_smoothing=0.1),
     lambda rng, d: (rng.standard_normal((5, 4)).astype(d), _probs(rng, (5, 4), d))),
    ("cross_entropy probabilities per pixel", lambda lib, x, t, r: _F(lib).cross_entropy(
        x, t, reduction=r),
     lambda rng, d: (rng.standard_normal((2, 4, 3)).astype(d), _probs(rng, (2, 4, 3), d))),
    ("nll_loss", lambda lib, x, t, r: _F(lib).nll_loss(x, t, reduction=r),
     lambda rng, d: (rng.standard_normal((5, 4)).astype(d), _classes(rng, 5, 4))),
    ("NLLLoss weight ignore per pixel", lambda lib, x, t, r: lib.nn.NLLLoss(
        weight=_w(lib, x.dtype), ignore_index=1, reduction=r)(x, t),
     lambda rng, d: (rng.standard_normal((2, 4, 3, 2)).astype(d),
                     _classes(rng, (2, 3, 2), 4, ignore=1))),
    ("SmoothL1Loss beta 0.5", lambda lib, x, t, r: lib.nn.SmoothL1Loss(reduction=r, beta=0.5)(
        x, t),
     lambda rng, d: (rng.standard_normal((3, 4)).astype(d), rng.standard_normal((3, 4)).astype(d))),
    ("HuberLoss delta 0.8", lambda lib, x, t, r: lib.nn.HuberLoss(reduction=r, delta=0.8)(x, t),
     lambda rng, d: (rng.standard_normal((2, 5)).astype(d), rng.standard_normal((2, 5)).astype(d))),
    # "mean" stands for "batchmean" here: KLDivLoss's "mean" warns (tested in test_divergence)
    ("KLDivLoss", lambda lib, x, t, r: lib.nn.KLDivLoss(
        reduction="batchmean" if r == "mean" else r)(x, t),
     lambda rng, d: (np.log(_probs(rng, (3, 4), np.float64)).astype(d), _probs(rng, (3, 4), d))),
    ("KLDivLoss log_target", lambda lib, x, t, r: lib.nn.KLDivLoss(
        reduction="batchmean" if r == "mean" else r, log_target=True)(x, t),
     lambda rng, d: (np.log(_probs(rng, (3, 4), np.float64)).astype(d),
                     np.log(_probs(rng, (3, 4), np.float64)).astype(d))),
]
IDS = [spec[0] for spec in LOSSES]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, fn, inputs", LOSSES, ids=IDS)
def test_loss_matches_torch(name, fn, inputs, dtype, reduction):
    torch = pytest.importorskip("torch")
    x, t = inputs(np.random.default_rng(0), dtype)
    assert_matches(torch, lambda lib, a, b: fn(lib, a, b, reduction), x, t, second_order=True)


def _leaves(inputs, seed):
    x, t = inputs(np.random.default_rng(seed), np.float64)
    return nx.tensor(x, requires_grad=True), nx.tensor(t, requires_grad=t.dtype.kind == "f")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, fn, inputs", LOSSES, ids=IDS)
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_loss_gradcheck(name, fn, inputs, reduction, seed):
    assert nx.gradcheck(lambda a, b: fn(nx, a, b, reduction), _leaves(inputs, seed))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, fn, inputs", LOSSES, ids=IDS)
@settings(max_examples=10)  # fixed shapes: a few draws of values suffice
@given(seed=st.integers(0, 2 ** 32 - 1))
def test_loss_gradgradcheck(name, fn, inputs, reduction, seed):
    assert nx.gradgradcheck(lambda a, b: fn(nx, a, b, reduction), _leaves(inputs, seed))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name, fn, inputs", LOSSES, ids=IDS)
def test_loss_third_derivatives_match_torch(name, fn, inputs, reduction):
    # The gradients as functions of input, float target and dL/dloss, compared to second
    # order: the loss's derivatives up to the third.
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, t = inputs(rng, np.float64)
    g = rng.standard_normal(np.shape(fn(nx, nx.tensor(x), nx.tensor(t), reduction)))
    float_target = t.dtype.kind == "f"

    def grads(lib, a, b, v):
        loss = (fn(lib, a, b, reduction) * v).sum()
        return lib.autograd.grad(loss, (a, b) if float_target else a, create_graph=True)

    assert_matches(torch, grads, x, t, g, second_order=True)


def test_loss_keeps_float32_with_a_float64_target():
    x = nx.randn(3, 2, requires_grad=True)
    loss = nx.nn.MSELoss()(x, nx.randn(3, 2, dtype=nx.float64))
    loss.backward()
    assert loss.dtype == x.grad.dtype == np.float32


def test_bce_clamps_its_logs_at_minus_100_like_torch():
    torch = pytest.importorskip("torch")
    x = np.array([0.0, 1.0, 0.5, 1.0, 0.0])
    t = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    out = nx.nn.functional.binary_cross_entropy(nx.tensor(x), nx.tensor(t), reduction="none")
    np.testing.assert_allclose(out.numpy(), [100, 100, np.log(2), 0, 0], rtol=1e-12)
    assert_matches(torch, lambda lib, a: lib.nn.functional.binary_cross_entropy(
        a, lib.tensor(t)), x)
    # The target's gradient is that of the clamped loss, so it stays finite (PyTorch's is the
    # unclamped -logit(x), infinite at 0 and 1).
    target = nx.tensor(t, requires_grad=True)
    nx.nn.functional.binary_cross_entropy(nx.tensor(x), target).backward()
    np.testing.assert_allclose(target.grad.numpy(), [100, -100, 0, -100, 100] / np.array(5.0))


def test_bce_second_derivatives_near_0_and_1_are_torchs():
    # The gradient floors x (1 - x) at eps = 1e-12; PyTorch's second derivatives instead add eps
    # to x and to 1 - x. The two differ only this close to 0 and 1, and neurenix follows both.
    torch = pytest.importorskip("torch")
    x = np.array([1e-13, 1 - 1e-13, 0.5, 0.0, 1.0])
    t = np.array([0.3, 0.6, 1.0, 0.2, 0.9])
    assert_matches(torch, lambda lib, a: lib.nn.functional.binary_cross_entropy(
        a, lib.tensor(t), reduction="sum"), x, second_order=True)
    # With the target differentiated too (away from exactly 0 and 1, where PyTorch's target
    # gradient -logit(x) is infinite and neurenix's, of the clamped loss, is not).
    assert_matches(torch, lambda lib, a, b: lib.nn.functional.binary_cross_entropy(a, b),
                   x[:3], t[:3], second_order=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_is_finite_at_plus_minus_1000(dtype):
    torch = pytest.importorskip("torch")
    x = np.array([1000.0, -1000.0, 1000.0, -1000.0, 0.0], dtype)
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.5], dtype)
    out = nx.nn.functional.binary_cross_entropy_with_logits(nx.tensor(x), nx.tensor(t),
                                                            reduction="none")
    np.testing.assert_allclose(out.numpy(), [0, 0, 1000, 1000, np.log(2)], rtol=1e-6)
    assert_matches(torch, lambda lib, a, b: lib.nn.functional.binary_cross_entropy_with_logits(
        a, b, pos_weight=lib.tensor(np.array([2.0], dtype))), x, t, second_order=True)


def test_bce_refuses_values_outside_0_1_pointing_to_the_fix():
    loss = nx.nn.BCELoss()
    with pytest.raises(ValueError, match=r"between 0 and 1.*\[0\.2, 1\.5\].*Sigmoid.*"
                                         r"BCEWithLogitsLoss"):
        loss(nx.tensor([0.2, 1.5]), nx.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="Sigmoid"):
        loss(nx.tensor([-0.1]), nx.tensor([0.0]))


def test_binary_losses_require_equal_shapes():
    with pytest.raises(ValueError, match=r"target size \(\(3,\)\).*input size \(\(3, 1\)\)"):
        nx.nn.BCEWithLogitsLoss()(nx.zeros(3, 1), nx.zeros(3))


def test_mse_broadcasting_warns_like_torch():
    with pytest.warns(UserWarning, match=r"target size \(3,\).*input size \(3, 1\)"):
        nx.nn.MSELoss()(nx.zeros(3, 1), nx.zeros(3))


def test_cross_entropy_all_ignored_is_nan_like_torch():
    torch = pytest.importorskip("torch")
    x, t = np.zeros((2, 3)), np.array([-100, -100])
    ours = nx.nn.functional.cross_entropy(nx.tensor(x), nx.tensor(t)).item()
    assert np.isnan(ours) and np.isnan(
        torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(t)).item())


def test_cross_entropy_errors_name_shapes_and_targets():
    F = nx.nn.functional
    with pytest.raises(IndexError, match="target 5 is out of bounds for 3 classes"):
        F.cross_entropy(nx.zeros(2, 3), nx.tensor([0, 5]))
    with pytest.raises(ValueError, match=r"expected target of shape \(2, 4\) for input "
                                         r"\(2, 3, 4\), got \(2, 5\)"):
        F.cross_entropy(nx.zeros(2, 3, 4), nx.zeros(2, 5, dtype=nx.int64))
    with pytest.raises(ValueError, match=r"weight must have one entry per class"):
        F.nll_loss(nx.zeros(2, 3), nx.tensor([0, 1]), weight=nx.ones(4))
    with pytest.raises(TypeError, match="must be integers"):
        F.cross_entropy(nx.zeros(2, 3), nx.zeros(2))
    with pytest.raises(ValueError, match="reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        nx.nn.CrossEntropyLoss(reduction="avg")


def test_legacy_size_average_and_reduce_map_to_reduction():
    torch = pytest.importorskip("torch")
    with pytest.warns(UserWarning):
        assert nx.nn.MSELoss(size_average=False).reduction == torch.nn.MSELoss(
            size_average=False).reduction == "sum"
    with pytest.warns(UserWarning):
        assert nx.nn.CrossEntropyLoss(None, None, -100, False).reduction == "none"


def test_loss_weights_are_buffers_like_torch():
    torch = pytest.importorskip("torch")
    ours = nx.nn.BCEWithLogitsLoss(pos_weight=nx.tensor(PW4))
    theirs = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(PW4))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["pos_weight"]
    assert repr(ours) == repr(theirs) == "BCEWithLogitsLoss()"
    assert list(nx.nn.CrossEntropyLoss(weight=nx.ones(3)).state_dict()) == ["weight"]


NEW_LAYERS = [  # make(lib): SmoothL1Loss, HuberLoss and KLDivLoss with their options
    lambda lib: lib.nn.SmoothL1Loss(), lambda lib: lib.nn.SmoothL1Loss(reduction="sum", beta=0.2),
    lambda lib: lib.nn.HuberLoss(), lambda lib: lib.nn.HuberLoss("none", 2.0),
    lambda lib: lib.nn.KLDivLoss(), lambda lib: lib.nn.KLDivLoss(reduction="batchmean",
                                                                 log_target=True),
]


@pytest.mark.parametrize("make", NEW_LAYERS)
def test_loss_layer_repr_attributes_and_state_dict_match_torch(make):
    torch = pytest.importorskip("torch")
    ours, theirs = make(nx), make(torch)
    assert repr(ours) == repr(theirs)
    public = {k: v for k, v in vars(theirs).items() if not k.startswith("_") and k != "training"}
    assert public and all(getattr(ours, k) == v for k, v in public.items())
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []


def test_new_loss_layers_check_their_options():
    with pytest.warns(UserWarning, match="size_average and reduce"):
        assert nx.nn.SmoothL1Loss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning, match="size_average and reduce"):
        assert nx.nn.KLDivLoss(reduce=False).reduction == "none"
    with pytest.raises(ValueError, match="KLDivLoss: reduction must be"):
        nx.nn.KLDivLoss(reduction="batchsum")
    with pytest.raises(ValueError, match="HuberLoss: reduction must be"):
        nx.nn.HuberLoss(reduction="batchmean")
    with pytest.raises(ValueError, match=r"huber_loss: delta must be positive.*\(2,\)"):
        nx.nn.HuberLoss(delta=-1.0)(nx.zeros(2), nx.zeros(2))
