"""MultiScaleTransform, Rescale and PyramidDownsample, against torch.nn.functional.interpolate."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.multiscale import MultiScaleTransform, PyramidDownsample, Rescale
from neurenix.testing import assert_matches

MODES = ["nearest", "bilinear", "bicubic"]
SIDES = st.integers(1, 9)
SCALES = st.lists(st.sampled_from([1.0, 0.75, 0.5, 0.3, 0.25, 1.5, 2.0]), min_size=1,
                  max_size=3, unique=True)


def _torch_resize(torch, x, size, mode):
    align = False if mode in ("bilinear", "bicubic") else None
    return torch.nn.functional.interpolate(x, size=size, mode=mode, align_corners=align)


def _image(n, c, h, w, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal((n, c, h, w)).astype(dtype)


@pytest.mark.parametrize("mode", MODES)
@given(h=SIDES, w=SIDES, scales=SCALES)
def test_multiscale_transform_matches_torch(mode, h, w, scales):
    torch = pytest.importorskip("torch")
    transform = MultiScaleTransform(scales, mode=mode)

    def fn(lib, x):
        if lib is nx:
            return transform(x)
        return [_torch_resize(torch, x, (max(1, math.floor(h * s)), max(1, math.floor(w * s))),
                              mode) for s in scales]

    assert_matches(torch, fn, _image(2, 3, h, w))


@pytest.mark.parametrize("mode", MODES)
@given(h=SIDES, w=SIDES, factor=st.sampled_from([0.5, 0.3, 0.75, 1.0, 2.0, 2.5]))
def test_rescale_and_inverse_match_torch(mode, h, w, factor):
    torch = pytest.importorskip("torch")
    rescale = Rescale(factor, mode=mode)
    small = (max(1, math.floor(h * factor)), max(1, math.floor(w * factor)))

    def fn(lib, x):
        if lib is nx:
            return rescale.inverse(rescale(x))
        return _torch_resize(torch, _torch_resize(torch, x, small, mode), (h, w), mode)

    assert_matches(torch, fn, _image(1, 2, h, w, dtype=np.float32))


@given(h=SIDES, w=SIDES, levels=st.integers(1, 4))
def test_pyramid_downsample_halves_step_by_step_like_torch(h, w, levels):
    torch = pytest.importorskip("torch")
    pyramid = PyramidDownsample(levels)

    def fn(lib, x):
        if lib is nx:
            return pyramid(x)
        out = [x]
        for _ in range(levels - 1):
            size = tuple(max(1, n // 2) for n in out[-1].shape[-2:])
            out.append(_torch_resize(torch, out[-1], size, "bilinear"))
        return out

    assert_matches(torch, fn, _image(2, 1, h, w))
    assert [tuple(pyramid.get_level(i).shape[-2:]) for i in range(levels)] == \
           [(max(1, h // 2 ** i), max(1, w // 2 ** i)) for i in range(levels)]


@pytest.mark.parametrize("mode", MODES)
@given(h=SIDES, w=SIDES, seed=st.integers(0, 2 ** 16))
def test_transforms_gradcheck(mode, h, w, seed):
    x = nx.tensor(_image(1, 2, h, w, seed), requires_grad=True)
    assert nx.gradcheck(lambda t: MultiScaleTransform([1.0, 0.6, 1.4], mode)(t), (x,))
    assert nx.gradcheck(lambda t: PyramidDownsample(3, mode)(t), (x,))
    rescale = Rescale(0.5, mode)
    assert nx.gradcheck(lambda t: rescale.inverse(rescale(t)), (x,))


def test_scale_one_is_the_input_itself_and_sizes_floor():
    x = nx.randn(2, 3, 7, 10)
    outs = MultiScaleTransform([1.0, 0.5, 0.25, 0.3])(x)
    assert outs[0] is x
    assert [tuple(o.shape) for o in outs] == [(2, 3, 7, 10), (2, 3, 3, 5), (2, 3, 1, 2),
                                              (2, 3, 2, 3)]
    assert tuple(MultiScaleTransform([0.01])(x)[0].shape) == (2, 3, 1, 1)  # at least 1 x 1


def test_multiscale_transform_inverse_sizes():
    x = nx.randn(1, 2, 9, 7)
    transform = MultiScaleTransform()
    back = transform.inverse(transform(x), (9, 7))
    assert [tuple(b.shape) for b in back] == [(1, 2, 9, 7)] * 3
    assert back[0] is not None and np.array_equal(back[0].numpy(), x.numpy())
    # The original shape works too, and so does a single tensor.
    assert [tuple(b.shape) for b in transform.inverse(transform(x), x.shape)] == [(1, 2, 9, 7)] * 3
    assert tuple(transform.inverse(nx.randn(1, 2, 3, 3), (5, 6)).shape) == (1, 2, 5, 6)


def test_rescale_remembers_odd_sizes():
    rescale = Rescale(0.5)
    y = rescale(nx.randn(1, 1, 11, 9))
    assert tuple(y.shape) == (1, 1, 5, 4)
    assert tuple(rescale.inverse(y).shape) == (1, 1, 11, 9)


def test_transforms_under_no_grad_record_nothing():
    x = nx.randn(1, 1, 6, 6, requires_grad=True)
    with nx.no_grad():
        outs = MultiScaleTransform([0.5, 2.0])(x) + PyramidDownsample(2)(x)[1:] + [Rescale(0.5)(x)]
    assert len(outs) == 4 and not any(o.requires_grad for o in outs)


def test_transform_errors():
    with pytest.raises(ValueError, match=r"MultiScaleTransform: scale must be a positive "
                                         r"number, got 0"):
        MultiScaleTransform([1.0, 0])
    with pytest.raises(ValueError, match=r"MultiScaleTransform: scales must be distinct"):
        MultiScaleTransform([0.5, 0.5])
    with pytest.raises(ValueError, match=r"MultiScaleTransform: scales must not be empty"):
        MultiScaleTransform([])
    with pytest.raises(ValueError, match=r"unknown interpolation mode 'area'; valid modes are "
                                         r"'nearest', 'nearest-exact', 'bilinear', 'bicubic'"):
        MultiScaleTransform(mode="area")
    with pytest.raises(ValueError, match=r"Rescale: scale_factor must be a positive number, "
                                         r"got -1"):
        Rescale(-1)
    with pytest.raises(ValueError, match=r"Rescale: unknown interpolation mode"):
        Rescale(0.5, mode="linear")
    with pytest.raises(RuntimeError, match=r"Rescale.inverse: no original size yet"):
        Rescale().inverse(nx.randn(1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"PyramidDownsample: num_levels must be a positive "
                                         r"integer, got 0"):
        PyramidDownsample(0)
    pyramid = PyramidDownsample(2)
    with pytest.raises(RuntimeError, match=r"PyramidDownsample.get_level: no pyramid yet"):
        pyramid.get_level(0)
    pyramid(nx.randn(1, 1, 4, 4))
    assert tuple(pyramid.get_level(-1).shape) == (1, 1, 2, 2)
    with pytest.raises(IndexError, match=r"level 2 is out of range for a pyramid of 2 levels"):
        pyramid.get_level(2)
    with pytest.raises(ValueError, match=r"MultiScaleTransform: input must be a batch of images "
                                         r"\(N, C, H, W\), got shape \(3, 4\)"):
        MultiScaleTransform()(nx.randn(3, 4))
    with pytest.raises(ValueError, match=r"original_size must be \(H, W\)"):
        MultiScaleTransform().inverse([nx.randn(1, 1, 2, 2)], (0, 4))
