"""MultiScaleInference and SlidingWindowInference: values against references written here,
exactness, blending weights, the window grid, modes, memory, saving and errors."""
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.multiscale import MultiScaleInference, SlidingWindowInference, UNet
from neurenix.multiscale.inference import _window_starts
from neurenix.nn import BatchNorm2d, Conv2d, Identity, Module, ReLU, Sequential


def _image(n, c, h, w, seed=0, dtype=np.float64):
    return nx.tensor(np.random.default_rng(seed).standard_normal((n, c, h, w)).astype(dtype))


def _convnet(dtype=nx.float64, seed=0):
    """A small fully convolutional model (each output pixel sees a 5 x 5 neighbourhood)."""
    nx.manual_seed(seed)
    return Sequential(Conv2d(3, 4, kernel_size=3, padding=1), BatchNorm2d(4), ReLU(),
                      Conv2d(4, 2, kernel_size=3, padding=1)).to(dtype)


def _eval_output(model, x):
    model.eval()
    with nx.no_grad():
        return model(x).numpy()


def _bilinear(x, size):
    """neurenix's own interpolate, always called (even to the same size)."""
    return nx.interpolate(x, size=size, mode="bilinear", align_corners=False)


# ----- MultiScaleInference ---------------------------------------------------------------------

def _reference_tta(model, x, scales, flip, merge):
    h, w = x.shape[-2:]
    model.eval()
    views = []
    with nx.no_grad():
        for s in scales:
            scaled = _bilinear(x, (max(1, math.floor(h * s)), max(1, math.floor(w * s))))
            views.append(_bilinear(model(scaled), (h, w)).numpy())
            if flip:
                mirrored = nx.tensor(np.ascontiguousarray(scaled.numpy()[..., ::-1]))
                views.append(_bilinear(model(mirrored), (h, w)).numpy()[..., ::-1])
    return np.mean(views, axis=0) if merge == "mean" else np.max(views, axis=0)


@pytest.mark.parametrize("merge", ["mean", "max"])
@given(h=st.integers(3, 14), w=st.integers(3, 14), flip=st.booleans(),
       scales=st.lists(st.sampled_from([0.5, 0.75, 1.0, 1.5, 2.0]), min_size=1, max_size=3,
                       unique=True))
def test_multiscale_inference_matches_reference(merge, h, w, flip, scales):
    model = _convnet()
    x = _image(2, 3, h, w, seed=h * 31 + w)
    out = MultiScaleInference(model, scales, flip, merge)(x)
    assert tuple(out.shape) == (2, 2, h, w) and out.dtype == nx.float64
    np.testing.assert_allclose(out.numpy(), _reference_tta(model, x, scales, flip, merge),
                               rtol=1e-12, atol=1e-12)


def test_a_single_scale_without_flip_is_the_model_itself():
    model = _convnet(nx.float32)
    x = _image(1, 3, 11, 6, dtype=np.float32)
    np.testing.assert_array_equal(MultiScaleInference(model, [1.0])(x).numpy(),
                                  _eval_output(model, x))


def test_flip_of_a_mirror_symmetric_model_changes_nothing():
    # A 1x1 conv treats columns alike, so the flipped view's prediction equals the plain one.
    nx.manual_seed(1)
    model = Conv2d(3, 2, kernel_size=1).to(nx.float64)
    x = _image(1, 3, 7, 9)
    np.testing.assert_allclose(MultiScaleInference(model, [1.0], flip=True)(x).numpy(),
                               _eval_output(model, x), rtol=1e-14, atol=1e-14)


def test_multiscale_inference_on_a_unet_with_odd_sizes_and_batch_one():
    nx.manual_seed(2)
    unet = UNet(3, 1, features=[4, 8], deep_supervision=True)   # eval: the main output only
    out = MultiScaleInference(unet, flip=True)(nx.randn(1, 3, 27, 19))
    assert tuple(out.shape) == (1, 1, 27, 19)
    assert 0 <= out.numpy().min() <= out.numpy().max() <= 1


# ----- modes, grad, checkpointing, saving (both wrappers) ---------------------------------------

def _wrappers(model):
    return [MultiScaleInference(model, [0.75, 1.0], flip=True, merge="max"),
            SlidingWindowInference(model, (8, 6), overlap=0.5, blend="constant", batch_size=3)]


@pytest.mark.parametrize("index", [0, 1])
def test_runs_in_eval_mode_without_a_graph_and_restores_modes(index):
    model = _convnet()
    model[1].eval()                         # a frozen BatchNorm inside a training model
    wrapper = _wrappers(model)[index]
    seen = []
    model[1].register_forward_hook(lambda m, args, out: seen.append(m.training))
    x = _image(1, 3, 13, 10)
    out = wrapper(x)
    assert not out.requires_grad and out.grad_fn is None
    assert set(seen) == {False}                              # the model ran in eval mode
    assert model.training and not model[1].training and model[0].training
    np.testing.assert_array_equal(out.numpy(), wrapper(x).numpy())   # running stats untouched


class _Failing(Module):
    def __init__(self):
        super().__init__()
        self.norm = BatchNorm2d(3)

    def forward(self, x):
        raise RuntimeError("model failed")


@pytest.mark.parametrize("index", [0, 1])
def test_modes_are_restored_when_the_model_raises(index):
    model = _Failing()
    with pytest.raises(RuntimeError, match="model failed"):
        _wrappers(model)[index](nx.randn(1, 3, 13, 10))
    assert model.training and model.norm.training


@pytest.mark.parametrize("index", [0, 1])
def test_checkpointing_float64_and_save_load_give_identical_outputs(index, tmp_path):
    model = _convnet()
    wrapper = _wrappers(model)[index]
    x = _image(1, 3, 15, 11)
    plain = wrapper(x).numpy()
    with nx.enable_gradient_checkpointing():
        np.testing.assert_array_equal(wrapper(x).numpy(), plain)
    assert plain.dtype == np.float64
    nx.save(wrapper, str(tmp_path / "wrapper.nx"))
    loaded = nx.load(str(tmp_path / "wrapper.nx"))
    assert type(loaded) is type(wrapper) and repr(loaded) == repr(wrapper)
    assert list(loaded.state_dict()) == list(wrapper.state_dict())
    np.testing.assert_array_equal(loaded(x).numpy(), plain)


def test_a_saved_unet_wrapper_loads_with_its_unet(tmp_path):
    nx.manual_seed(3)
    unet = UNet(3, 1, features=[4], attention=True)
    unet.eval()
    wrapper = SlidingWindowInference(MultiScaleInference(unet, [1.0, 0.5]), 8)
    nx.save(wrapper, str(tmp_path / "w.nx"))
    loaded = nx.load(str(tmp_path / "w.nx"))
    x = nx.randn(1, 3, 20, 13)
    np.testing.assert_array_equal(loaded(x).numpy(), wrapper(x).numpy())
    assert loaded.model.model.attention


# ----- SlidingWindowInference: the grid ---------------------------------------------------------

def test_window_starts_examples():
    assert _window_starts(1024, 128, 0.25) == [0, 96, 192, 288, 384, 480, 576, 672, 768, 864, 896]
    assert _window_starts(10, 4, 0.5) == [0, 2, 4, 6]
    assert _window_starts(11, 4, 0.5) == [0, 2, 4, 6, 7]   # the last shifted to end at 11
    assert _window_starts(7, 7, 0.25) == [0]
    assert _window_starts(9, 4, 0.0) == [0, 4, 5]
    assert _window_starts(5, 3, 0.9) == [0, 1, 2]           # the stride is at least 1


def test_grid_shrinks_the_window_to_a_smaller_image():
    sw = SlidingWindowInference(Identity(), (16, 8), overlap=0.5)
    assert sw.grid(40, 5) == ([0, 8, 16, 24], [0], (16, 5))
    assert sw.grid(10, 20) == ([0], [0, 4, 8, 12], (10, 8))


@given(window=st.integers(1, 40), extra=st.integers(0, 200),
       overlap=st.floats(0, 0.95, allow_nan=False))
def test_window_starts_cover_the_axis_with_at_least_the_overlap(window, extra, overlap):
    length = window + extra
    starts = _window_starts(length, window, overlap)
    stride = max(1, math.floor(window * (1 - overlap)))
    assert starts[0] == 0 and starts[-1] == length - window
    gaps = np.diff(starts)
    assert (gaps > 0).all() and (gaps <= stride).all()      # no repeats, no holes
    assert len(starts) == math.ceil(extra / stride) + 1


# ----- SlidingWindowInference: values ------------------------------------------------------------

def _gaussian(n):
    sigma = n / 8
    return np.exp(-((np.arange(n) - (n - 1) / 2) ** 2) / (2 * sigma ** 2))


def _reference_windows(model, x, window, overlap, blend):
    """Every window run alone, weighted, added, divided by the summed 2-D weight map."""
    x_np = x.numpy()
    n, _, h, w = x_np.shape
    wh, ww = min(window[0], h), min(window[1], w)
    weight = np.outer(_gaussian(wh), _gaussian(ww)) if blend == "gaussian" else np.ones((wh, ww))
    total, weights = None, np.zeros((h, w))
    for t in _window_starts(h, wh, overlap):
        for l in _window_starts(w, ww, overlap):
            pred = _eval_output(model, nx.tensor(x_np[:, :, t:t + wh, l:l + ww].copy()))
            if total is None:
                total = np.zeros((n, pred.shape[1], h, w))
            total[:, :, t:t + wh, l:l + ww] += pred * weight
            weights[t:t + wh, l:l + ww] += weight
    return total / weights


@pytest.mark.parametrize("blend", ["gaussian", "constant"])
@given(h=st.integers(5, 30), w=st.integers(5, 30), wh=st.integers(4, 12), ww=st.integers(4, 12),
       overlap=st.sampled_from([0.0, 0.25, 0.5, 0.7]), batch_size=st.integers(1, 5),
       n=st.integers(1, 2))
def test_sliding_window_matches_reference(blend, h, w, wh, ww, overlap, batch_size, n):
    model = _convnet()
    x = _image(n, 3, h, w, seed=h * 37 + w)
    sw = SlidingWindowInference(model, (wh, ww), overlap, blend, batch_size)
    out = sw(x)
    assert tuple(out.shape) == (n, 2, h, w) and out.dtype == nx.float64
    np.testing.assert_allclose(out.numpy(), _reference_windows(model, x, (wh, ww), overlap, blend),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape, window", [((1, 3, 16, 16), 16), ((2, 3, 9, 14), (20, 14)),
                                           ((3, 3, 5, 7), 64), ((1, 3, 31, 17), (31, 40))])
def test_a_window_covering_the_image_gives_exactly_the_model_output(shape, window):
    model = _convnet(nx.float32)
    x = _image(*shape, dtype=np.float32)
    out = SlidingWindowInference(model, window, batch_size=4)(x)
    np.testing.assert_array_equal(out.numpy(), _eval_output(model, x))


def test_more_images_than_the_batch_size_run_in_chunks():
    model = _convnet()
    x = _image(5, 3, 8, 8)
    out = SlidingWindowInference(model, 8, batch_size=2)(x)
    np.testing.assert_allclose(out.numpy(), _eval_output(model, x), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("blend", ["gaussian", "constant"])
def test_blending_weights_are_normalised(blend):
    # Whatever the weights, a model that returns its input must give the input back, and one
    # that returns a constant must give that constant: the weights sum to 1 at every pixel.
    x = _image(2, 3, 37, 23)
    np.testing.assert_allclose(SlidingWindowInference(Identity(), (8, 7), 0.4, blend)(x).numpy(),
                               x.numpy(), rtol=1e-13, atol=1e-13)


def test_importance_profiles():
    sw = SlidingWindowInference(Identity(), 9)
    profile = sw.importance(9, nx.float64).numpy()
    np.testing.assert_allclose(profile, _gaussian(9), rtol=1e-15)
    assert profile.argmax() == 4 and profile[4] == 1.0          # peak 1 at the centre
    np.testing.assert_allclose(profile[[0, 8]], math.exp(-4 ** 2 / (2 * (9 / 8) ** 2)))  # sigma 9/8
    even = sw.importance(8, nx.float32).numpy()
    assert even.dtype == np.float32 and np.array_equal(even, even[::-1])
    constant = SlidingWindowInference(Identity(), 9, blend="constant").importance(5, nx.float64)
    assert constant.numpy().tolist() == [1.0] * 5


def test_gaussian_blending_favours_window_centres():
    # Two windows over 12 columns, each predicting its own constant: near a window's centre
    # that window's value dominates, and the blend is monotone across the overlap.
    class WindowId(Module):
        def forward(self, x):
            return x[:, :1] * 0 + x[:, :1, :1, :1]   # the window's first pixel, everywhere

    x = nx.tensor(np.tile(np.arange(12.0), (1, 1, 4, 1)))
    out = SlidingWindowInference(WindowId(), (4, 8), overlap=0.5)(x).numpy()[0, 0, 0]
    assert out[0] == pytest.approx(0.0) and out[-1] == pytest.approx(4.0)
    assert (np.diff(out) >= 0).all()
    # The window centres are columns 3.5 and 7.5; the mix is symmetric about 5.5, between them.
    np.testing.assert_allclose(out[4:8] + out[7:3:-1], 4.0, rtol=1e-14)
    assert out[5] < 0.5 and out[6] > 3.5       # Gaussian weights: the nearer centre dominates


def test_sliding_window_unet_odd_non_square_and_smaller_than_the_window():
    nx.manual_seed(4)
    unet = UNet(3, 2, features=[4, 8], final_activation="softmax")
    out = SlidingWindowInference(unet, 16, batch_size=3)(nx.randn(1, 3, 45, 13))
    assert tuple(out.shape) == (1, 2, 45, 13)      # 13 < 16: the windows are 16 x 13
    np.testing.assert_allclose(out.numpy().sum(axis=1), 1.0, rtol=1e-5)


def test_peak_memory_does_not_grow_with_the_image():
    """A 1 x 3 x 1024 x 1024 image in 128 x 128 windows: the memory beyond the input and the
    output is that of one batch of windows, the same as for an image a quarter the size."""
    nx.manual_seed(5)
    model = Sequential(Conv2d(3, 8, kernel_size=3, padding=1), ReLU(),
                       Conv2d(8, 1, kernel_size=1))
    sw = SlidingWindowInference(model, 128, batch_size=4)
    sw(nx.randn(1, 3, 256, 256))                   # first call: lazily built caches

    def extra(side):
        x = nx.randn(1, 3, side, side)
        tracemalloc.start()
        out = sw(x)
        peak = tracemalloc.get_traced_memory()[1]   # x was allocated before: not counted
        tracemalloc.stop()
        output_bytes = out.numel() * 4
        return peak - output_bytes, x.numel() * 4 + output_bytes

    small, _ = extra(512)
    large, in_out = extra(1024)
    assert large < 1.2 * small + 2 ** 20, (large, small)           # independent of the image
    assert large + in_out < 1.5 * in_out, (large, in_out)          # within 1.5 x input + output


# ----- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("build, error, message", [
    (lambda: MultiScaleInference(lambda x: x), TypeError,
     r"MultiScaleInference: model must be a neurenix.nn.Module, got function"),
    (lambda: MultiScaleInference(Identity(), [1.0, 0.0]), ValueError,
     r"MultiScaleInference: scale must be a positive number, got 0.0"),
    (lambda: MultiScaleInference(Identity(), merge="median"), ValueError,
     r"MultiScaleInference: unknown merge 'median'; valid values are 'mean', 'max'"),
    (lambda: SlidingWindowInference(Identity(), 0), ValueError,
     r"SlidingWindowInference: window_size must be a positive integer, got 0"),
    (lambda: SlidingWindowInference(Identity(), (4, 4, 4)), ValueError,
     r"SlidingWindowInference: window_size must be an int or an \(h, w\) pair, got \(4, 4, 4\)"),
    (lambda: SlidingWindowInference(Identity(), 4, overlap=1.0), ValueError,
     r"SlidingWindowInference: overlap must be a number in \[0, 1\), got 1.0"),
    (lambda: SlidingWindowInference(Identity(), 4, blend="linear"), ValueError,
     r"SlidingWindowInference: unknown blend 'linear'; valid values are 'gaussian', 'constant'"),
    (lambda: SlidingWindowInference(Identity(), 4, batch_size=0), ValueError,
     r"SlidingWindowInference: batch_size must be a positive integer, got 0"),
    (lambda: SlidingWindowInference(None, 4), TypeError,
     r"SlidingWindowInference: model must be a neurenix.nn.Module, got NoneType"),
])
def test_constructor_errors(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_forward_errors():
    with pytest.raises(ValueError, match=r"MultiScaleInference: input must be a batch of images "
                                         r"\(N, C, H, W\), got shape \(3, 4\)"):
        MultiScaleInference(Identity())(nx.randn(3, 4))
    halving = Conv2d(3, 1, kernel_size=2, stride=2)
    with pytest.raises(ValueError, match=r"SlidingWindowInference: the model maps windows "
                                         r"\(4, 3, 8, 8\) to \(4, 1, 4, 4\); sliding-window "
                                         r"inference needs one prediction of the window's size"):
        SlidingWindowInference(halving, 8)(nx.randn(1, 3, 20, 20))
    flatten = Sequential(nx.nn.Flatten())
    with pytest.raises(ValueError, match=r"MultiScaleInference: model output at scale 0.5 must "
                                         r"be a batch of images \(N, C, H, W\), got shape"):
        MultiScaleInference(flatten, [0.5])(nx.randn(1, 3, 8, 8))
