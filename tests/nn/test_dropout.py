"""Dropout: inverted scaling, the drop rate, eval mode, reproducibility, and the first and
second derivatives (against finite differences, and against PyTorch given the same mask)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
import neurenix.nn.functional as F
from neurenix.testing import assert_matches, tensors


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [nx.float32, nx.float64])
def test_dropout_zeroes_p_and_scales_the_rest(p, dtype):
    x = nx.ones(200, 500, dtype=dtype)
    out = nx.nn.Dropout(p)(x).numpy()
    assert out.dtype == dtype
    kept = out != 0
    assert abs(1 - kept.mean() - p) < 0.01
    np.testing.assert_allclose(out[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(out.mean() - 1) < 0.03  # the expectation is unchanged


def test_dropout_is_the_identity_in_eval_and_at_p_0():
    x = nx.randn(3, 4)
    layer = nx.nn.Dropout(0.5).eval()
    assert layer(x) is x
    assert F.dropout(x, 0.0) is x
    assert F.dropout(x, 0.9, training=False) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).numpy(), 0)


def test_dropout_is_reproducible_under_manual_seed():
    x = nx.ones(50)
    nx.manual_seed(3)
    a = F.dropout(x, 0.5).numpy()
    b = F.dropout(x, 0.5).numpy()
    nx.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(x, 0.5).numpy(), a)
    assert not np.array_equal(a, b)  # a new mask per call


def test_dropout_gradient_is_the_mask():
    x = nx.randn(4, 6, requires_grad=True)
    out = F.dropout(x, 0.3)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.where(out.numpy() != 0, 1 / 0.7, 0), rtol=1e-6)
    assert x.grad.dtype == np.float32


def _seeded_dropout(p):
    def fn(a):
        nx.manual_seed(0)  # the same mask for every evaluation
        return F.dropout(a, p)
    return fn


@given(x=tensors(dtype=nx.float64, requires_grad=True, min_dims=1, max_dims=3),
       p=st.sampled_from([0.2, 0.5]))
def test_dropout_gradcheck_and_gradgradcheck(x, p):
    assert nx.gradcheck(_seeded_dropout(p), (x,))
    assert nx.gradgradcheck(_seeded_dropout(p), (x,))


@pytest.mark.parametrize("p", [0.3, 1.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_matches_torch_given_the_same_mask(p, dtype):
    # PyTorch draws its masks from its own generator, so its side multiplies by neurenix's
    # mask: x * keep / (1 - p) is what torch's dropout computes and differentiates.
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(dtype)
    mask = _seeded_dropout(p)(nx.ones(x.shape, dtype=dtype)).numpy()

    def dropout(lib, a):
        return _seeded_dropout(p)(a) if lib is nx else a * torch.tensor(mask)

    def grad_times_input(lib, a, g):  # the backward, as a function of its gradient g
        (grad,) = lib.autograd.grad((dropout(lib, a) * g).sum(), a, create_graph=True)
        return grad * a

    assert_matches(torch, dropout, x, second_order=True)
    assert_matches(torch, grad_times_input, x, np.ones_like(x), second_order=True)


def test_dropout_refuses_bad_probabilities():
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        nx.nn.Dropout(1.5)
    with pytest.raises(ValueError, match="dropout: probability"):
        F.dropout(nx.ones(2), -0.1)


def test_dropout_repr_matches_torch():
    torch = pytest.importorskip("torch")
    assert repr(nx.nn.Dropout(0.25)) == repr(torch.nn.Dropout(0.25))


def test_dropout2d_layer_drops_channels_in_training_only():
    layer = nx.nn.Dropout2d(0.5)
    x = nx.ones(16, 32, 2, 2)
    out = layer(x).numpy().reshape(16, 32, 4)
    assert np.all((out != 0) == (out[:, :, :1] != 0))  # whole channels
    assert layer.eval()(x) is x


def test_dropout2d_layer_inplace_writes_into_its_input():
    x = nx.ones(4, 8, 3, 3)
    assert nx.nn.Dropout2d(0.3, inplace=True)(x) is x
    assert set(np.unique(x.numpy())) <= {0.0, np.float32(1 / 0.7)}


def test_dropout2d_layer_repr_attributes_and_errors_match_torch():
    torch = pytest.importorskip("torch")
    for args in [(), (0.2,), (0.7, True)]:
        ours, theirs = nx.nn.Dropout2d(*args), torch.nn.Dropout2d(*args)
        assert repr(ours) == repr(theirs)
        assert (ours.p, ours.inplace) == (theirs.p, theirs.inplace)
    with pytest.raises(ValueError, match="Dropout2d: probability has to be between 0 and 1, "
                                         "but got -0.5"):
        nx.nn.Dropout2d(-0.5)


def test_dropout2d_layer_in_eval_matches_torch_to_second_order():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4))
    assert_matches(torch, lambda lib, a: lib.nn.Dropout2d(0.5).eval()(a) * a, x,
                   second_order=True)
