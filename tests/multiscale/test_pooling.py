"""MultiScalePooling, PyramidPooling and SpatialPyramidPooling, against PyTorch and brute force."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.multiscale import MultiScalePooling, PyramidPooling, SpatialPyramidPooling
from neurenix.testing import assert_matches

SIDES = st.integers(1, 8)
POOL_SIZES = st.lists(st.integers(1, 6), min_size=1, max_size=4)


def _image(n, c, h, w, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal((n, c, h, w)).astype(dtype)


def _brute_force(x: np.ndarray, k: int, pool_type: str) -> np.ndarray:
    """Each output pixel reduces the real pixels of the k x k window that starts (k-1)//2 before."""
    H, W = x.shape[-2:]
    out = np.empty_like(x)
    reduce = np.mean if pool_type == "avg" else np.max
    for i in range(H):
        for j in range(W):
            rows = slice(max(0, i - (k - 1) // 2), min(H, i + k // 2 + 1))
            cols = slice(max(0, j - (k - 1) // 2), min(W, j + k // 2 + 1))
            out[..., i, j] = reduce(x[..., rows, cols], axis=(-2, -1))
    return out


def _torch_same_pool(torch, x, k, pool_type):
    """PyTorch pooling of the input padded "same" ((k-1)//2 before, k//2 after), the average
    counting only real pixels (count_include_pad=False semantics for any k)."""
    F = torch.nn.functional
    widths = ((k - 1) // 2, k // 2) * 2
    if pool_type == "max":
        return F.max_pool2d(F.pad(x, widths, value=float("-inf")), k, stride=1)
    total = F.avg_pool2d(F.pad(x, widths), k, stride=1, divisor_override=1)
    count = F.avg_pool2d(F.pad(torch.ones_like(x[:1, :1]), widths), k, stride=1,
                         divisor_override=1)
    return total / count


@pytest.mark.parametrize("pool_type", ["avg", "max"])
@given(h=SIDES, w=SIDES, sizes=POOL_SIZES)
def test_multiscale_pooling_matches_torch_and_brute_force(pool_type, h, w, sizes):
    torch = pytest.importorskip("torch")
    pooling = MultiScalePooling(sizes, pool_type)
    x = _image(2, 3, h, w)

    def fn(lib, t):
        if lib is nx:
            return pooling(t)
        return torch.cat([_torch_same_pool(torch, t, k, pool_type) for k in sizes], dim=1)

    assert_matches(torch, fn, x)
    expected = np.concatenate([_brute_force(x, k, pool_type) for k in sizes], axis=1)
    np.testing.assert_allclose(pooling(nx.tensor(x)).numpy(), expected, rtol=1e-12, atol=1e-12)


def test_multiscale_pooling_odd_sizes_match_torch_count_include_pad_false():
    torch = pytest.importorskip("torch")
    x = _image(1, 2, 7, 5, dtype=np.float32)
    ours = MultiScalePooling([3, 5]).forward(nx.tensor(x)).numpy()
    t = torch.tensor(x)
    theirs = torch.cat([torch.nn.functional.avg_pool2d(t, k, 1, k // 2, count_include_pad=False)
                        for k in (3, 5)], dim=1).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pool_type", ["avg", "max"])
@given(h=SIDES, w=SIDES, seed=st.integers(0, 2 ** 16))
def test_multiscale_pooling_shape_defaults_and_gradcheck(pool_type, h, w, seed):
    pooling = MultiScalePooling(pool_type=pool_type)
    assert tuple(pooling(nx.randn(2, 3, 9, 4)).shape) == (2, 12, 9, 4)
    x = nx.tensor(_image(1, 2, h, w, seed), requires_grad=True)
    out = pooling(x)
    assert np.array_equal(out.numpy()[:, :2], x.numpy())          # size 1 is the input itself
    assert nx.gradcheck(pooling, (x,))
    assert list(pooling.parameters()) == []


def _torch_ppm(torch, module: PyramidPooling, x):
    """PSPNet's pyramid pooling written with torch.nn.functional and the module's weights."""
    F = torch.nn.functional
    w = {k: torch.tensor(v.numpy()) for k, v in module.state_dict().items()}
    parts = [x]
    for i, s in enumerate(module.pool_sizes):
        y = F.adaptive_avg_pool2d(x, s)
        y = F.relu(F.conv2d(y, w[f"branches.{i}.1.weight"], w[f"branches.{i}.1.bias"]))
        parts.append(F.interpolate(y, size=x.shape[-2:], mode="bilinear", align_corners=False))
    y = F.conv2d(torch.cat(parts, dim=1), w["fuse.0.weight"], padding=1)
    y = F.batch_norm(y, None, None, w["fuse.1.weight"], w["fuse.1.bias"], training=True)
    return F.relu(y)


@given(h=st.integers(1, 7), w=st.integers(1, 7), n=st.integers(1, 2))
def test_pyramid_pooling_matches_torch(h, w, n):
    torch = pytest.importorskip("torch")
    assume(n * h * w > 1)  # training BatchNorm needs more than one value per channel
    nx.manual_seed(0)
    module = PyramidPooling(4, 3, pool_sizes=[1, 2, 3]).to(nx.float64)
    assert_matches(torch, lambda lib, t: module(t) if lib is nx else _torch_ppm(torch, module, t),
                   _image(n, 4, h, w), rtol=1e-6, atol=1e-7)


def test_pyramid_pooling_shapes_at_batch_one_in_training():
    module = PyramidPooling(8, 5)
    module.train()
    for shape in [(1, 8, 13, 13), (1, 8, 7, 10), (3, 8, 6, 6), (1, 8, 1, 2), (2, 8, 1, 1)]:
        out = module(nx.randn(*shape))
        assert tuple(out.shape) == (shape[0], 5) + shape[2:]
    # 8 + 4 branches x (8 // 4) channels go into the fusing conv.
    assert module.fuse[0].in_channels == 16



@given(h=st.integers(1, 5), w=st.integers(1, 5), seed=st.integers(0, 2 ** 16))
def test_pyramid_pooling_gradcheck(h, w, seed):
    nx.manual_seed(seed)
    tiny = PyramidPooling(2, 2, pool_sizes=[1, 2]).to(nx.float64)
    x = nx.tensor(_image(2, 2, h, w, seed), requires_grad=True)
    assert nx.gradcheck(tiny, (x,))


@pytest.mark.parametrize("pool_type", ["max", "avg"])
@given(h=SIDES, w=SIDES, levels=st.integers(1, 4))
def test_spatial_pyramid_pooling_matches_torch(pool_type, h, w, levels):
    torch = pytest.importorskip("torch")
    spp = SpatialPyramidPooling(levels, pool_type)
    pool = (torch.nn.functional.adaptive_max_pool2d if pool_type == "max"
            else torch.nn.functional.adaptive_avg_pool2d)

    def fn(lib, x):
        if lib is nx:
            return spp(x)
        return torch.cat([pool(x, 2 ** l).flatten(1) for l in range(levels)], dim=1)

    assert_matches(torch, fn, _image(2, 3, h, w))


@given(h=SIDES, w=SIDES, seed=st.integers(0, 2 ** 16))
def test_spatial_pyramid_pooling_fixed_length_and_gradcheck(h, w, seed):
    spp = SpatialPyramidPooling()
    for shape in [(1, 4, 13, 13), (2, 4, 7, 20), (1, 4, 2, 3)]:
        assert tuple(spp(nx.randn(*shape)).shape) == (shape[0], 4 * 21)
    x = nx.tensor(_image(1, 2, h, w, seed), requires_grad=True)
    assert nx.gradcheck(SpatialPyramidPooling(3, "avg"), (x,))
    assert nx.gradcheck(spp, (x,))


def test_pooling_errors():
    with pytest.raises(ValueError, match=r"MultiScalePooling: unknown pool_type 'min'; valid types "
                                         r"are 'avg', 'max'"):
        MultiScalePooling(pool_type="min")
    with pytest.raises(ValueError, match=r"SpatialPyramidPooling: unknown pool_type 'sum'; valid "
                                         r"types are 'avg', 'max'"):
        SpatialPyramidPooling(pool_type="sum")
    with pytest.raises(ValueError, match=r"MultiScalePooling: every pool size must be a positive "
                                         r"integer, got 0"):
        MultiScalePooling([1, 0])
    with pytest.raises(ValueError, match=r"MultiScalePooling: pool_sizes must not be empty"):
        MultiScalePooling([])
    with pytest.raises(ValueError, match=r"SpatialPyramidPooling: num_levels must be a positive "
                                         r"integer, got 0"):
        SpatialPyramidPooling(0)
    with pytest.raises(ValueError, match=r"PyramidPooling: in_channels \(3\) must be at least "
                                         r"len\(pool_sizes\) \(4\)"):
        PyramidPooling(3, 8)
    with pytest.raises(ValueError, match=r"PyramidPooling: input has 5 channels \(shape "
                                         r"\(1, 5, 4, 4\)\), expected 8"):
        PyramidPooling(8, 8)(nx.randn(1, 5, 4, 4))
    with pytest.raises(ValueError, match=r"MultiScalePooling: input must be a batch of images"):
        MultiScalePooling()(nx.randn(3, 4, 4))
