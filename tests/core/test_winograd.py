"""The convolution kernels' speed paths against the reference im2col + GEMM path and PyTorch:
Winograd F(2x2, 3x3) (forward and a stride-1 transposed convolution), the column blocks of
im2col / col2im / the weight gradient, both orientations of the weight gradient's product,
the stride == kernel transposed convolution, and the channel-major layout of the outputs."""
import numpy as np
import pytest

import neurenix as nx
from neurenix.core.ops import conv, winograd
from neurenix.testing import assert_matches


@pytest.fixture
def always_winograd(monkeypatch):
    """Take the Winograd path for every eligible convolution, however small."""
    monkeypatch.setattr(winograd, "ENABLED", True)
    monkeypatch.setattr(winograd, "MIN_CHANNELS", 1)
    monkeypatch.setattr(winograd, "MIN_TILES", 1)


@pytest.fixture
def never_winograd(monkeypatch):
    monkeypatch.setattr(winograd, "ENABLED", False)


def _rng_arrays(dtype, *shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


WINOGRAD = [  # x shape, out channels, pads (top, bottom, left, right)
    ((2, 3, 8, 8), 4, (1, 1, 1, 1)),
    ((1, 2, 7, 9), 3, (1, 1, 1, 1)),      # odd output sizes: a half-used last tile
    ((2, 4, 6, 5), 2, (0, 0, 0, 0)),      # valid
    ((1, 3, 5, 6), 2, (2, 2, 2, 2)),
    ((1, 2, 6, 7), 3, (1, 0, 2, 1)),      # asymmetric ("same" with an even total)
    ((0, 2, 6, 6), 3, (1, 1, 1, 1)),      # empty batch
]


def _reference_conv(x, w, pads):
    """The plain form: pad, im2col, one GEMM (``conv.conv_forward``)."""
    return conv.conv_forward(x, w, None, (1, 1), pads, (1, 1), 1)


@pytest.mark.parametrize("x_shape, out_channels, pads", WINOGRAD)
def test_winograd_forward_matches_im2col(x_shape, out_channels, pads):
    x, w = _rng_arrays(np.float64, x_shape, (out_channels, x_shape[1], 3, 3))
    np.testing.assert_allclose(winograd.conv2d_3x3(x, w, pads), _reference_conv(x, w, pads),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("x_shape, out_channels, pads", WINOGRAD)
def test_winograd_transposed_matches_col2im(x_shape, out_channels, pads):
    g, w = _rng_arrays(np.float64, x_shape, (x_shape[1], out_channels, 3, 3))
    size = tuple(conv.transposed_output_size(n, 0, 3, 1, 1, 0) - a - b for n, a, b in zip(
        x_shape[2:], pads[::2], pads[1::2]))
    reference = conv.col2im_matmul(conv.channel_major(g), w, (x_shape[0], out_channels) + size,
                                   (1, 1), pads, (1, 1), 1)
    flipped = conv.flipped_kernel(w, 1)  # (in, out, 3, 3): the conv2d weight it adjoins
    ours = winograd.conv2d_3x3(g, flipped, tuple(2 - p for p in pads))
    np.testing.assert_allclose(ours, reference, rtol=1e-12, atol=1e-12)


def test_filter_transform_is_g_w_gt():
    (w,) = _rng_arrays(np.float64, (3, 2, 3, 3))
    G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
    expected = np.einsum("ai,ocij,bj->aboc", G, w, G).reshape(16, 3, 2)
    np.testing.assert_allclose(winograd.filter_transform(w), expected, rtol=1e-14)


def test_winograd_float32_error_is_within_torch_tolerance():
    """float32 Winograd is as close to the exact (float64) result as PyTorch's own float32
    convolution is, on a realistic layer (64 -> 64 channels), and within the float32
    tolerance of the comparisons with PyTorch."""
    torch = pytest.importorskip("torch")
    x, w = _rng_arrays(np.float32, (2, 64, 16, 16), (64, 64, 3, 3))
    exact = _reference_conv(x.astype(np.float64), w.astype(np.float64), (1, 1, 1, 1))
    ours = winograd.conv2d_3x3(x, w, (1, 1, 1, 1))
    theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), padding=1).numpy()
    our_error, their_error = np.abs(ours - exact), np.abs(theirs - exact)
    assert our_error.max() <= 2 * their_error.max()
    assert np.sqrt((our_error ** 2).mean()) <= 2 * np.sqrt((their_error ** 2).mean())
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5 * np.abs(theirs).max())


@pytest.mark.usefixtures("always_winograd")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv2d_through_winograd_matches_torch_to_second_order(dtype):
    torch = pytest.importorskip("torch")
    arrays = _rng_arrays(dtype, (2, 3, 7, 6), (4, 3, 3, 3), (4,))
    assert_matches(torch, lambda lib, x, w, b: (nx if lib is nx else lib.nn.functional).conv2d(
        x, w, b, padding=1), *arrays, second_order=True)


@pytest.mark.usefixtures("always_winograd")
def test_conv_transpose2d_through_winograd_matches_torch_to_second_order():
    torch = pytest.importorskip("torch")
    arrays = _rng_arrays(np.float64, (2, 3, 5, 6), (3, 4, 3, 3), (4,))
    assert_matches(torch, lambda lib, x, w, b: (nx if lib is nx else lib.nn.functional)
                   .conv_transpose2d(x, w, b, padding=1), *arrays, second_order=True)


@pytest.mark.usefixtures("always_winograd")
def test_winograd_path_keeps_gradgradcheck():
    x, w = (nx.tensor(a, requires_grad=True) for a in _rng_arrays(np.float64, (1, 2, 5, 4),
                                                                  (2, 2, 3, 3)))
    assert nx.gradcheck(lambda a, b: nx.conv2d(a, b, padding=1), (x, w))
    assert nx.gradgradcheck(lambda a, b: nx.conv2d(a, b, padding=1), (x, w))


def test_winograd_is_taken_only_where_it_pays(monkeypatch):
    monkeypatch.setattr(winograd, "ENABLED", True)
    calls = []
    monkeypatch.setattr(winograd, "conv2d_3x3", lambda *a: calls.append(a) or
                        _reference_conv(*a))
    nx.conv2d(nx.zeros(1, 8, 8, 8), nx.zeros(8, 8, 3, 3), padding=1)  # too few channels
    assert not calls
    nx.conv2d(nx.zeros(1, 64, 32, 32), nx.zeros(64, 64, 3, 3), padding=1)
    assert len(calls) == 1
    nx.conv2d(nx.zeros(1, 64, 32, 32), nx.zeros(64, 64, 3, 3), padding=1, dilation=2)
    assert len(calls) == 1  # not F(2x2, 3x3)'s
    monkeypatch.setattr(winograd, "ENABLED", False)
    nx.conv2d(nx.zeros(1, 64, 32, 32), nx.zeros(64, 64, 3, 3), padding=1)
    assert len(calls) == 1


@pytest.mark.usefixtures("never_winograd")
@pytest.mark.parametrize("block_bytes", [1, 700])
def test_column_blocks_match_torch(monkeypatch, block_bytes):
    """im2col, col2im and the weight gradient built a sample (or a few) at a time."""
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(conv, "_COLUMN_BLOCK_BYTES", block_bytes)
    arrays = _rng_arrays(np.float64, (3, 4, 7, 6), (6, 2, 3, 2), (6,))
    assert_matches(torch, lambda lib, x, w, b: (nx if lib is nx else lib.nn.functional).conv2d(
        x, w, b, stride=(2, 1), padding=1, groups=2), *arrays, second_order=True)


@pytest.mark.parametrize("w_shape", [(2, 3, 3, 3), (64, 3, 1, 1)])
def test_weight_grad_orientations_agree(w_shape):
    """dL/dW as dL/dout @ cols^T (large weight, few pixels) and as (cols @ dL/dout^T)^T."""
    x, = _rng_arrays(np.float64, (2, 3, 5, 5))
    pads = (1, 1, 1, 1) if w_shape[2] == 3 else (0, 0, 0, 0)
    g = conv.conv_forward(x, _rng_arrays(np.float64, w_shape)[0], None, (1, 1), pads, (1, 1), 1)
    g_cm = conv.channel_major(g)
    grad_w = conv.weight_grad(g_cm, x, w_shape, (1, 1), pads, (1, 1), 1)
    cols = conv.im2col(np.pad(x, ((0, 0), (0, 0), pads[:2], pads[2:])), *w_shape[2:], 5, 5,
                       (1, 1), (1, 1))
    expected = g_cm.reshape(w_shape[0], -1) @ cols.reshape(-1, g_cm[0].size).T
    np.testing.assert_allclose(grad_w, expected.reshape(w_shape), rtol=1e-12)


def test_stride_equal_kernel_transposed_conv_is_one_gemm_and_matches_col2im():
    x, w = _rng_arrays(np.float64, (2, 4, 3, 5), (4, 3, 2, 2))
    x_cm = conv.channel_major(x)
    reference = conv.col2im_matmul(x_cm, w, (2, 3, 6, 10), (2, 2), (0, 0, 0, 0), (1, 1), 1)
    np.testing.assert_allclose(conv.unpatchify_matmul(x_cm, w, 1), reference, rtol=1e-12)
    x, w = _rng_arrays(np.float64, (1, 4, 3, 2), (4, 1, 3, 2))  # groups, a non-square kernel
    reference = conv.col2im_matmul(conv.channel_major(x), w, (1, 2, 9, 4), (3, 2),
                                   (0, 0, 0, 0), (1, 1), 2)
    np.testing.assert_allclose(conv.unpatchify_matmul(conv.channel_major(x), w, 2), reference,
                               rtol=1e-12)


def test_outputs_are_channel_major_so_the_next_layer_needs_no_copy():
    x = nx.randn(2, 3, 8, 8)
    out = nx.conv2d(x, nx.randn(4, 3, 3, 3), padding=1)
    assert out.numpy().transpose(1, 0, 2, 3).flags.c_contiguous
    assert np.shares_memory(conv.channel_major(out.numpy()), out.numpy())
    after = nx.relu(nx.nn.functional.batch_norm(out, None, None, training=True))
    assert after.numpy().transpose(1, 0, 2, 3).flags.c_contiguous  # elementwise ops keep it


@pytest.mark.parametrize("x_shape", [(2, 3, 8, 7), (1, 2, 6, 6)])
def test_stride_equal_kernel_conv_leaves_unread_input_a_zero_gradient(x_shape):
    """A 3x3 stride-3 conv2d of 8 rows reads 6: its input gradient (the stride == kernel
    transposed convolution) is not one GEMM's tiles then, but has zero rows after them."""
    torch = pytest.importorskip("torch")
    arrays = _rng_arrays(np.float64, x_shape, (4, x_shape[1], 3, 3))
    assert_matches(torch, lambda lib, x, w: (nx if lib is nx else lib.nn.functional).conv2d(
        x, w, stride=3), *arrays, second_order=True)
