"""max_pool1d (with indices), avg_pool1d and adaptive_avg_pool1d: PyTorch comparisons to second
order (unbatched, empty and non-contiguous inputs), gradient checks to second order, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches


def _functional(lib):
    return lib if lib is nx else lib.nn.functional


def _distinct(shape, dtype=np.float64, seed=0):
    """Values 0.1 apart: no window has two maxima."""
    rng = np.random.default_rng(seed)
    return (rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1).astype(dtype)


MAX_POOL = [  # x shape, keyword arguments
    ((2, 3, 8), dict(kernel_size=2)),
    ((2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 2, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 2, 10), dict(kernel_size=2, stride=1, dilation=3)),
    ((3, 7), dict(kernel_size=(3,), stride=(2,))),  # unbatched (C, L), one-element tuples
    ((0, 2, 6), dict(kernel_size=2)),  # empty batch
]


@pytest.mark.parametrize("return_indices", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, kwargs", MAX_POOL)
def test_max_pool1d_matches_torch(shape, kwargs, dtype, return_indices):
    """Values, indices (int64, positions along L), gradients and second derivatives (zero)."""
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, x: _functional(lib).max_pool1d(
        x, **kwargs, return_indices=return_indices), _distinct(shape, dtype),
        second_order=dtype == np.float64)


AVG_POOL = [  # x shape, keyword arguments
    ((2, 3, 8), dict(kernel_size=2)),
    ((2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 9), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((1, 2, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((3, 7), dict(kernel_size=(2,))),  # unbatched
    ((0, 2, 6), dict(kernel_size=2)),  # empty batch
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, kwargs", AVG_POOL)
def test_avg_pool1d_matches_torch(shape, kwargs, dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    assert_matches(torch, lambda lib, x: _functional(lib).avg_pool1d(x, **kwargs), x,
                   second_order=dtype == np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, size", [((2, 3, 7), 3), ((2, 3, 8), 4), ((1, 2, 5), 1),
                                         ((1, 2, 3), 7), ((3, 9), (4,)), ((0, 2, 5), 2)])
def test_adaptive_avg_pool1d_matches_torch(shape, size, dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal(shape).astype(dtype)
    assert_matches(torch, lambda lib, x: _functional(lib).adaptive_avg_pool1d(x, size), x,
                   second_order=dtype == np.float64)


def test_pool1d_of_a_non_contiguous_input_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.swapaxes(_distinct((2, 9, 3)), 1, 2)  # (2, 3, 9), strided
    for fn in (lambda F, x: F.max_pool1d(x, 3, 2, 1), lambda F, x: F.avg_pool1d(x, 3, 2),
               lambda F, x: F.adaptive_avg_pool1d(x, 4)):
        assert_matches(torch, lambda lib, x: fn(_functional(lib), x), x, second_order=True)


@st.composite
def _pool_problem(draw):
    """(op, x, kwargs): a float64 (N, C, L) input of distinct values, and a pool that fits."""
    op = draw(st.sampled_from(["max", "avg", "adaptive"]))
    length = draw(st.integers(3, 7))
    x = np.array(draw(st.permutations(range(2 * 2 * length))), np.float64)
    x = nx.tensor(x.reshape(2, 2, length) * 0.1 - 1, requires_grad=True)
    if op == "adaptive":
        return nx.adaptive_avg_pool1d, x, dict(output_size=draw(st.integers(1, 5)))
    k = draw(st.integers(1, 3))
    kwargs = dict(kernel_size=k, stride=draw(st.integers(1, 2)), padding=draw(st.integers(0,
                                                                                      k // 2)))
    return (nx.max_pool1d if op == "max" else nx.avg_pool1d), x, kwargs


@given(problem=_pool_problem())
def test_pool1d_gradcheck(problem):
    fn, x, kwargs = problem
    assert nx.gradcheck(lambda x: fn(x, **kwargs), (x,))


@settings(max_examples=10)
@given(problem=_pool_problem())
def test_pool1d_gradgradcheck(problem):
    """The pools are linear in x (max pooling with its argmax fixed): a tanh after them makes
    the second derivative non-zero."""
    fn, x, kwargs = problem
    assert nx.gradgradcheck(lambda x: fn(x, **kwargs).tanh(), (x,))


def _raises(parts, fn, *args, **kwargs):
    with pytest.raises(ValueError) as info:
        fn(*args, **kwargs)
    for part in parts:
        assert part in str(info.value), (part, str(info.value))


def test_pool1d_errors_name_the_op_and_shapes():
    x = nx.zeros(2, 3, 8)
    _raises(["max_pool1d", "3-D", "(2, 3, 8, 1)"], nx.max_pool1d, nx.zeros(2, 3, 8, 1), 2)
    _raises(["max_pool1d", "kernel_size", "(2, 2)"], nx.max_pool1d, x, (2, 2))
    _raises(["avg_pool1d", "padding", "at most half"], nx.avg_pool1d, x, 2, padding=2)
    _raises(["avg_pool1d", "empty"], nx.avg_pool1d, x, 9)
    _raises(["adaptive_avg_pool1d", "output_size"], nx.adaptive_avg_pool1d, x, (2, 2))
    _raises(["adaptive_avg_pool1d", "positive"], nx.adaptive_avg_pool1d, x, 0)
    _raises(["max_pool1d", "int64"], nx.max_pool1d, nx.tensor([[1, 2, 3]]), 2)
