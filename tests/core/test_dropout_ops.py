"""dropout2d: whole channels zeroed, the rate, PyTorch's rules for 3-D and other inputs, eval
mode, inplace, and the first and second derivatives (finite differences, and PyTorch given the
same mask). Element dropout is tested in tests/nn/test_dropout.py."""
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
import neurenix.nn.functional as F
from neurenix.testing import assert_matches, tensors


def _seeded(p, inplace=False):
    def fn(a):
        nx.manual_seed(0)  # the same mask for every evaluation
        return F.dropout2d(a, p, inplace=inplace)
    return fn


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [nx.float32, nx.float64])
def test_dropout2d_zeroes_whole_channels_at_rate_p(p, dtype):
    out = F.dropout2d(nx.ones(100, 60, 3, 4, dtype=dtype), p).numpy()
    assert out.dtype == dtype
    per_map = out.reshape(100, 60, 12)
    kept = per_map[:, :, 0] != 0
    assert np.all((per_map != 0) == kept[:, :, None])  # a map is kept or dropped whole
    np.testing.assert_allclose(per_map[kept], 1 / (1 - p), rtol=1e-6)
    assert abs(1 - kept.mean() - p) < 0.03


def test_dropout2d_of_a_3d_input_drops_along_the_last_axis_with_torchs_warning():
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        out = F.dropout2d(nx.ones(40, 30, 5), 0.5).numpy()
    assert np.all((out != 0) == (out[:, :, :1] != 0))


@pytest.mark.parametrize("shape", [(6, 7), (3, 4, 2, 2, 2)])
def test_dropout2d_of_other_ranks_warns_and_drops_per_first_two_axes(shape):
    with pytest.warns(UserWarning, match=f"Received a {len(shape)}-D input to dropout2d"):
        out = F.dropout2d(nx.ones(*shape), 0.5).numpy()
    first = out.reshape(shape[:2] + (-1,))
    assert np.all((first != 0) == (first[:, :, :1] != 0))


def test_dropout2d_of_fewer_than_two_dimensions_is_refused_like_torch():
    with pytest.warns(UserWarning), pytest.raises(RuntimeError,
                                                  match=r"dropout2d: .*at least 2.*\(5,\)"):
        F.dropout2d(nx.ones(5), 0.5)


def test_dropout2d_is_the_identity_in_eval_and_at_p_0():
    x = nx.randn(2, 3, 4, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.dropout2d(x, 0.5, training=False) is x
        assert F.dropout2d(x, 0.0) is x
        assert F.dropout2d(nx.tensor([[[[1]]]]), 0.0).dtype == nx.int64  # untouched
    np.testing.assert_array_equal(F.dropout2d(x, 1.0).numpy(), 0)


def test_dropout2d_is_reproducible_under_manual_seed():
    x = nx.ones(8, 16, 2, 2)
    a = _seeded(0.5)(x).numpy()
    assert np.array_equal(_seeded(0.5)(x).numpy(), a)
    assert not np.array_equal(F.dropout2d(x, 0.5).numpy(), F.dropout2d(x, 0.5).numpy())


def test_dropout2d_of_an_empty_batch_and_a_non_contiguous_input():
    assert F.dropout2d(nx.ones(0, 3, 2, 2), 0.5).shape == (0, 3, 2, 2)
    x = nx.tensor(np.arange(48.0).reshape(2, 4, 3, 2).transpose(0, 1, 3, 2))
    out = F.dropout2d(x, 0.5).numpy()
    kept = out.reshape(2, 4, 6)[:, :, -1] != 0
    np.testing.assert_allclose(out[kept], x.numpy()[kept] * 2)


@given(x=tensors(dtype=nx.float64, requires_grad=True, min_dims=2, max_dims=4),
       p=st.sampled_from([0.3, 0.6]))
def test_dropout2d_gradcheck_and_gradgradcheck(x, p):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ranks other than 4 warn, as in PyTorch
        assert nx.gradcheck(_seeded(p), (x,))
        assert nx.gradgradcheck(_seeded(p), (x,))


@pytest.mark.parametrize("inplace", [False, True])
@pytest.mark.parametrize("p", [0.4, 1.0])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout2d_matches_torch_given_the_same_mask(p, dtype, inplace):
    # PyTorch draws its masks from its own generator, so its side multiplies by neurenix's
    # (N, C, 1, 1) mask; the in-place form runs on an intermediate (x * 1)
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4, 2, 3)).astype(dtype)
    mask = _seeded(p)(nx.ones((3, 4, 1, 1), dtype=dtype)).numpy()

    def dropout2d(lib, a):
        if lib is torch:
            return a * torch.tensor(mask) * a
        y = a * 1
        out = _seeded(p, inplace)(y)
        assert (out is y) == inplace
        return out * a

    assert_matches(torch, dropout2d, x, second_order=True)


def test_dropout2d_inplace_writes_into_the_input():
    x = nx.ones(4, 8, 2, 2)
    out = _seeded(0.5, inplace=True)(x)
    assert out is x
    np.testing.assert_array_equal(x.numpy(), _seeded(0.5)(nx.ones(4, 8, 2, 2)).numpy())
    with pytest.raises(RuntimeError, match="dropout2d.*leaf"):
        F.dropout2d(nx.ones(2, 2, 2, 2, requires_grad=True), 0.5, inplace=True)


def test_dropout2d_errors_name_the_op():
    with pytest.raises(ValueError, match="dropout2d: probability has to be between 0 and 1, "
                                         "but got 1.5"):
        F.dropout2d(nx.ones(2, 3, 4, 4), 1.5)
    with pytest.raises(TypeError, match=r"dropout2d: expected a floating tensor, got dtype "
                                        r"int64 \(shape \(1, 2, 2, 2\)\)"):
        F.dropout2d(nx.ones(1, 2, 2, 2, dtype=nx.int64), 0.5)
