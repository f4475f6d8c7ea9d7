"""Ops PyTorch gives as views: swapaxes, swapdims, movedim, moveaxis, narrow, unflatten,
unbind."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, shapes, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])
SHAPES = shapes(min_dims=1, max_dims=4, min_side=0, max_side=3)


def _axis(draw, ndim):
    """A dim of a tensor of ``ndim`` dimensions, negatives included."""
    return draw(st.integers(-ndim, ndim - 1))


@st.composite
def _swap(draw, name):
    shape = draw(SHAPES)
    a, b = _axis(draw, len(shape)), _axis(draw, len(shape))
    if draw(st.booleans()):
        return (shape,), lambda lib, x: getattr(lib, name)(x, a, b)
    return (shape,), lambda lib, x: getattr(x, name)(a, b)


@st.composite
def _movedim(draw, name):
    shape = draw(SHAPES)
    n = len(shape)
    count = draw(st.integers(0, n))
    source = draw(st.permutations(range(n)))[:count]
    destination = draw(st.permutations(range(n)))[:count]
    source = [d - n if draw(st.booleans()) else d for d in source]
    if count == 1 and draw(st.booleans()):
        source, destination = source[0], destination[0]  # ints
    elif draw(st.booleans()):
        source, destination = tuple(source), tuple(destination)
    return (shape,), lambda lib, x: getattr(lib, name)(x, source, destination)


@st.composite
def _narrow(draw):
    shape = draw(SHAPES)
    dim = _axis(draw, len(shape))
    n = shape[dim]
    start = draw(st.integers(-n, n))
    length = draw(st.integers(0, n - (start + n if start < 0 else start)))
    return (shape,), lambda lib, x: x.narrow(dim, start, length)


@st.composite
def _unflatten(draw):
    shape = draw(SHAPES)
    dim = _axis(draw, len(shape))
    n = shape[dim]
    divisors = [d for d in range(1, n + 1) if n % d == 0] or [0]
    first = draw(st.sampled_from(divisors))
    sizes = draw(st.sampled_from([(first, n // first if first else 0), (n,), (1, n, 1)] +
                                 ([(first, -1), (-1, first)] if first else [])))
    return (shape,), lambda lib, x: lib.unflatten(x, dim, sizes)


@st.composite
def _unbind(draw):
    shape = draw(SHAPES)
    dim = _axis(draw, len(shape))
    return (shape,), lambda lib, x: x.unbind(dim) if x.shape[dim] else x.unbind(dim) + (x * 1,)


VIEW_OPS = [  # name, strategy of (input shapes, fn(lib, *xs) for both libraries)
    ("swapaxes", _swap("swapaxes")),
    ("swapdims", _swap("swapdims")),
    ("movedim", _movedim("movedim")),
    ("moveaxis", _movedim("moveaxis")),
    ("narrow", _narrow()),
    ("unflatten", _unflatten()),
    ("unbind", _unbind()),
    ("narrow of a transpose",  # a non-contiguous input
     st.just((((3, 4),), lambda lib, x: x.mT.narrow(0, 1, 2)))),
    ("unbind of a transpose", st.just((((2, 3),), lambda lib, x: x.mT.unbind(1)))),
]


@pytest.mark.parametrize("name, case", VIEW_OPS)
@given(data=st.data())
def test_view_op_gradcheck_and_gradgradcheck(name, case, data):
    input_shapes, fn = data.draw(case)
    xs = [data.draw(tensors(s, nx.float64, requires_grad=True)) for s in input_shapes]
    assert nx.gradcheck(lambda *a: fn(nx, *a), xs)
    assert nx.gradgradcheck(lambda *a: fn(nx, *a), xs)


@pytest.mark.parametrize("name, case", VIEW_OPS)
@given(data=st.data())
def test_view_op_matches_torch(name, case, data):
    torch = pytest.importorskip("torch")
    input_shapes, fn = data.draw(case)
    dtype = data.draw(FLOATS)
    xs = [data.draw(tensors(s, dtype)).numpy() for s in input_shapes]
    assert_matches(torch, fn, *xs, second_order=True)


def test_views_share_memory_as_in_torch():
    x = nx.arange(24.0).reshape(2, 3, 4)
    for out in (x.movedim(0, -1), x.narrow(1, 1, 2), x.unflatten(2, (2, 2)), x.unbind(1)[0],
                x.swapaxes(0, 2)):
        assert np.shares_memory(out.numpy(), x.numpy())


def test_narrow_takes_a_0d_integer_tensor_start():
    assert nx.arange(5).narrow(0, nx.tensor(1), 2).tolist() == [1, 2]


def test_unbind_returns_a_tuple():
    parts = nx.ones(0, 2).unbind()
    assert parts == () and isinstance(nx.ones(2, 3).unbind(1), tuple)


VIEW_ERRORS = [  # op name, exception, call on a (2, 3, 4) tensor, what the message must name
    ("movedim", ValueError, lambda x: x.movedim((0,), (1, 2)), ["(0,)", "(1, 2)"]),
    ("movedim", ValueError, lambda x: x.movedim((0, 1), (2, 2)), ["(2, 2)", "(2, 3, 4)"]),
    ("movedim", ValueError, lambda x: x.movedim((0, -3), (1, 2)), ["(0, -3)", "(2, 3, 4)"]),
    ("movedim", IndexError, lambda x: x.movedim(0, 3), ["3"]),
    ("narrow", IndexError, lambda x: x.narrow(1, -4, 1), ["-4", "(2, 3, 4)"]),
    ("narrow", IndexError, lambda x: x.narrow(1, 4, 0), ["4", "(2, 3, 4)"]),
    ("narrow", ValueError, lambda x: x.narrow(1, 2, 2), ["2", "(2, 3, 4)"]),
    ("narrow", ValueError, lambda x: x.narrow(1, 1, -1), ["-1", "(2, 3, 4)"]),
    ("narrow", TypeError, lambda x: x.narrow(1, 1.0, 2), ["must be integers"]),
    ("narrow", ValueError, lambda x: nx.ones(()).narrow(0, 0, 1), ["0-d"]),
    ("unflatten", ValueError, lambda x: x.unflatten(2, (3, 2)), ["(3, 2)", "(2, 3, 4)"]),
    ("unflatten", ValueError, lambda x: x.unflatten(2, (-1, -1)), ["(-1, -1)", "(2, 3, 4)"]),
    ("unflatten", ValueError, lambda x: x.unflatten(2, (-1, 3)), ["(-1, 3)", "(2, 3, 4)"]),
    ("unflatten", ValueError, lambda x: x.unflatten(2, ()), ["()", "(2, 3, 4)"]),
    ("unflatten", ValueError, lambda x: nx.ones(0, 4).unflatten(0, (0, -1)), ["(0, -1)"]),
    ("unflatten", IndexError, lambda x: x.unflatten(3, (1,)), ["3"]),
    ("unbind", IndexError, lambda x: nx.ones(()).unbind(), ["0-d"]),
    ("unbind", IndexError, lambda x: x.unbind(3), ["3"]),
    ("transpose", IndexError, lambda x: x.swapaxes(0, 3), ["3"]),
]


@pytest.mark.parametrize("op, error, call, expected", VIEW_ERRORS)
def test_view_error_names_op_and_shapes(op, error, call, expected):
    with pytest.raises(error) as info:
        call(nx.ones(2, 3, 4))
    message = str(info.value)
    assert message.startswith(f"{op}:"), message
    for text in expected:
        assert text in message, message
