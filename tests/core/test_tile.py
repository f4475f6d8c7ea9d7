"""Ops that copy or reorder elements: repeat, tile, repeat_interleave, flip, fliplr, flipud, roll."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, shapes, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])
SHAPES = shapes(max_dims=3, max_side=3)
SHAPES_WITH_EMPTY = shapes(max_dims=3, min_side=0, max_side=3)


def _axis(draw, ndim):
    """A dim of a tensor of ``ndim`` dimensions, negatives included."""
    n = max(ndim, 1)
    return draw(st.integers(-n, n - 1))


@st.composite
def _repeat(draw):
    shape = draw(SHAPES_WITH_EMPTY)
    counts = tuple(draw(st.lists(st.integers(0, 3), min_size=len(shape),
                                 max_size=len(shape) + 2)))
    if draw(st.booleans()):
        return (shape,), lambda lib, x: x.repeat(*counts) if counts else x.repeat(())
    return (shape,), lambda lib, x: x.repeat(counts)


@st.composite
def _tile(draw):
    shape = draw(SHAPES_WITH_EMPTY)
    counts = tuple(draw(st.lists(st.integers(0, 3), max_size=4)))
    if draw(st.booleans()):
        return (shape,), lambda lib, x: lib.tile(x, counts)
    return (shape,), lambda lib, x: x.tile(*counts) if counts else x.tile(())


@st.composite
def _repeat_interleave_int(draw):
    shape = draw(SHAPES_WITH_EMPTY)
    count = draw(st.integers(0, 3))
    if draw(st.booleans()) or not shape:
        return (shape,), lambda lib, x: lib.repeat_interleave(x, count)
    dim = _axis(draw, len(shape))
    return (shape,), lambda lib, x: x.repeat_interleave(count, dim=dim)


@st.composite
def _repeat_interleave_tensor(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=0, max_side=3))
    dim = _axis(draw, len(shape))
    counts = draw(st.lists(st.integers(0, 3), min_size=shape[dim], max_size=shape[dim]))
    if draw(st.booleans()):  # a one-element tensor is one count for every slice
        counts = [draw(st.integers(0, 3))]
    total = sum(counts) * (shape[dim] if len(counts) == 1 else 1)

    def fn(lib, x):
        return lib.repeat_interleave(x, lib.tensor(counts, dtype=lib.int64), dim=dim,
                                     output_size=total)
    return (shape,), fn


@st.composite
def _flip(draw):
    shape = draw(SHAPES_WITH_EMPTY)
    dims = draw(st.lists(st.integers(0, max(len(shape), 1) - 1), unique=True, max_size=3))
    dims = [d - max(len(shape), 1) if draw(st.booleans()) else d for d in dims]
    if draw(st.booleans()):
        return (shape,), lambda lib, x: lib.flip(x, dims)
    return (shape,), lambda lib, x: x.flip(*dims) if dims else x.flip(())


@st.composite
def _roll(draw):
    shape = draw(SHAPES_WITH_EMPTY)
    if draw(st.booleans()) or not shape:
        shift = draw(st.integers(-5, 5))
        return (shape,), lambda lib, x: lib.roll(x, shift)
    dims = draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=3))
    shifts = draw(st.lists(st.integers(-5, 5), min_size=len(dims), max_size=len(dims)))
    if len(dims) == 1 and draw(st.booleans()):
        return (shape,), lambda lib, x: x.roll(shifts[0], dims[0])
    return (shape,), lambda lib, x: x.roll(tuple(shifts), tuple(dims))


@st.composite
def _simple(draw, fn, min_dims=0, max_dims=3):
    return (draw(shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=3)),), fn


TILE_OPS = [  # name, strategy of (input shapes, fn(lib, *xs) for both libraries)
    ("repeat", _repeat()),
    ("tile", _tile()),
    ("repeat_interleave int", _repeat_interleave_int()),
    ("repeat_interleave tensor", _repeat_interleave_tensor()),
    ("flip", _flip()),
    ("fliplr", _simple(lambda lib, x: lib.fliplr(x), min_dims=2)),
    ("flipud", _simple(lambda lib, x: x.flipud(), min_dims=1)),
    ("roll", _roll()),
    # non-contiguous inputs: a transposed view goes in
    ("repeat of a transpose", _simple(lambda lib, x: x.mT.repeat(2, 1, 2), min_dims=2)),
    ("flip of a transpose", _simple(lambda lib, x: x.mT.flip(0, -1), min_dims=2)),
    ("roll of a transpose", _simple(lambda lib, x: x.mT.roll((1, -2), (0, 1)), min_dims=2)),
    ("repeat_interleave of a transpose",
     _simple(lambda lib, x: x.mT.repeat_interleave(2, dim=0), min_dims=2)),
]


@pytest.mark.parametrize("name, case", TILE_OPS)
@given(data=st.data())
def test_tile_op_gradcheck_and_gradgradcheck(name, case, data):
    input_shapes, fn = data.draw(case)
    xs = [data.draw(tensors(s, nx.float64, requires_grad=True)) for s in input_shapes]
    assert nx.gradcheck(lambda *a: fn(nx, *a), xs)
    assert nx.gradgradcheck(lambda *a: fn(nx, *a), xs)


@pytest.mark.parametrize("name, case", TILE_OPS)
@given(data=st.data())
def test_tile_op_matches_torch(name, case, data):
    torch = pytest.importorskip("torch")
    input_shapes, fn = data.draw(case)
    dtype = data.draw(FLOATS)
    xs = [data.draw(tensors(s, dtype)).numpy() for s in input_shapes]
    assert_matches(torch, fn, *xs, second_order=True)


def test_repeat_interleave_of_counts_alone_gives_int64_indices():
    out = nx.repeat_interleave(nx.tensor([2, 0, 1]))
    assert out.dtype == nx.int64 and out.tolist() == [0, 0, 2] and not out.requires_grad


def test_integer_tensors_keep_their_dtype():
    x = nx.tensor([[1, 2], [3, 4]], dtype=nx.int32)
    for out in (x.repeat(2, 1), x.tile(2), x.repeat_interleave(2), x.flip(0), x.roll(1)):
        assert out.dtype == nx.int32


def test_flip_and_roll_copy_rather_than_view():
    x = nx.arange(4.0)
    for out in (x.flip(0), x.roll(1), x.repeat(2)):
        assert not np.shares_memory(out.numpy(), x.numpy())


TILE_ERRORS = [  # op name, exception, call, what the message must name
    ("repeat", ValueError, lambda: nx.ones(2, 3).repeat(2), ["(2,)", "(2, 3)"]),
    ("repeat", ValueError, lambda: nx.ones(2, 3).repeat(-1, 2), ["(-1, 2)", "(2, 3)"]),
    ("repeat", TypeError, lambda: nx.ones(2).repeat(1.5), ["must be integers"]),
    ("tile", ValueError, lambda: nx.ones(2, 3).tile(-1), ["(-1,)", "(2, 3)"]),
    ("repeat_interleave", ValueError,
     lambda: nx.ones(2, 3).repeat_interleave(nx.tensor([1, 2, 3]), dim=0), ["3 repeats", "(2, 3)"]),
    ("repeat_interleave", ValueError,
     lambda: nx.ones(2, 3).repeat_interleave(nx.tensor([1, -2]), dim=0), ["[1, -2]"]),
    ("repeat_interleave", ValueError, lambda: nx.ones(2, 3).repeat_interleave(-1), ["-1"]),
    ("repeat_interleave", TypeError,
     lambda: nx.ones(2).repeat_interleave(nx.tensor([1.0, 2.0])), ["float32"]),
    ("repeat_interleave", ValueError,
     lambda: nx.ones(2).repeat_interleave(nx.tensor([[1, 2]]), dim=0), ["(1, 2)"]),
    ("repeat_interleave", ValueError,
     lambda: nx.ones(2, 3).repeat_interleave(2, dim=0, output_size=5), ["5", "4", "(2, 3)"]),
    ("repeat_interleave", ValueError,
     lambda: nx.repeat_interleave(nx.tensor([[1, 2]])), ["(1, 2)"]),
    ("repeat_interleave", IndexError, lambda: nx.ones(()).repeat_interleave(2, dim=0), ["0"]),
    ("repeat_interleave", IndexError, lambda: nx.ones(2, 3).repeat_interleave(2, dim=2), ["2"]),
    ("flip", IndexError, lambda: nx.ones(2, 3).flip(2), ["2"]),
    ("flip", ValueError, lambda: nx.ones(2, 3).flip(0, -2), ["repeats"]),
    ("fliplr", ValueError, lambda: nx.fliplr(nx.ones(3)), ["(3,)"]),
    ("flipud", ValueError, lambda: nx.flipud(nx.ones(())), ["()"]),
    ("roll", ValueError, lambda: nx.ones(2, 3).roll((1, 2)), ["(1, 2)"]),
    ("roll", ValueError, lambda: nx.ones(2, 3).roll((1, 1), 1), ["(1, 1)", "(1,)", "(2, 3)"]),
    ("roll", ValueError, lambda: nx.ones(2, 3).roll((), ()), ["()", "(2, 3)"]),
    ("roll", IndexError, lambda: nx.ones(2, 3).roll(1, 2), ["2"]),
    ("roll", IndexError, lambda: nx.ones(()).roll(1, 0), ["0"]),
]


@pytest.mark.parametrize("op, error, call, expected", TILE_ERRORS)
def test_tile_error_names_op_and_shapes(op, error, call, expected):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert message.startswith(f"{op}:"), message
    for text in expected:
        assert text in message, message
