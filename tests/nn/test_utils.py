"""nn.utils: clip_grad_norm_ and clip_grad_value_ give PyTorch's norms and clipped gradients;
parameters_to_vector and vector_to_parameters move parameters to one vector and back."""
import math
import warnings

import numpy as np
import pytest

import neurenix as nx
from neurenix.nn.utils import (clip_grad_norm_, clip_grad_value_, parameters_to_vector,
                               vector_to_parameters)

SHAPES = [(4, 3), (3,), (2, 2, 2), (1,)]


def _grads(dtype=np.float64, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    return [(scale * rng.standard_normal(shape)).astype(dtype) for shape in SHAPES]


def _params(lib, grads, without_grad=(1,)):
    """One parameter per gradient array; those at ``without_grad`` get no gradient."""
    params = []
    for i, g in enumerate(grads):
        p = lib.nn.Parameter(lib.tensor(np.ones_like(g)))
        if i not in without_grad:
            p.grad = lib.tensor(g.copy())
        params.append(p)
    return params


def _grad_arrays(params):
    return [None if p.grad is None else p.grad.numpy() for p in params]


@pytest.mark.parametrize("norm_type", [1, 2, 3.5, math.inf, "inf", 0, 0.5, -1.0, -math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3], ids=["clips", "leaves"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    torch = pytest.importorskip("torch")
    grads = _grads(dtype)
    ours, theirs = _params(nx, grads), _params(torch, grads)
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    reference = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, nx.Tensor) and total.shape == () and total.dtype == dtype
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(total.item(), reference.item(), rtol=rtol)
    for mine, expected in zip(_grad_arrays(ours), _grad_arrays(theirs)):
        if expected is None:
            assert mine is None
        else:
            assert mine.dtype == dtype
            np.testing.assert_allclose(mine, expected, rtol=rtol, atol=1e-30)
    clips = reference.item() + 1e-6 > max_norm  # small norms (p < 0) are left alone
    assert np.array_equal(_grad_arrays(ours)[0], grads[0]) != clips


def test_clip_grad_norm_of_mixed_dtypes_and_a_single_tensor_matches_torch():
    torch = pytest.importorskip("torch")
    grads = _grads(np.float32)[:2] + _grads(np.float64)[2:]
    ours, theirs = _params(nx, grads, ()), _params(torch, grads, ())
    total = clip_grad_norm_(ours, 0.1, 3.5)
    reference = torch.nn.utils.clip_grad_norm_(theirs, 0.1, 3.5)
    assert total.dtype == np.float64
    np.testing.assert_allclose(total.item(), reference.item(), rtol=1e-6)
    for p, q in zip(ours, theirs):
        assert p.grad.dtype == p.dtype
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6)
    single, reference_single = _params(nx, grads[:1], ())[0], _params(torch, grads[:1], ())[0]
    np.testing.assert_allclose(clip_grad_norm_(single, 0.2).item(),
                               torch.nn.utils.clip_grad_norm_(reference_single, 0.2).item())
    np.testing.assert_allclose(single.grad.numpy(), reference_single.grad.numpy(), rtol=1e-6)


def test_clip_grad_norm_without_gradients_returns_a_zero_tensor():
    total = clip_grad_norm_([nx.nn.Parameter(nx.ones(2))], 1.0)
    assert total.item() == 0.0 and total.dtype == np.float32
    with pytest.warns(UserWarning, match="empty generator"):
        clip_grad_norm_((p for p in []), 1.0)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_clip_grad_norm_nonfinite(bad):
    torch = pytest.importorskip("torch")
    grads = _grads()
    grads[2][0, 1, 0] = bad
    ours = _params(nx, grads)
    with pytest.raises(RuntimeError, match=f"total norm of order 2.0 of the gradients is {bad}"
                                           ".*error_if_nonfinite=False"):
        clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    assert all(np.array_equal(p.grad.numpy(), g, equal_nan=True)  # untouched on error
               for p, g in zip(ours, grads) if p.grad is not None)
    theirs = _params(torch, grads)
    with pytest.raises(RuntimeError, match="error_if_nonfinite"):
        torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    # Without the flag the gradients are scaled by the non-finite norm anyway, as in PyTorch.
    total = clip_grad_norm_(ours, 1.0)
    reference = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    np.testing.assert_array_equal(total.item(), reference.item())
    for mine, expected in zip(_grad_arrays(ours), _grad_arrays(theirs)):
        if expected is not None:
            np.testing.assert_array_equal(mine, expected)


def test_clip_grad_norm_of_an_empty_gradient_with_inf_is_refused_as_torch():
    p = nx.nn.Parameter(nx.zeros(0))
    p.grad = nx.zeros(0)
    with pytest.raises(RuntimeError, match="cannot compute the inf norm of an empty gradient "
                                           r"\(shape \(0,\)\)"):
        clip_grad_norm_([p], 1.0, norm_type="inf")
    assert clip_grad_norm_([p], 1.0).item() == 0.0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_value_matches_torch(dtype):
    torch = pytest.importorskip("torch")
    grads = _grads(dtype, scale=2.0)
    ours, theirs = _params(nx, grads), _params(torch, grads)
    assert clip_grad_value_(ours, 0.75) is None
    torch.nn.utils.clip_grad_value_(theirs, 0.75)
    for mine, expected in zip(_grad_arrays(ours), _grad_arrays(theirs)):
        if expected is not None:
            assert mine.dtype == dtype and np.abs(mine).max() <= 0.75
            np.testing.assert_array_equal(mine, expected)
    assert np.abs(_grad_arrays(ours)[0]).max() == np.float32(0.75)  # some entries were clipped
    single = _params(nx, grads[:1], ())[0]
    clip_grad_value_(single, 0.1)
    assert np.abs(single.grad.numpy()).max() <= 0.1


def test_parameters_to_vector_matches_torch_and_carries_gradients():
    torch = pytest.importorskip("torch")
    model = nx.nn.Sequential(nx.nn.Linear(3, 4), nx.nn.Tanh(), nx.nn.Linear(4, 2)).to(np.float64)
    reference = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                                    torch.nn.Linear(4, 2)).double()
    model.load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    vec = parameters_to_vector(model.parameters())
    expected = torch.nn.utils.parameters_to_vector(reference.parameters())
    assert vec.shape == (26,) and vec.dtype == np.float64
    np.testing.assert_array_equal(vec.numpy(), expected.detach().numpy())
    weights = np.arange(26.0)
    (vec * nx.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for p, q in zip(model.parameters(), reference.parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def test_vector_to_parameters_shares_the_vector_as_torch():
    torch = pytest.importorskip("torch")
    ours = [nx.nn.Parameter(nx.zeros(2, 3)), nx.nn.Parameter(nx.zeros(4))]
    theirs = [torch.nn.Parameter(torch.zeros(2, 3)), torch.nn.Parameter(torch.zeros(4))]
    vec = np.arange(12.0)  # float64 and longer than needed: PyTorch accepts both
    vector_to_parameters(nx.tensor(vec), ours)
    torch.nn.utils.vector_to_parameters(torch.tensor(vec), theirs)
    for p, q in zip(ours, theirs):
        assert p.shape == tuple(q.shape) and p.dtype == np.float64 == q.detach().numpy().dtype
        np.testing.assert_array_equal(p.numpy(), q.detach().numpy())
    shared = nx.tensor(vec)
    vector_to_parameters(shared, ours)
    shared.data[0] = 100.0
    assert ours[0].numpy()[0, 0] == 100.0  # a view of the vector, as in PyTorch
    vector_to_parameters(parameters_to_vector(ours) * 2, ours)
    assert ours[1].numpy().tolist() == [12.0, 14.0, 16.0, 18.0]


def test_vector_to_parameters_errors_name_the_argument():
    params = [nx.nn.Parameter(nx.zeros(2, 3))]
    with pytest.raises(TypeError, match="vector_to_parameters: expected vec to be a Tensor, but "
                                        "got list"):
        vector_to_parameters([0.0] * 6, params)
    with pytest.raises(ValueError, match=r"expected a 1-D vec, got shape \(2, 3\)"):
        vector_to_parameters(nx.zeros(2, 3), params)
    with pytest.raises(ValueError, match="vec has 5 elements, the parameters need 6"):
        vector_to_parameters(nx.zeros(5), params)
    with pytest.raises(ValueError, match="parameters_to_vector: expected at least one"):
        parameters_to_vector([])


def test_reachable_as_nn_utils():
    assert nx.nn.utils.clip_grad_norm_ is clip_grad_norm_
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a plain call warns about nothing
        p = nx.nn.Parameter(nx.ones(3))
        p.grad = nx.tensor([3.0, 4.0, 0.0])
        total = nx.nn.utils.clip_grad_norm_([p], max_norm=1.0)
    assert total.item() == 5.0
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8, 0.0], rtol=1e-6)
