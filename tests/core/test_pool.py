"""max/avg pooling and adaptive pooling: PyTorch comparisons and gradient checks to second
order, the adjoint ops their backward passes are made of, errors."""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.core.ops.pool import GatherAtArgmax, ScatterToArgmax, SpreadOverWindows
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
    """Forward and gradients; in float64 also the second derivatives (zero: with its argmax
    fixed, a pool is linear in x)."""
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, x: _functional(lib).max_pool2d(x, **kwargs),
                   _distinct(shape, dtype), second_order=dtype == np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, kwargs", AVG_POOL)
def test_avg_pool2d_matches_torch(shape, kwargs, dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).standard_normal(shape).astype(dtype)
    assert_matches(torch, lambda lib, x: _functional(lib).avg_pool2d(x, **kwargs), x,
                   second_order=dtype == np.float64)


@pytest.mark.parametrize("name", ["adaptive_avg_pool2d", "adaptive_max_pool2d"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, output_size", ADAPTIVE)
def test_adaptive_pool2d_matches_torch(shape, output_size, dtype, name):
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, x: getattr(_functional(lib), name)(x, output_size),
                   _distinct(shape, dtype), second_order=dtype == np.float64)


SECOND_ORDER = (  # name, x shape, positional and keyword arguments
    [("max_pool2d", shape, (), kwargs) for shape, kwargs in MAX_POOL
     if shape != (1, 1, 1, 1)]  # its window sees only padding: a -inf output
    + [("avg_pool2d", shape, (), kwargs) for shape, kwargs in AVG_POOL]
    + [(name, shape, (size,), {}) for shape, size in ADAPTIVE
       for name in ("adaptive_avg_pool2d", "adaptive_max_pool2d")])


@pytest.mark.parametrize("name, shape, args, kwargs", SECOND_ORDER)
def test_pool_second_derivatives_match_torch(name, shape, args, kwargs):
    """Of pool(x) ** 2, in float64: a pool's own second derivative is zero, the square's
    Hessian 2 P^T diag(v) P is not, and it runs the pool's backward and the backward of that
    backward."""
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, x: getattr(_functional(lib), name)(x, *args, **kwargs) ** 2,
                   _distinct(shape, np.float64), second_order=True)


@pytest.mark.parametrize("name, args", [("max_pool2d", (2,)), ("adaptive_max_pool2d", ((3, 2),)),
                                        ("max_pool2d", (3, 1, 1))])
def test_max_pool_ties_pick_the_first_maximum_like_torch(name, args):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).integers(0, 2, (2, 2, 7, 6)).astype(np.float64)
    assert_matches(torch, lambda lib, x: getattr(_functional(lib), name)(x, *args), x)
    assert_matches(torch, lambda lib, x: getattr(_functional(lib), name)(x, *args) ** 2, x,
                   second_order=True)


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
def _pool_problem(draw, name: str):
    """(pool, x): the pool ``name`` as a function of x with drawn arguments (every option), and a
    float64 x whose values are 0.1 apart, so no window has two maxima (or a near-tie a finite
    difference could flip)."""
    if name.startswith("adaptive"):
        size = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
        output_size = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
        x = _distinct_tensor(draw, (1, 2) + size)
        return (lambda x: getattr(nx, name)(x, output_size)), x
    dilated = name == "max_pool2d"
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    kwargs = dict(kernel_size=kernel, stride=stride, padding=padding,
                  ceil_mode=draw(st.booleans()))
    if dilated:
        kwargs["dilation"] = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    else:
        kwargs.update(count_include_pad=draw(st.booleans()),
                      divisor_override=draw(st.sampled_from([None, 2, 5])))
    reach = [d * (k - 1) + 1 for d, k in zip(kwargs.get("dilation", (1, 1)), kernel)]
    size = tuple(draw(st.integers(max(1, r - 2 * p), r + 3)) for r, p in zip(reach, padding))
    x = _distinct_tensor(draw, (2, 2) + size)
    if dilated:  # a dilated window can see only padding: its output is -inf (as in PyTorch)
        assume(np.isfinite(nx.max_pool2d(x, **kwargs).numpy()).all())
    return (lambda x: getattr(nx, name)(x, **kwargs)), x


def _distinct_tensor(draw, shape):
    order = draw(st.permutations(range(int(np.prod(shape)))))
    return nx.tensor(np.array(order, dtype=np.float64).reshape(shape) * 0.1, requires_grad=True)


POOLS = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d"]


@pytest.mark.parametrize("name", POOLS)
@given(data=st.data())
def test_pool_gradcheck(name, data):
    pool, x = data.draw(_pool_problem(name))
    assert nx.gradcheck(pool, (x,))


@pytest.mark.parametrize("name", POOLS)
@settings(max_examples=10)  # each example differentiates the backward once per gradient entry
@given(data=st.data())
def test_pool_gradgradcheck(name, data):
    pool, x = data.draw(_pool_problem(name))
    assert nx.gradgradcheck(pool, (x,))


@pytest.mark.parametrize("name", ["adaptive_avg_pool2d", "adaptive_max_pool2d"])
@given(size=st.tuples(st.integers(1, 7), st.integers(1, 7)),
       output_size=st.tuples(st.integers(1, 5), st.integers(1, 5)))
def test_adaptive_pool2d_output_size(name, size, output_size):
    assert getattr(nx, name)(nx.zeros(1, 2, *size), output_size).shape == (1, 2) + output_size


@pytest.mark.parametrize("pool", [
    lambda x: nx.max_pool2d(x, 3, 2, 1, ceil_mode=True),
    lambda x: nx.max_pool2d(x, 2, 1, dilation=2),
    lambda x: nx.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
    lambda x: nx.adaptive_max_pool2d(x, (4, 3)),
    lambda x: nx.adaptive_avg_pool2d(x, (4, 3))])
def test_pool_third_derivatives_gradgradcheck(pool):
    """Any order: gradgradcheck of the gradient of sum(v * pool(x)**2) differentiates the
    backward of the pool's backward (the gather of a scatter, the pool of a spread) once more."""
    x = nx.tensor(_distinct((1, 2, 5, 6), np.float64), requires_grad=True)
    v = nx.tensor(np.random.default_rng(4).standard_normal(pool(x).shape))

    def gradient(x):
        return nx.autograd.grad((pool(x) ** 2 * v).sum(), x, create_graph=True)[0]

    assert nx.gradgradcheck(gradient, (x,))


def test_max_pool_backward_is_a_scatter_whose_backward_gathers():
    """Overlapping windows share argmaxes: the scatter adds them up; the gather reads them back,
    and the two are adjoint: <scatter(g), y> = <g, gather(y)>."""
    x = nx.tensor(np.array([[[[0.0, 5.0, 1.0], [2.0, 3.0, 4.0]]]]), requires_grad=True)
    out = nx.max_pool2d(x, 2, 1)  # windows [[0, 5], [2, 3]] and [[5, 1], [3, 4]]: both pick 5
    g = nx.tensor([[[[1.0, 10.0]]]], requires_grad=True)  # so the gradient records its graph
    (grad_x,) = nx.autograd.grad(out, x, g, create_graph=True)
    assert grad_x.tolist() == [[[[0.0, 11.0, 0.0], [0.0, 0.0, 0.0]]]]
    assert type(grad_x.grad_fn) is ScatterToArgmax
    (back,) = nx.autograd.grad(grad_x, g, nx.tensor([[[[0.0, 7.0, 0.0], [0.0, 0.0, 0.0]]]]))
    assert back.tolist() == [[[[7.0, 7.0]]]]  # the scatter's backward gathers at the argmax
    rng = np.random.default_rng(5)
    index = rng.integers(0, 6 * 7 + 1, (2, 3, 4, 5))  # 6 * 7: the sink, dropped / read as 0
    u, y = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 6, 7))
    scattered = ScatterToArgmax.apply(nx.tensor(u), index, (2, 3, 6, 7))
    gathered = GatherAtArgmax.apply(nx.tensor(y), index)
    assert np.isclose((scattered.numpy() * y).sum(), (u * gathered.numpy()).sum())


def test_avg_pool_backward_spreads_and_its_backward_pools():
    """<spread(g), y> = <g, avg_pool(y)>: the spread is the adjoint of average pooling, with the
    same windows and divisors (here ceil_mode and count_include_pad=False)."""
    x = nx.tensor(_distinct((2, 3, 6, 7), np.float64), requires_grad=True)
    out = nx.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)
    g = nx.tensor(np.random.default_rng(6).standard_normal(out.shape), requires_grad=True)
    (spread,) = nx.autograd.grad(out, x, g, create_graph=True)
    assert type(spread.grad_fn) is SpreadOverWindows
    y = np.random.default_rng(7).standard_normal(x.shape)
    pooled = nx.avg_pool2d(nx.tensor(y), 3, 2, 1, ceil_mode=True, count_include_pad=False)
    assert np.isclose((spread.numpy() * y).sum(), (g.numpy() * pooled.numpy()).sum())
    (pooled_back,) = nx.autograd.grad(spread, g, nx.tensor(y))  # the spread's backward: a pool
    np.testing.assert_allclose(pooled_back.numpy(), pooled.numpy())


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


RETURN_INDICES = [  # name, x shape, arguments
    ("max_pool2d", (2, 3, 6, 6), (2,)),
    ("max_pool2d", (1, 2, 7, 9), (3, 2, 1)),  # overlapping windows, padding
    ("max_pool2d", (1, 2, 7, 9), (3, 2, 1, 2, True)),  # dilation, ceil_mode
    ("max_pool2d", (2, 5, 4), (2,)),  # unbatched
    ("max_pool2d", (0, 2, 4, 4), (2,)),  # empty batch
    ("adaptive_max_pool2d", (2, 2, 7, 9), ((3, 2),)),  # adaptive bins
    ("adaptive_max_pool2d", (1, 2, 6, 6), (3,)),  # uniform bins: a fixed-window pool
    ("adaptive_max_pool2d", (2, 7, 5), ((2, 4),)),  # unbatched
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, shape, args", RETURN_INDICES)
def test_return_indices_match_torch(name, shape, args, dtype):
    """PyTorch's flat indices h * W + w of each maximum in its plane (int64, never requiring
    grad), with the values and their derivatives."""
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, x: getattr(_functional(lib), name)(
        x, *args, return_indices=True), _distinct(shape, dtype), second_order=dtype == np.float64)
    values, indices = getattr(nx, name)(nx.tensor(_distinct(shape, dtype), requires_grad=True),
                                        *args, return_indices=True)
    assert indices.dtype == nx.int64 and not indices.requires_grad and values.requires_grad


def test_return_indices_of_a_non_contiguous_input_match_torch():
    torch = pytest.importorskip("torch")
    x = np.swapaxes(_distinct((1, 2, 7, 6), np.float64), 2, 3)  # (1, 2, 6, 7), strided
    assert_matches(torch, lambda lib, x: _functional(lib).max_pool2d(x, 3, 2, 1,
                                                                       return_indices=True),
                   x, second_order=True)
