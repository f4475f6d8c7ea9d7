"""cross_entropy / nll_loss corner cases of the core ops (the full PyTorch comparison of every
option lives in tests/nn/test_losses.py)."""
import numpy as np
import pytest

import neurenix as nx
from neurenix.testing import assert_matches

IGNORED = [  # name, loss(lib, x, t); t ignores every target of the first two rows
    ("cross_entropy", lambda lib, x, t: lib.nn.functional.cross_entropy(x, t)),
    ("cross_entropy smoothed", lambda lib, x, t: lib.nn.functional.cross_entropy(
        x, t, label_smoothing=0.2)),
    ("nll_loss", lambda lib, x, t: lib.nn.functional.nll_loss(x.log_softmax(1), t)),
]


@pytest.mark.parametrize("name, loss", IGNORED)
def test_mean_over_only_ignored_targets_has_zero_gradient_like_torch(name, loss):
    # The loss is 0/0 = nan, but the gradient stays 0: one all-ignored batch (a crop of pure
    # "void" pixels) must not write nan into the weights.
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    t = np.array([-100, -100])
    ours = nx.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    out, expected = loss(nx, ours, nx.tensor(t)), loss(torch, theirs, torch.tensor(t))
    out.backward()
    expected.backward()
    assert np.isnan(out.item()) and np.isnan(expected.item())
    assert ours.grad.dtype == nx.float32
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    np.testing.assert_array_equal(ours.grad.numpy(), np.zeros((2, 3), np.float32))


@pytest.mark.parametrize("name, loss", IGNORED)
def test_mean_over_only_ignored_targets_has_zero_second_derivative_like_torch(name, loss):
    # The gradient of the gradient stays 0 as well (no 0 * inf turns it into nan), and the
    # loss itself is nan on both sides.
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3))
    t = np.array([-100, -100])
    assert_matches(torch, lambda lib, a: loss(lib, a, lib.tensor(t)), x, second_order=True)
