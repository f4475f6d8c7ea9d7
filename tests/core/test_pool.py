"""max/avg pooling and adaptive pooling: PyTorch comparisons, gradient checks, errors."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches


def _functional(lib):
    return lib if lib is nx else lib.nn.functional


MAX_POOL = [  # x shape, keyword arguments
    ((2, 3, 6, 6), dict(kernel_size=2)),
    ((2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 2, 7, 9), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 2, 6, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),  # last window dropped
    ((1, 2, 8, 7), dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0), dilation=(2, 1),
                        ceil_mode=True)),
    ((2, 1, 9, 9), dict(kernel_size=3, dilation=2, padding=1)),
    ((1, 3, 5, 4), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)),
    ((1, 2, 5, 5), dict(kernel_size=1, stride=2)),
    ((1, 1, 1, 1), dict(kernel_size=2, padding=1, dilation=2)),  # a window of padding: -inf
]

AVG_POOL = [  # x shape, keyword arguments
    ((2, 3, 6, 6), dict(kernel_size=2)),
    ((2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 3, 7, 9), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((1, 2, 6, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((1, 2, 6, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                        count_include_pad=False)),
    ((1, 2, 7, 5), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), divisor_override=4)),
    ((1, 3, 5, 4), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)),
    ((2, 2, 5, 5), dict(kernel_size=3, stride=1, padding=1, count_include_pad=False)),
]

ADAPTIVE = [  # x shape, output_size
    ((2, 3, 7, 9), (3, 2)),
    ((2, 3, 5, 5), 3),
    ((1, 2, 6, 6), (2, 3)),  # uniform bins: an ordinary pool
    ((1, 2, 4, 3), (3, 2)),  # uniform overlapping bins: kernel 2, stride 1 along H
    ((1, 2, 4, 3), (8, 7)),  # more outputs than inputs
    ((2, 2, 7, 9), (None, 4)),
    ((2, 2, 7, 9), (5, None)),
    ((2, 3, 5, 7), 1),  # global pooling
    ((1, 1, 13, 10), (6, 4)),
]


def _distinct(shape, dtype, seed=0):
    """Values at least 0.1 apart, so no window has two maxima (or a near-tie a finite
    difference could flip)."""
    rng = np.random.default_rng(seed)
    return (rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, kwargs", MAX_POOL)
def test_max_pool2d_matches_torch(shape, kwargs, dtype):
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, x: _functional(lib).max_pool2d(x, **kwargs),
                   _distinct(shape, dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, kwargs", AVG_POOL)
def test_avg_pool2d_matches_torch(shape, kwargs, dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    assert_matches(torch, lambda lib, x: _functional(lib).avg_pool2d(x, **kwargs), x)


@pytest.mark.parametrize("name", ["adaptive_avg_pool2d", "adaptive_max_pool2d"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, output_size", ADAPTIVE)
def test_adaptive_pool2d_matches_torch(shape, output_size, dtype, name):
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, x: getattr(_functional(lib), name)(x, output_size),
                   _distinct(shape, dtype))


@pytest.mark.parametrize("name, args", [("max_pool2d", (2,)), ("adaptive_max_pool2d", ((3, 2),)),
                                        ("max_pool2d", (3, 1, 1))])
def test_max_pool_ties_pick_the_first_maximum_like_torch(name, args):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).integers(0, 2, (2, 2, 7, 6)).astype(np.float64)
    assert_matches(torch, lambda lib, x: getattr(_functional(lib), name)(x, *args), x)


@pytest.mark.filterwarnings("ignore:invalid value")  # the contracted loss sums -inf terms
@pytest.mark.parametrize("args", [(3, 1, 1), (2, 2, 1), (3, 2, 1, 2, True), ((2, 3), 1, (1, 1))])
def test_max_pool_of_minus_inf_routes_the_gradient_into_the_input_like_torch(args):
    # -inf padding ties with -inf inputs: the gradient must reach the window's first input
    # position (PyTorch), not vanish into the padding.
    torch = pytest.importorskip("torch")
    x = np.full((1, 2, 5, 6), -np.inf)
    x[0, 1, 2:, 3:] = np.random.default_rng(3).standard_normal((3, 3))
    assert_matches(torch, lambda lib, x: _functional(lib).max_pool2d(x, *args), x)


@pytest.mark.parametrize("name, args", [("max_pool2d", (2,)), ("avg_pool2d", (3, 2, 1)),
                                        ("adaptive_avg_pool2d", (2,)),
                                        ("adaptive_max_pool2d", (2,))])
def test_unbatched_input_matches_torch(name, args):
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, x: getattr(_functional(lib), name)(x, *args),
                   _distinct((3, 5, 7), np.float64))


@pytest.mark.parametrize("fn", [lambda x: nx.max_pool2d(x, 3, 2, 1, ceil_mode=True),
                                lambda x: nx.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
                                lambda x: nx.adaptive_avg_pool2d(x, (3, 2)),
                                lambda x: nx.adaptive_max_pool2d(x, (3, 2))])
def test_float32_stays_float32(fn):
    x = nx.randn(1, 2, 7, 9, requires_grad=True)
    out = fn(x)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == nx.float32


@st.composite
def _pool_params(draw, dilation: bool):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    reach = [d * (k - 1) + 1 for d, k in zip(dil, kernel)]
    size = tuple(draw(st.integers(max(1, r - 2 * p), r + 3)) for r, p in zip(reach, padding))
    return size, dict(kernel_size=kernel, stride=stride, padding=padding,
                      ceil_mode=draw(st.booleans())), dil


def _distinct_tensor(data, shape):
    order = data.draw(st.permutations(range(int(np.prod(shape)))))
    return nx.tensor(np.array(order, dtype=np.float64).reshape(shape) * 0.1, requires_grad=True)


@given(data=st.data())
def test_max_pool2d_gradcheck(data):
    size, kwargs, dilation = data.draw(_pool_params(dilation=True))
    x = _distinct_tensor(data, (2, 2) + size)
    # a dilated window can see only padding: its output is -inf (as in PyTorch), no gradient
    assume(np.isfinite(nx.max_pool2d(x, dilation=dilation, **kwargs).numpy()).all())
    assert nx.gradcheck(lambda x: nx.max_pool2d(x, dilation=dilation, **kwargs), (x,))


@given(data=st.data())
def test_avg_pool2d_gradcheck(data):
    size, kwargs, _ = data.draw(_pool_params(dilation=False))
    include, override = data.draw(st.booleans()), data.draw(st.sampled_from([None, 2, 5]))
    x = _distinct_tensor(data, (2, 2) + size)
    assert nx.gradcheck(lambda x: nx.avg_pool2d(x, count_include_pad=include,
                                                divisor_override=override, **kwargs), (x,))


@pytest.mark.parametrize("name", ["adaptive_avg_pool2d", "adaptive_max_pool2d"])
@given(data=st.data())
def test_adaptive_pool2d_gradcheck(name, data):
    size = (data.draw(st.integers(1, 7)), data.draw(st.integers(1, 7)))
    output_size = (data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5)))
    x = _distinct_tensor(data, (1, 2) + size)
    out = getattr(nx, name)(x, output_size)
    assert out.shape == (1, 2) + output_size
    assert nx.gradcheck(lambda x: getattr(nx, name)(x, output_size), (x,))


def test_adaptive_avg_pool2d_averages_pytorch_bins():
    """7 -> 3 bins are [0, 3), [2, 5), [4, 7): overlapping, of size 3."""
    x = nx.tensor(np.arange(7.0).reshape(1, 1, 1, 7))
    assert nx.adaptive_avg_pool2d(x, (1, 3)).tolist() == [[[[1.0, 3.0, 5.0]]]]
    assert nx.adaptive_max_pool2d(x, (1, 3)).tolist() == [[[[2.0, 4.0, 6.0]]]]


def _raises(parts, fn, *args, **kwargs):
    with pytest.raises((ValueError, TypeError)) as info:
        fn(*args, **kwargs)
    for part in parts:
        assert part in str(info.value), (part, str(info.value))


def test_pool_errors_name_the_op_and_shapes():
    x = nx.zeros(1, 2, 5, 5)
    _raises(["max_pool2d", "padding (2, 2)", "half", "(3, 3)", "(1, 2, 5, 5)"], nx.max_pool2d,
            x, 3, padding=2)
    _raises(["avg_pool2d", "padding (2, 2)", "(3, 3)"], nx.avg_pool2d, x, 3, padding=2)
    _raises(["max_pool2d", "output size", "(1, 2, 2, 2)"], nx.max_pool2d, nx.zeros(1, 2, 2, 2), 5)
    _raises(["max_pool2d", "stride (0, 0)"], nx.max_pool2d, x, 2, 0)
    _raises(["avg_pool2d", "4-D", "(5, 5)"], nx.avg_pool2d, nx.zeros(5, 5), 2)
    _raises(["avg_pool2d", "divisor_override"], nx.avg_pool2d, x, 2, divisor_override=0)
    _raises(["adaptive_avg_pool2d", "output_size", "(1, 2, 5, 5)"], nx.adaptive_avg_pool2d, x,
            (0, 2))
    _raises(["adaptive_max_pool2d", "output_size"], nx.adaptive_max_pool2d, x, (1, 2, 3))
