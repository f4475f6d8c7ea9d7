"""pixel_shuffle and pixel_unshuffle: PyTorch comparisons to second order (extra batch
dimensions, unbatched, empty and non-contiguous inputs), gradient checks to second order, each
the other's inverse, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, tensors


def _functional(lib):
    return lib if lib is nx else lib.nn.functional


SHUFFLE = [  # input shape, factor
    ((2, 8, 3, 4), 2),
    ((1, 9, 2, 2), 3),
    ((4, 3, 5), 1),  # unbatched, factor 1
    ((2, 3, 4, 2, 2), 2),  # two batch dimensions
]

UNSHUFFLE = [
    ((2, 2, 6, 4), 2),
    ((1, 1, 6, 9), 3),
    ((3, 4, 4), 2),  # unbatched
    ((2, 3, 2, 4, 6), 2),  # two batch dimensions
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, shape, factor", [("pixel_shuffle", *c) for c in SHUFFLE] +
                         [("pixel_unshuffle", *c) for c in UNSHUFFLE])
def test_matches_torch(name, shape, factor, dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    assert_matches(torch, lambda lib, x: getattr(_functional(lib), name)(x, factor), x,
                   second_order=dtype == np.float64)


@pytest.mark.parametrize("name, shape", [("pixel_shuffle", (0, 1, 4, 4)),
                                         ("pixel_unshuffle", (0, 16, 1, 1))])
def test_an_empty_batch_gives_an_empty_output_and_gradient(name, shape):
    """(Not compared with PyTorch 2.13, whose pixel_unshuffle returns an empty batch in its
    input's shape and whose pixel_shuffle backward fails on one.)"""
    x = nx.zeros(0, 4, 2, 2, requires_grad=True)
    out = getattr(nx, name)(x, 2)
    out.sum().backward()
    assert out.shape == shape and x.grad.shape == (0, 4, 2, 2)


def test_non_contiguous_inputs_match_torch():
    torch = pytest.importorskip("torch")
    x = np.swapaxes(np.random.default_rng(1).standard_normal((2, 4, 8, 6)), 1, 2)  # (2, 8, 4, 6)
    assert_matches(torch, lambda lib, x: _functional(lib).pixel_shuffle(x, 2), x,
                   second_order=True)
    assert_matches(torch, lambda lib, x: _functional(lib).pixel_unshuffle(x, 2), x,
                   second_order=True)


def test_each_is_the_others_inverse_and_moves_channels_into_blocks():
    x = nx.arange(16.0).reshape(1, 4, 2, 2)
    out = nx.pixel_shuffle(x, 2)
    # channel c*4 + i*2 + j lands on pixel (h*2 + i, w*2 + j)
    assert out[0, 0, :2, :2].tolist() == [[0.0, 4.0], [8.0, 12.0]]
    np.testing.assert_array_equal(nx.pixel_unshuffle(out, 2).numpy(), x.numpy())


@given(data=st.data())
def test_gradcheck(data):
    r = data.draw(st.integers(1, 2))
    x = data.draw(tensors((data.draw(st.integers(1, 2)), 2 * r * r, 2, 3), requires_grad=True))
    assert nx.gradcheck(lambda x: nx.pixel_shuffle(x, r), (x,))
    y = data.draw(tensors((1, 2, 2 * r, 3 * r), requires_grad=True))
    assert nx.gradcheck(lambda y: nx.pixel_unshuffle(y, r), (y,))


@settings(max_examples=10)
@given(data=st.data())
def test_gradgradcheck(data):
    """Linear rearrangements: a tanh after them makes the second derivative non-zero."""
    x = data.draw(tensors((1, 8, 2, 2), requires_grad=True))
    assert nx.gradgradcheck(lambda x: nx.pixel_shuffle(x, 2).tanh(), (x,))
    assert nx.gradgradcheck(lambda x: nx.pixel_unshuffle(x.reshape(1, 2, 4, 4), 2).tanh(), (x,))


def _raises(parts, fn, *args):
    with pytest.raises(ValueError) as info:
        fn(*args)
    for part in parts:
        assert part in str(info.value), (part, str(info.value))


def test_errors_name_the_op_and_shapes():
    _raises(["pixel_shuffle", "divisible", "(1, 6, 2, 2)", "4"], nx.pixel_shuffle,
            nx.zeros(1, 6, 2, 2), 2)
    _raises(["pixel_shuffle", "3 dimensions", "(4, 4)"], nx.pixel_shuffle, nx.zeros(4, 4), 2)
    _raises(["pixel_shuffle", "upscale_factor", "0"], nx.pixel_shuffle, nx.zeros(1, 4, 2, 2), 0)
    _raises(["pixel_unshuffle", "divisible", "(1, 2, 5, 4)"], nx.pixel_unshuffle,
            nx.zeros(1, 2, 5, 4), 2)
    _raises(["pixel_unshuffle", "downscale_factor"], nx.pixel_unshuffle, nx.zeros(1, 2, 4, 4),
            2.0)
