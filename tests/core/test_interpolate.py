"""interpolate: every mode x align_corners x size / scale_factor against PyTorch (values,
gradients, second derivatives), first- and second-order gradient checks, zero-size inputs as
PyTorch, errors."""
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, tensors


def _functional(lib):
    return lib if lib is nx else lib.nn.functional


MODES = [  # mode, align_corners
    ("nearest", None), ("nearest-exact", None),
    ("bilinear", None), ("bilinear", False), ("bilinear", True),
    ("bicubic", None), ("bicubic", False), ("bicubic", True),
    ("area", None),  # adaptive average pooling to the output size
]

SIZES = [  # input (H, W), keyword arguments choosing the output size
    ((5, 7), dict(size=(9, 4))),  # up in H, down in W
    ((8, 3), dict(size=(16, 6))),  # exactly 2x
    ((13, 16), dict(size=(5, 5))),
    ((1, 4), dict(size=(3, 1))),  # single rows and columns
    ((5, 7), dict(size=(5, 7))),  # same size
    ((5, 7), dict(scale_factor=1.5)),  # the kernel uses 1/1.5, not 5/7
    ((13, 11), dict(scale_factor=0.37)),
    ((5, 7), dict(scale_factor=(0.5, 2.3))),
    ((6, 5), dict(scale_factor=3)),
    ((5, 7), dict(scale_factor=1.7, recompute_scale_factor=True)),
    ((7, 9), dict(size=11)),
    ((3, 50), dict(scale_factor=(1.0, 1.01))),  # out == in: linear and nearest copy, cubic not
    ((4, 30), dict(scale_factor=2.02)),  # out == 2 * in: nearest halves the index
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode, align_corners", MODES)
@pytest.mark.parametrize("size, kwargs", SIZES)
def test_interpolate_matches_torch(size, kwargs, mode, align_corners, dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((2, 3) + size).astype(dtype)
    # PyTorch's bicubic backward copies the gradient when the sizes are equal although its
    # forward does not (see test_bicubic_equal_size_gradient_is_the_adjoint): values only.
    grad = not (mode == "bicubic" and (2, 3) + size == _equal_size_case(x.shape, kwargs))
    assert_matches(torch, lambda lib, x: _functional(lib).interpolate(
        x, mode=mode, align_corners=align_corners, **kwargs), x, grad=grad)


@pytest.mark.parametrize("mode, align_corners", MODES)
@pytest.mark.parametrize("size, kwargs", SIZES)
def test_interpolate_second_derivatives_match_torch(size, kwargs, mode, align_corners):
    """interpolate is linear, so its Hessian is zero; after a tanh the second derivative is
    J^T diag(.) J, which runs the adjoint resize's own backward (the forward resize)."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((2, 3) + size)
    if mode == "bicubic" and (2, 3) + size == _equal_size_case(x.shape, kwargs):
        return  # PyTorch's backward is not the adjoint there (see the test below)
    assert_matches(torch, lambda lib, x: lib.tanh(_functional(lib).interpolate(
        x, mode=mode, align_corners=align_corners, **kwargs)), x, second_order=True)


def _equal_size_case(shape, kwargs):
    """``shape`` when scale_factor keeps every size but is not 1, else None."""
    scales = kwargs.get("scale_factor")
    if scales is None or kwargs.get("recompute_scale_factor"):
        return None
    scales = scales if isinstance(scales, tuple) else (scales,) * 2
    same = all(int(n * s) == n for n, s in zip(shape[2:], scales))
    return tuple(shape) if same and any(s != 1 for s in scales) else None


def test_bicubic_equal_size_gradient_is_the_adjoint():
    """scale_factor=1.01 keeps a width of 50 but still resamples it: our gradient is the
    forward's adjoint (gradcheck), while PyTorch's backward copies dL/dout unchanged."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((1, 1, 3, 8))
    kwargs = dict(scale_factor=(1.0, 1.05), mode="bicubic")
    assert nx.gradcheck(lambda t: nx.interpolate(t, **kwargs), (nx.tensor(x, requires_grad=True),))
    assert_matches(torch, lambda lib, t: _functional(lib).interpolate(t, **kwargs), x, grad=False)
    reference = torch.tensor(x, requires_grad=True)
    torch.nn.functional.interpolate(reference, **kwargs).sum().backward()
    assert np.allclose(reference.grad.numpy(), 1.0)  # PyTorch: a plain copy of the ones


@pytest.mark.parametrize("mode, align_corners", [("nearest", None), ("nearest-exact", None),
                                                 ("linear", False), ("linear", True)])
@pytest.mark.parametrize("kwargs", [dict(size=9), dict(scale_factor=0.6), dict(size=3)])
def test_interpolate_1d_matches_torch(kwargs, mode, align_corners):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal((2, 3, 7))
    assert_matches(torch, lambda lib, x: _functional(lib).interpolate(
        x, mode=mode, align_corners=align_corners, **kwargs), x)
    assert_matches(torch, lambda lib, x: lib.tanh(_functional(lib).interpolate(
        x, mode=mode, align_corners=align_corners, **kwargs)), x, second_order=True)


@given(data=st.data())
def test_nearest_indices_match_torch_for_drawn_sizes(data):
    """PyTorch computes nearest indices in float32; drawn sizes and scales probe the rounding."""
    torch = pytest.importorskip("torch")
    mode = data.draw(st.sampled_from(["nearest", "nearest-exact"]))
    n = data.draw(st.integers(1, 40))
    if data.draw(st.booleans()):
        kwargs = dict(size=(1, data.draw(st.integers(1, 90))))
    else:
        kwargs = dict(scale_factor=(1.0, data.draw(st.floats(0.1, 4.0).filter(
            lambda s: int(n * s) >= 1))))
    x = np.arange(n, dtype=np.float32).reshape(1, 1, 1, n)
    assert_matches(torch, lambda lib, x: _functional(lib).interpolate(x, mode=mode, **kwargs), x)


@pytest.mark.parametrize("mode, align_corners", MODES)
@given(data=st.data())
def test_interpolate_gradcheck(mode, align_corners, data):
    size = (data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5)))
    x = data.draw(tensors((1, 2) + size, requires_grad=True))
    if data.draw(st.booleans()):
        kwargs = dict(size=(data.draw(st.integers(1, 7)), data.draw(st.integers(1, 7))))
    else:
        kwargs = dict(scale_factor=data.draw(st.sampled_from([0.5, 0.75, 1.3, 2.0, 2.5])))
        if min(int(n * kwargs["scale_factor"]) for n in size) < 1:
            kwargs["scale_factor"] = 2.0
    assert nx.gradcheck(lambda x: nx.interpolate(x, mode=mode, align_corners=align_corners,
                                                 **kwargs), (x,))


@pytest.mark.parametrize("mode, align_corners", MODES)
@settings(max_examples=10)
@given(data=st.data())
def test_interpolate_gradgradcheck(mode, align_corners, data):
    """The backward (the adjoint resize) is itself differentiable: its derivative in dL/dout is
    the forward resize, and after a tanh the second derivative in x is checked too."""
    size = (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)))
    x = data.draw(tensors((1, 2) + size, requires_grad=True))
    out_size = (data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6)))

    def resize(t):
        return nx.interpolate(t, size=out_size, mode=mode, align_corners=align_corners)

    assert nx.gradgradcheck(resize, (x,))
    assert nx.gradgradcheck(lambda t: resize(t).tanh(), (x,))


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
def test_float32_stays_float32(mode):
    x = nx.randn(1, 2, 5, 6, requires_grad=True)
    out = nx.interpolate(x, scale_factor=1.5, mode=mode)
    out.sum().backward()
    assert out.shape == (1, 2, 7, 9)
    assert out.dtype == x.grad.dtype == nx.float32


def test_bilinear_align_corners_keeps_the_corners():
    x = nx.randn(1, 1, 3, 4, dtype=nx.float64)
    out = nx.interpolate(x, size=(7, 10), mode="bilinear", align_corners=True).numpy()
    assert np.allclose(out[0, 0, ::3, ::3], x.numpy()[0, 0])


def _raises(parts, *args, **kwargs):
    with pytest.raises((ValueError, TypeError)) as info:
        nx.interpolate(*args, **kwargs)
    for part in parts:
        assert part in str(info.value), (part, str(info.value))


def test_interpolate_errors_name_the_op_and_shapes():
    x = nx.zeros(1, 2, 4, 5)
    _raises(["interpolate", "exactly one of size and scale_factor", "(1, 2, 4, 5)"], x)
    _raises(["interpolate", "exactly one", "(1, 2, 4, 5)"], x, size=3, scale_factor=2)
    _raises(["interpolate", "align_corners", "'nearest'"], x, size=3, align_corners=True)
    _raises(["interpolate", "'trilinear'"], x, size=3, mode="trilinear")
    _raises(["interpolate", "'linear'", "(1, 2, 4, 5)"], x, size=3, mode="linear")
    _raises(["interpolate", "'bilinear'", "(2, 4, 5)"], nx.zeros(2, 4, 5), size=3,
            mode="bilinear")
    _raises(["interpolate", "output size (0, 0)", "(1, 2, 4, 5)"], x, scale_factor=0.1)
    _raises(["interpolate", "output size (2.5, 2.5)", "(1, 2, 4, 5)"], x, size=2.5)
    _raises(["interpolate", "scale_factor", "(1, 2, 4, 5)"], x, scale_factor=(2.0,))
    _raises(["interpolate", "recompute_scale_factor", "size"], x, size=3,
            recompute_scale_factor=True)


@pytest.mark.parametrize("kwargs", [dict(size=3), dict(size=11), dict(scale_factor=0.5)])
def test_area_1d_and_non_contiguous_inputs_match_torch(kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    signal = rng.standard_normal((2, 3, 7))
    assert_matches(torch, lambda lib, x: _functional(lib).interpolate(x, mode="area", **kwargs)
                   .tanh(), signal, second_order=True)
    image = np.swapaxes(rng.standard_normal((2, 7, 3, 5)), 1, 2)  # (2, 3, 7, 5), strided
    assert_matches(torch, lambda lib, x: _functional(lib).interpolate(x, mode="area", **kwargs)
                   .tanh(), image, second_order=True)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic", "area"])
@pytest.mark.parametrize("kwargs", [dict(size=(4, 6)), dict(scale_factor=0.5)])
def test_an_empty_batch_resizes_to_an_empty_batch_like_torch(mode, kwargs):
    torch = pytest.importorskip("torch")
    x = np.zeros((0, 3, 8, 8))
    assert_matches(torch, lambda lib, x: _functional(lib).interpolate(x, mode=mode, **kwargs), x,
                   second_order=True)


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic", "area"])
@pytest.mark.parametrize("shape", [(2, 3, 0, 4), (2, 3, 4, 0), (0, 3, 0, 4)])
def test_an_empty_image_is_refused_like_torch(mode, shape):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.nn.functional.interpolate(torch.zeros(shape), size=(8, 8), mode=mode)
    with pytest.raises(ValueError, match=r"interpolate: input and output sizes should be "
                                         rf"greater than 0.*{re.escape(str(shape))}"):
        nx.interpolate(nx.zeros(*shape), size=(8, 8), mode=mode)


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "area"])
def test_no_channels_is_refused_but_by_area_like_torch(mode):
    """PyTorch resizes (N, 0, H, W) only in area mode (adaptive pooling)."""
    torch = pytest.importorskip("torch")
    if mode == "area":
        assert_matches(torch, lambda lib, x: _functional(lib).interpolate(x, size=3, mode=mode),
                       np.zeros((2, 0, 5, 5)), grad=False)  # PyTorch's backward refuses it
        return
    with pytest.raises(RuntimeError):
        torch.nn.functional.interpolate(torch.zeros(2, 0, 5, 5), size=3, mode=mode)
    with pytest.raises(ValueError, match=r"interpolate: non-empty data.*\(2, 0, 5, 5\)"):
        nx.interpolate(nx.zeros(2, 0, 5, 5), size=3, mode=mode)
