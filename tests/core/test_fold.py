"""unfold (im2col) and fold (col2im): PyTorch comparisons to second order (unbatched, empty and
non-contiguous inputs), gradient checks to second order, each the other's backward, the
convolution as a product with unfold's columns, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.core.ops.fold import FoldOp, UnfoldOp
from neurenix.testing import assert_matches, tensors

F = nx.nn.functional

WINDOWS = [  # image shape, kernel_size, keyword arguments
    ((2, 3, 5, 6), 2, {}),
    ((2, 3, 5, 6), (2, 3), dict(stride=(2, 1), padding=1)),
    ((1, 2, 7, 7), 3, dict(dilation=2, padding=2, stride=2)),
    ((1, 2, 4, 4), 4, {}),  # one window
    ((1, 2, 3, 3), 1, dict(padding=(2, 0))),  # windows entirely in the padding
    ((3, 4, 5), 2, dict(stride=2)),  # unbatched (C, H, W)
    ((0, 2, 4, 4), 2, {}),  # empty batch
]


def _blocks(shape, kernel, kwargs):
    k = (kernel,) * 2 if isinstance(kernel, int) else kernel

    def two(name, default):
        v = kwargs.get(name, default)
        return (v, v) if isinstance(v, int) else v
    d, p, s = two("dilation", 1), two("padding", 0), two("stride", 1)
    return int(np.prod([(n + 2 * p_ - d_ * (k_ - 1) - 1) // s_ + 1
                        for n, k_, d_, p_, s_ in zip(shape[-2:], k, d, p, s)]))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, kernel, kwargs", WINDOWS)
def test_unfold_matches_torch(shape, kernel, kwargs, dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    assert_matches(torch, lambda lib, x: lib.nn.functional.unfold(x, kernel, **kwargs), x,
                   second_order=dtype == np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, kernel, kwargs", WINDOWS)
def test_fold_matches_torch(shape, kernel, kwargs, dtype):
    """Columns of the shape unfold makes of ``shape``, folded back (overlaps add up)."""
    torch = pytest.importorskip("torch")
    k = (kernel,) * 2 if isinstance(kernel, int) else kernel
    cols = shape[:-3] + (shape[-3] * k[0] * k[1], _blocks(shape, kernel, kwargs))
    x = np.random.default_rng(1).standard_normal(cols).astype(dtype)
    assert_matches(torch, lambda lib, x: lib.nn.functional.fold(x, shape[-2:], kernel,
                                                                 **kwargs), x,
                   second_order=dtype == np.float64)


def test_unfold_and_fold_of_non_contiguous_inputs_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    image = np.swapaxes(rng.standard_normal((2, 5, 3, 4)), 1, 2)  # (2, 3, 5, 4), strided
    assert_matches(torch, lambda lib, x: lib.nn.functional.unfold(x, 2, padding=1), image,
                   second_order=True)
    cols = np.swapaxes(rng.standard_normal((2, 30, 12)), 1, 2)  # (2, 12, 30), strided
    assert_matches(torch, lambda lib, x: lib.nn.functional.fold(x, (5, 4), 2, padding=1), cols,
                   second_order=True)


@st.composite
def _window_problem(draw):
    k = (draw(st.integers(1, 2)), draw(st.integers(1, 3)))
    kwargs = dict(dilation=draw(st.integers(1, 2)), padding=draw(st.integers(0, 1)),
                  stride=draw(st.integers(1, 2)))
    smallest = [max(1, kwargs["dilation"] * (n - 1) + 1 - 2 * kwargs["padding"]) for n in k]
    size = tuple(draw(st.integers(n, n + 2)) for n in smallest)
    return k, kwargs, (draw(st.integers(1, 2)), 2) + size


@given(problem=_window_problem(), data=st.data())
def test_unfold_and_fold_gradcheck(problem, data):
    k, kwargs, shape = problem
    x = data.draw(tensors(shape, requires_grad=True))
    assert nx.gradcheck(lambda x: F.unfold(x, k, **kwargs), (x,))
    cols = data.draw(tensors(F.unfold(x, k, **kwargs).shape, requires_grad=True))
    assert nx.gradcheck(lambda c: F.fold(c, shape[2:], k, **kwargs), (cols,))


@settings(max_examples=10)
@given(problem=_window_problem(), data=st.data())
def test_unfold_and_fold_gradgradcheck(problem, data):
    """Both are linear: a tanh after them makes the second derivative non-zero."""
    k, kwargs, shape = problem
    x = data.draw(tensors(shape, requires_grad=True))
    assert nx.gradgradcheck(lambda x: F.unfold(x, k, **kwargs).tanh(), (x,))
    cols = data.draw(tensors(F.unfold(x, k, **kwargs).shape, requires_grad=True))
    assert nx.gradgradcheck(lambda c: F.fold(c, shape[2:], k, **kwargs).tanh(), (cols,))


def test_unfold_and_fold_are_each_others_backward():
    """<unfold(x), c> = <x, fold(c)>, and each one's gradient is the other op."""
    rng = np.random.default_rng(3)
    x = nx.tensor(rng.standard_normal((2, 3, 5, 4)), requires_grad=True)
    cols = F.unfold(x, (2, 3), padding=1, stride=(2, 1))
    c = nx.tensor(rng.standard_normal(cols.shape), requires_grad=True)
    folded = F.fold(c, (5, 4), (2, 3), padding=1, stride=(2, 1))
    assert np.isclose((cols.numpy() * c.numpy()).sum(), (x.numpy() * folded.numpy()).sum())
    (grad_x,) = nx.autograd.grad(cols, x, c, create_graph=True)
    assert type(grad_x.grad_fn) is FoldOp
    np.testing.assert_allclose(grad_x.numpy(), folded.numpy())
    (grad_c,) = nx.autograd.grad(folded, c, x, create_graph=True)
    assert type(grad_c.grad_fn) is UnfoldOp
    np.testing.assert_allclose(grad_c.numpy(), cols.numpy())


def test_conv2d_is_a_product_with_unfolds_columns():
    rng = np.random.default_rng(4)
    x, w = nx.tensor(rng.standard_normal((2, 3, 6, 5))), nx.tensor(rng.standard_normal((4, 3, 3,
                                                                                        3)))
    cols = F.unfold(x, 3, padding=1, stride=2)  # (2, 27, 3 * 3)
    out = (w.reshape(4, 27) @ cols).reshape(2, 4, 3, 3)
    np.testing.assert_allclose(out.numpy(), nx.conv2d(x, w, padding=1, stride=2).numpy())


def _raises(parts, fn, *args, **kwargs):
    with pytest.raises(ValueError) as info:
        fn(*args, **kwargs)
    for part in parts:
        assert part in str(info.value), (part, str(info.value))


def test_errors_name_the_op_and_shapes():
    _raises(["unfold", "4-D", "(3, 4)"], F.unfold, nx.zeros(3, 4), 2)
    _raises(["unfold", "(1, 2, 2, 2)", "sliding blocks"], F.unfold, nx.zeros(1, 2, 2, 2), 3)
    _raises(["unfold", "stride (0, 0)"], F.unfold, nx.zeros(1, 2, 4, 4), 2, stride=0)
    _raises(["unfold", "kernel_size"], F.unfold, nx.zeros(1, 2, 4, 4), (2, 2, 2))
    _raises(["fold", "3-D", "(2, 3, 4, 5)"], F.fold, nx.zeros(2, 3, 4, 5), (4, 4), 2)
    _raises(["fold", "divisible", "4 taps", "(1, 6, 9)"], F.fold, nx.zeros(1, 6, 9), (4, 4), 2)
    _raises(["fold", "3 * 3 = 9", "(1, 8, 10)"], F.fold, nx.zeros(1, 8, 10), (4, 4), 2)
    _raises(["fold", "output_size (1, 1)", "sliding blocks"], F.fold, nx.zeros(1, 8, 1),
            (1, 1), 2)
