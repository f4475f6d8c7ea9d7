"""kl_div: values, first and second derivatives in input and target against finite differences
and PyTorch, for every reduction (batchmean included) and log_target, broadcasting, empty and
non-contiguous inputs, a target of 0, PyTorch's warnings and the errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
import neurenix.nn.functional as F
from neurenix.testing import assert_matches, ranged, tensors

REDUCTIONS = ["batchmean", "sum", "none", "mean"]
pytestmark = pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # PyTorch's own


def kl_div(lib, x, t, reduction, log_target):
    return lib.nn.functional.kl_div(x, t, reduction=reduction, log_target=log_target)


def _inputs(rng, shape, log_target, dtype=np.float64):
    """Log-probabilities along the last axis, and a target distribution (or its log)."""
    def log_probs():
        z = rng.standard_normal(shape)
        return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    x, t = log_probs(), log_probs()
    return x.astype(dtype), (t if log_target else np.exp(t)).astype(dtype)


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=15)
@given(data=st.data())
def test_kl_div_gradcheck_and_gradgradcheck(reduction, log_target, data):
    x = data.draw(tensors(elements=ranged(-3, 0), requires_grad=True, max_dims=3))
    t = data.draw(tensors(x.shape, elements=ranged(-3, 1) if log_target else ranged(0.05, 1),
                          requires_grad=True))
    assert nx.gradcheck(lambda a, b: kl_div(nx, a, b, reduction, log_target), (x, t))
    assert nx.gradgradcheck(lambda a, b: kl_div(nx, a, b, reduction, log_target), (x, t))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_kl_div_matches_torch(reduction, log_target, dtype):
    torch = pytest.importorskip("torch")
    x, t = _inputs(np.random.default_rng(0), (4, 5), log_target, dtype)
    assert_matches(torch, lambda lib, a, b: kl_div(lib, a, b, reduction, log_target), x, t,
                   second_order=True)


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_kl_div_broadcasts_like_torch(reduction, log_target):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    for x_shape, t_shape in [((3, 1), (1, 4)), ((1, 4), (3, 1)), ((2, 4), (4,))]:
        x, t = _inputs(rng, x_shape, log_target)[0], _inputs(rng, t_shape, log_target)[1]
        assert_matches(torch, lambda lib, a, b: kl_div(lib, a, b, reduction, log_target), x, t,
                       second_order=True)


@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_of_non_contiguous_and_empty_inputs_matches_torch(log_target):
    torch = pytest.importorskip("torch")
    x, t = _inputs(np.random.default_rng(2), (5, 3), log_target)
    for reduction in REDUCTIONS:
        assert_matches(torch, lambda lib, a, b: kl_div(lib, a, b, reduction, log_target),
                       x.T, t.T, second_order=True)
    empty = np.zeros((2, 0))
    for reduction in ("batchmean", "sum", "none"):
        assert_matches(torch, lambda lib, a, b: kl_div(lib, a, b, reduction, log_target),
                       empty, empty, second_order=True)


def test_kl_div_batchmean_of_an_empty_batch_is_nan_like_torch():
    x = nx.zeros(0, 3, requires_grad=True)
    loss = F.kl_div(x, nx.zeros(0, 3), reduction="batchmean")
    assert np.isnan(loss.item())
    loss.backward()
    assert x.grad.shape == (0, 3)


def test_kl_div_at_a_target_of_zero_is_torchs():
    # 0 log 0 = 0 in the loss; the target's derivative there is undefined, nan as in PyTorch
    torch = pytest.importorskip("torch")
    x, t = np.log(np.array([0.2, 0.3, 0.5])), np.array([0.0, 0.4, 0.6])
    out = kl_div(nx, nx.tensor(x), nx.tensor(t), "none", False)
    assert out.tolist()[0] == 0.0
    with np.errstate(divide="ignore", invalid="ignore"):  # log 0 and 0 / 0 in the gradient
        assert_matches(torch, lambda lib, a, b: kl_div(lib, a, b, "sum", False), x, t,
                       second_order=True)


def test_kl_div_batchmean_divides_by_the_batch_size_only():
    x, t = _inputs(np.random.default_rng(3), (4, 6), False)
    total = kl_div(nx, nx.tensor(x), nx.tensor(t), "sum", False).item()
    assert np.isclose(kl_div(nx, nx.tensor(x), nx.tensor(t), "batchmean", False).item(),
                      total / 4)
    scalar = kl_div(nx, nx.tensor(x[0, 0]), nx.tensor(t[0, 0]), "batchmean", False)
    assert scalar.shape == () and np.isclose(scalar.item(), t[0, 0] * (np.log(t[0, 0]) - x[0, 0]))


@pytest.mark.filterwarnings("default")
def test_kl_div_warns_about_mean_like_torch():
    x, t = nx.zeros(2, 3), nx.ones(2, 3) / 3
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(x, t)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert F.kl_div(x, t, reduce=False).shape == (2, 3)


def test_kl_div_keeps_the_input_dtype_and_casts_the_target():
    x = nx.zeros(2, 3, requires_grad=True)
    out = F.kl_div(x, nx.ones(2, 3, dtype=nx.float64) / 3, reduction="batchmean")
    assert out.dtype == nx.float32


def test_kl_div_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match="kl_div: reduction must be 'batchmean', 'mean'"):
        F.kl_div(nx.zeros(2), nx.zeros(2), reduction="average")
    with pytest.raises(ValueError, match=r"kl_div: shapes \(2, 3\), \(4,\) cannot be broadcast"):
        F.kl_div(nx.zeros(2, 3), nx.zeros(4), reduction="sum")
