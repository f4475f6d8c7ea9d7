"""max_unpool2d: PyTorch comparisons to second order (from max_pool2d's indices, with output_size,
unbatched, empty and non-contiguous inputs), gradient checks to second order, its backward (a
gather whose backward scatters), errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.core.ops.pool import GatherAtArgmax
from neurenix.testing import assert_matches


def _functional(lib):
    return lib.nn.functional  # max_unpool2d is in nn.functional only, as in PyTorch


def _distinct(shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.0


UNPOOL = [  # x shape (of the pooling's input), pooling arguments, unpooling keyword arguments
    ((2, 3, 6, 6), (2,), {}),
    ((1, 2, 7, 9), (2,), dict(output_size=(7, 9))),  # odd sizes: output_size recovers them
    ((1, 2, 7, 9), ((2, 3), (2, 3)), dict(output_size=(1, 2, 7, 9))),  # given as (N, C, H, W)
    ((1, 2, 8, 8), (2, 2, 1), dict(padding=1)),
    ((2, 6, 4), (2,), {}),  # unbatched
    ((0, 2, 4, 4), (2,), {}),  # empty batch
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, pool_args, kwargs", UNPOOL)
def test_max_unpool2d_matches_torch(shape, pool_args, kwargs, dtype):
    """Unpooling the pooled values with their indices, differentiated to second order through
    both the pooling and the unpooling."""
    torch = pytest.importorskip("torch")

    def fn(lib, x):
        F = _functional(lib)
        values, indices = F.max_pool2d(x, *pool_args, return_indices=True)
        padding = kwargs.get("padding", pool_args[2] if len(pool_args) > 2 else 0)
        extra = {k: v for k, v in kwargs.items() if k != "padding"}
        return F.max_unpool2d(values.tanh(), indices, pool_args[0], *pool_args[1:2],
                              padding=padding, **extra)

    assert_matches(torch, fn, _distinct(shape).astype(dtype), second_order=dtype == np.float64)


def test_max_unpool2d_of_given_values_matches_torch():
    """Values that are the differentiated input itself (non-contiguous), indices given."""
    torch = pytest.importorskip("torch")
    x = np.swapaxes(np.random.default_rng(1).standard_normal((2, 3, 3, 2)), 2, 3)  # strided
    indices = np.array([0, 3, 5, 10, 12, 15]).reshape(2, 3) + np.zeros((2, 3, 2, 3), np.int64)
    assert_matches(torch, lambda lib, x, i: _functional(lib).max_unpool2d(x, i, 2, stride=2), x,
                   indices.astype(np.int64), second_order=True)


@st.composite
def _unpool_problem(draw):
    kernel = draw(st.integers(1, 3))
    h, w = draw(st.integers(kernel, 6)), draw(st.integers(kernel, 6))
    source = nx.tensor(_distinct((1, 2, h, w), draw(st.integers(0, 9))))
    values, indices = nx.max_pool2d(source, kernel, return_indices=True)
    x = nx.tensor(np.random.default_rng(draw(st.integers(0, 9))).standard_normal(values.shape),
                  requires_grad=True)
    return x, indices, kernel, (h, w)


@given(problem=_unpool_problem())
def test_max_unpool2d_gradcheck(problem):
    x, indices, kernel, size = problem
    assert nx.gradcheck(lambda x: nx.nn.functional.max_unpool2d(x, indices, kernel,
                                                                output_size=size), (x,))


@settings(max_examples=10)
@given(problem=_unpool_problem())
def test_max_unpool2d_gradgradcheck(problem):
    """Linear in x: a tanh after it makes the second derivative non-zero."""
    x, indices, kernel, size = problem
    assert nx.gradgradcheck(lambda x: nx.nn.functional.max_unpool2d(
        x, indices, kernel, output_size=size).tanh(), (x,))


def test_max_unpool2d_backward_is_a_gather_whose_backward_scatters():
    """<backward(g), y> = <g, unpool(y)>: the gradient reads dL/dout at the indices."""
    rng = np.random.default_rng(2)
    values, indices = nx.max_pool2d(nx.tensor(_distinct((2, 2, 4, 6))), 2, return_indices=True)
    x = nx.tensor(rng.standard_normal(values.shape), requires_grad=True)
    out = nx.nn.functional.max_unpool2d(x, indices, 2)
    g = nx.tensor(rng.standard_normal(out.shape), requires_grad=True)
    (grad_x,) = nx.autograd.grad(out, x, g, create_graph=True)
    assert type(grad_x.grad_fn) is GatherAtArgmax
    y = rng.standard_normal(x.shape)
    unpooled = nx.nn.functional.max_unpool2d(nx.tensor(y), indices, 2).numpy()
    assert np.isclose((grad_x.numpy() * y).sum(), (g.numpy() * unpooled).sum())
    (back,) = nx.autograd.grad(grad_x, g, nx.tensor(y))
    np.testing.assert_allclose(back.numpy(), unpooled)


def _raises(parts, *args, **kwargs):
    with pytest.raises(ValueError) as info:
        nx.nn.functional.max_unpool2d(*args, **kwargs)
    for part in parts:
        assert part in str(info.value), (part, str(info.value))


def test_max_unpool2d_errors_name_the_op_and_shapes():
    x = nx.zeros(1, 2, 3, 3)
    indices = nx.zeros(1, 2, 3, 3, dtype=nx.int64)
    _raises(["max_unpool2d", "4-D", "(2, 3)"], nx.zeros(2, 3), indices, 2)
    _raises(["max_unpool2d", "int64", "(1, 2, 3, 3)"], x, nx.zeros(1, 2, 3, 3), 2)
    _raises(["max_unpool2d", "int64", "(1, 2, 3, 2)"], x, nx.zeros(1, 2, 3, 2, dtype=nx.int64),
            2)
    _raises(["max_unpool2d", "invalid max index 36", "6 x 6"], x, indices + 36, 2)
    _raises(["max_unpool2d", "invalid max index -1"], x, indices - 1, 2)
    _raises(["max_unpool2d", "output_size", "between 4 and 8"], x, indices, 2,
            output_size=(8, 6))
    _raises(["max_unpool2d", "output_size", "(3,)"], x, indices, 2, output_size=(3,))
