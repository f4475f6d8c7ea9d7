"""NumPy-style joins: hstack, vstack, dstack, column_stack, atleast_1d/2d/3d."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])
SIDE = st.sampled_from([0, 1, 1, 2, 3])  # 1 often: it lets lower ranks lift to a shape


def _lift(shape: tuple, ndim: int, where: str) -> tuple:
    """The shape a join lifts ``shape`` to (``where`` the new axes of length 1 go)."""
    if where == "3d":
        return {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}.get(len(shape), shape)
    if where == "column":
        return ((shape[0] if shape else 1), 1) if len(shape) < 2 else shape
    return (1,) * (ndim - len(shape)) + shape if len(shape) < ndim else shape


@st.composite
def _join_shapes(draw, ndim, axis, where="lead", min_dims=0):
    """Shapes of 1..3 tensors that a join lifting them to ``ndim`` axes accepts along ``axis``:
    equal off ``axis`` once lifted, some of them of a lower rank that lifts to it."""
    rank = max(ndim, min_dims) + draw(st.sampled_from([0, 0, 1]))  # mostly the lifted rank
    base = tuple(draw(SIDE) for _ in range(rank))
    out = []
    for _ in range(draw(st.integers(1, 3))):
        shape = base[:axis] + (draw(SIDE),) + base[axis + 1:]
        lower = [s for k in range(min_dims, len(shape)) for s in [shape[len(shape) - k:],
                                                                 shape[:k]]
                 if _lift(s, ndim, where) == shape and s != (0,)]  # (0,) is cat's legacy empty
        out.append(draw(st.sampled_from(lower)) if lower and draw(st.booleans()) else shape)
    return out


@st.composite
def _hstack(draw):
    if draw(st.booleans()):  # vectors (and 0-d) join along dim 0
        return tuple(draw(st.sampled_from([(), (draw(SIDE),)])) for _ in range(draw(
            st.integers(1, 3))))
    return tuple(draw(_join_shapes(1, 1, min_dims=2)))


JOINS = [  # name, strategy of input shapes, fn(lib, *xs)
    ("hstack", _hstack(), lambda lib, *xs: lib.hstack(xs)),
    ("vstack", _join_shapes(2, 0), lambda lib, *xs: lib.vstack(list(xs))),
    ("dstack", _join_shapes(3, 2, "3d"), lambda lib, *xs: lib.dstack(xs)),
    ("column_stack", _join_shapes(2, 1, "column"), lambda lib, *xs: lib.column_stack(xs)),
    ("atleast_1d", st.lists(st.sampled_from([(), (2,), (2, 3)]), min_size=1, max_size=3),
     lambda lib, *xs: lib.atleast_1d(*xs)),
    ("atleast_2d", st.lists(st.sampled_from([(), (2,), (2, 3)]), min_size=1, max_size=3),
     lambda lib, *xs: lib.atleast_2d(xs)),
    ("atleast_3d", st.lists(st.sampled_from([(), (2,), (2, 3), (1, 2, 3)]), min_size=1,
                            max_size=3), lambda lib, *xs: lib.atleast_3d(*xs)),
    ("vstack of transposes", st.just([(3, 2), (3, 1)]),  # non-contiguous inputs
     lambda lib, *xs: lib.vstack([x.mT for x in xs])),
    ("vstack of a vector and a matrix", st.just([(3,), (2, 3)]),
     lambda lib, *xs: lib.vstack(xs)),
    ("dstack of three ranks", st.just([(), (1, 1, 2), (1,)]), lambda lib, *xs: lib.dstack(xs)),
    ("column_stack of 0-d, 1-D, 2-D", st.just([(), (1, 3), (1,)]),
     lambda lib, *xs: lib.column_stack(xs)),
]


@pytest.mark.parametrize("name, case, fn", JOINS)
@given(data=st.data())
def test_join_gradcheck_and_gradgradcheck(name, case, fn, data):
    input_shapes = data.draw(case)
    xs = [data.draw(tensors(s, nx.float64, requires_grad=True)) for s in input_shapes]
    assert nx.gradcheck(lambda *a: fn(nx, *a), xs)
    assert nx.gradgradcheck(lambda *a: fn(nx, *a), xs)


@pytest.mark.parametrize("name, case, fn", JOINS)
@given(data=st.data())
def test_join_matches_torch(name, case, fn, data):
    torch = pytest.importorskip("torch")
    input_shapes = data.draw(case)
    dtype = data.draw(FLOATS)
    xs = [data.draw(tensors(s, dtype)).numpy() for s in input_shapes]
    assert_matches(torch, fn, *xs, second_order=True)


def test_hstack_skips_a_legacy_empty_vector_as_torch():
    out = nx.hstack([nx.ones(0, dtype=nx.float64), nx.ones(2, 3)])
    assert out.shape == (2, 3) and out.dtype == nx.float64


def test_joins_promote_dtypes():
    assert nx.vstack([nx.ones(2, dtype=nx.int64), nx.ones(2)]).dtype == nx.float32


JOIN_ERRORS = [  # op name, exception, call, what the message must name
    ("hstack", ValueError, lambda: nx.hstack([]), ["non-empty"]),
    ("hstack", ValueError, lambda: nx.hstack([nx.ones(2, 1), nx.ones(2)]), ["(2, 1)", "(2,)"]),
    ("vstack", ValueError, lambda: nx.vstack([nx.ones(2), nx.ones(3)]), ["(1, 2)", "(1, 3)"]),
    ("dstack", ValueError, lambda: nx.dstack([nx.ones(2, 3), nx.ones(3, 2)]),
     ["(2, 3, 1)", "(3, 2, 1)"]),
    ("column_stack", ValueError, lambda: nx.column_stack([nx.ones(2), nx.ones(3)]),
     ["(2, 1)", "(3, 1)"]),
    ("column_stack", TypeError, lambda: nx.column_stack([nx.ones(2), [1.0, 2.0]]), ["list"]),
]


@pytest.mark.parametrize("op, error, call, expected", JOIN_ERRORS)
def test_join_error_names_op_and_shapes(op, error, call, expected):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert message.startswith(f"{op}:"), message
    for text in expected:
        assert text in message, message
