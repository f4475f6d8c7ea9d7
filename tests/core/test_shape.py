"""Shape ops: reshape, view, flatten, transpose, permute, (un)squeeze, expand, cat, stack,
split, chunk, clone."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, shapes, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])
SHAPES = shapes(max_dims=4, max_side=3)  # sides of 1 are common, for squeeze and expand


def _axis(draw, ndim, extra=0):
    """A dim of a tensor of ``ndim`` (+ ``extra``) dimensions, negatives included."""
    n = max(ndim + extra, 1)
    return draw(st.integers(-n, n - 1))


@st.composite
def _reshape(draw, view=False):
    shape = draw(SHAPES)
    n = int(np.prod(shape))
    targets = [(n,), (-1,), (1, n), (n, 1), shape[::-1], shape + (1,), (1,) + shape, (1, -1, 1)]
    targets += [(d, -1) for d in range(1, n + 1) if n % d == 0]
    target = draw(st.sampled_from(targets))
    if view:
        return (shape,), lambda lib, x: x.view(*target) if target else x.view(target)
    return (shape,), lambda lib, x: x.reshape(target)


@st.composite
def _flatten(draw):
    shape = draw(SHAPES)
    start, end = sorted([_axis(draw, len(shape)) % max(len(shape), 1),
                         _axis(draw, len(shape)) % max(len(shape), 1)])
    return (shape,), lambda lib, x: x.flatten(start, end)


@st.composite
def _transpose(draw):
    shape = draw(SHAPES)
    a, b = _axis(draw, len(shape)), _axis(draw, len(shape))
    return (shape,), lambda lib, x: x.transpose(a, b)


@st.composite
def _permute(draw):
    shape = draw(SHAPES)
    dims = draw(st.permutations(range(len(shape))))
    dims = [d - len(shape) if draw(st.booleans()) else d for d in dims]  # negative dims too
    return (shape,), lambda lib, x: x.permute(dims)  # a tuple: torch refuses permute()


@st.composite
def _unsqueeze(draw):
    shape = draw(SHAPES)
    dim = _axis(draw, len(shape), extra=1)
    return (shape,), lambda lib, x: lib.unsqueeze(x, dim)


@st.composite
def _squeeze(draw):
    shape = draw(SHAPES)
    kind = draw(st.sampled_from(["all", "one", "several"]))
    if kind == "all":
        return (shape,), lambda lib, x: x.squeeze()
    if kind == "one":
        dim = _axis(draw, len(shape))
        return (shape,), lambda lib, x: x.squeeze(dim)
    dims = tuple(draw(st.lists(st.integers(0, max(len(shape), 1) - 1), unique=True, min_size=1)))
    return (shape,), lambda lib, x: x.squeeze(dims)


@st.composite
def _expand(draw):
    shape = draw(SHAPES)
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    target = lead + tuple(draw(st.sampled_from([-1, 2, 3])) if s == 1 else
                          draw(st.sampled_from([-1, s])) for s in shape)
    return (shape,), lambda lib, x: x.expand(*target) if target else x.expand(target)


@st.composite
def _expand_as(draw):
    shape = draw(SHAPES)
    target = tuple(draw(st.integers(1, 3)) if s == 1 else s for s in shape)
    return (shape,), lambda lib, x: x.expand_as(lib.zeros(target, dtype=x.dtype))


@st.composite
def _cat(draw, name="cat"):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=3))
    dim = _axis(draw, len(shape))
    sizes = draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
    parts = tuple(shape[:dim % len(shape)] + (n,) + shape[dim % len(shape) + 1:] for n in sizes)
    if name == "concatenate":
        return parts, lambda lib, *xs: lib.concatenate(xs, axis=dim)
    return parts, lambda lib, *xs: getattr(lib, name)(list(xs), dim=dim)


@st.composite
def _cat_legacy_empty(draw):
    """cat with (0,) tensors among the others: PyTorch skips them whatever their shapes."""
    parts, fn = draw(_cat()) if draw(st.integers(0, 3)) else ((), None)
    dim = draw(st.integers(-3, 3)) if fn is None else None  # only empties: dim is not checked
    parts = list(parts)
    for _ in range(draw(st.integers(1, 2))):
        parts.insert(draw(st.integers(0, len(parts))), (0,))
    return tuple(parts), fn or (lambda lib, *xs: lib.cat(xs, dim))


@st.composite
def _stack(draw):
    shape = draw(shapes(max_dims=3, max_side=3))
    dim = _axis(draw, len(shape), extra=1)
    count = draw(st.integers(1, 3))
    return (shape,) * count, lambda lib, *xs: lib.stack(xs, dim)


@st.composite
def _split(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=4))
    dim = _axis(draw, len(shape))
    n = shape[dim]
    if draw(st.booleans()):
        size = draw(st.integers(1, n + 1))
        return (shape,), lambda lib, x: x.split(size, dim)
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
    sizes = [b - a for a, b in zip([0] + cuts, cuts + [n])]
    return (shape,), lambda lib, x: lib.split(x, sizes, dim=dim)


@st.composite
def _chunk(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=4))
    dim, chunks = _axis(draw, len(shape)), draw(st.integers(1, 5))
    return (shape,), lambda lib, x: x.chunk(chunks, dim)


@st.composite
def _simple(draw, fn, min_dims=0, max_dims=4):
    return (draw(shapes(min_dims=min_dims, max_dims=max_dims, max_side=3)),), fn


SHAPE_OPS = [  # name, strategy of (input shapes, fn(lib, *xs) for both libraries)
    ("reshape", _reshape()),
    ("view", _reshape(view=True)),
    ("flatten", _flatten()),
    ("flatten default", _simple(lambda lib, x: lib.flatten(x))),
    ("transpose", _transpose()),
    ("permute", _permute()),
    ("unsqueeze", _unsqueeze()),
    ("squeeze", _squeeze()),
    ("expand", _expand()),
    ("expand_as", _expand_as()),
    ("cat", _cat()),
    ("cat with legacy empties", _cat_legacy_empty()),
    ("concat", _cat("concat")),
    ("concatenate", _cat("concatenate")),
    ("cat of transposes", _simple(lambda lib, x: lib.cat([x.mT, x.mT], -1), min_dims=2)),
    ("stack", _stack()),
    ("split", _split()),
    ("chunk", _chunk()),
    ("clone", _simple(lambda lib, x: x.clone())),
    ("T", _simple(lambda lib, x: x.T, min_dims=2, max_dims=2)),
    ("t", _simple(lambda lib, x: x.t(), max_dims=2)),
    ("contiguous", _simple(lambda lib, x: x.transpose(0, -1).contiguous() * 1, min_dims=1)),
]


@pytest.mark.parametrize("name, case", SHAPE_OPS)
@given(data=st.data())
def test_shape_op_gradcheck_and_gradgradcheck(name, case, data):
    input_shapes, fn = data.draw(case)
    xs = [data.draw(tensors(s, nx.float64, requires_grad=True)) for s in input_shapes]
    assert nx.gradcheck(lambda *a: fn(nx, *a), xs)
    assert nx.gradgradcheck(lambda *a: fn(nx, *a), xs)


@pytest.mark.parametrize("name, case", SHAPE_OPS)
@given(data=st.data())
def test_shape_op_matches_torch(name, case, data):
    torch = pytest.importorskip("torch")
    input_shapes, fn = data.draw(case)
    dtype = data.draw(FLOATS)
    xs = [data.draw(tensors(s, dtype)).numpy() for s in input_shapes]
    assert_matches(torch, fn, *xs, second_order=True)


def test_cat_promotes_dtypes_with_gradients_in_each_dtype():
    a = nx.ones(2, dtype=nx.float32, requires_grad=True)
    b = nx.ones(3, dtype=nx.float64, requires_grad=True)
    out = nx.cat([a, b])
    assert out.dtype == nx.float64
    (out * nx.arange(5.0, dtype=nx.float64)).sum().backward()
    assert a.grad.dtype == nx.float32 and a.grad.tolist() == [0, 1]
    assert b.grad.dtype == nx.float64 and b.grad.tolist() == [2, 3, 4]


def test_cat_legacy_empty_counts_for_the_dtype_and_gets_an_empty_gradient():
    empty = nx.ones(0, dtype=nx.float64, requires_grad=True)
    x = nx.ones(2, 3, requires_grad=True)
    out = nx.cat([x, empty], dim=-1)
    assert out.shape == (2, 3) and out.dtype == nx.float64
    grad_x, grad_empty = nx.autograd.grad(out.sum(), [x, empty])
    assert grad_x.dtype == nx.float32 and grad_empty.shape == (0,)
    assert grad_empty.dtype == nx.float64


def test_reshape_is_a_no_op_for_the_same_shape():
    x = nx.ones(2, 3)
    assert x.reshape(2, 3) is x and x.view((2, 3)) is x


def test_expand_is_a_view_and_its_gradient_sums():
    x = nx.tensor([[1.0], [2.0]], requires_grad=True)
    y = x.expand(3, 2, 4)
    assert y.shape == (3, 2, 4) and np.shares_memory(y.numpy(), x.numpy())
    y.sum().backward()
    assert x.grad.tolist() == [[12.0], [12.0]]


SHAPE_ERRORS = [  # op name, call, the shapes the message must name
    ("reshape", lambda: nx.ones(2, 3).reshape(4, 2), ["(4, 2)", "(2, 3)"]),
    ("reshape", lambda: nx.ones(2, 3).reshape(-1, -1), ["(-1, -1)", "(2, 3)"]),
    ("reshape", lambda: nx.ones(2, 3).view(4, -1), ["(4, -1)", "(2, 3)"]),
    ("reshape", lambda: nx.ones(2, 3).reshape(-2, 3), ["(-2, 3)", "(2, 3)"]),
    ("flatten", lambda: nx.ones(2, 3, 4).flatten(2, 1), ["(2, 3, 4)"]),
    ("cat", lambda: nx.cat([nx.ones(()), nx.ones(())]), ["()"]),
    ("permute", lambda: nx.ones(2, 3).permute(0, 0), ["(0, 0)", "(2, 3)"]),
    ("permute", lambda: nx.ones(2, 3).permute(0, 1, 2), ["(0, 1, 2)", "(2, 3)"]),
    ("expand", lambda: nx.ones(2, 3).expand(2, 4), ["(2, 3)", "(2, 4)"]),
    ("expand", lambda: nx.ones(2, 3).expand(3), ["(2, 3)", "(3,)"]),
    ("expand", lambda: nx.ones(3).expand(-1, 3), ["(3,)", "(-1, 3)"]),
    ("cat", lambda: nx.cat([nx.ones(2, 3), nx.ones(2, 4)]), ["(2, 3)", "(2, 4)"]),
    ("cat", lambda: nx.cat([nx.ones(2, 3), nx.ones(3)]), ["(2, 3)", "(3,)"]),
    ("cat", lambda: nx.cat([nx.ones(0), nx.ones(2, 3), nx.ones(())]), ["tensor 2", "()"]),
    ("cat", lambda: nx.cat([nx.ones(0), nx.ones(2, 3), nx.ones(2, 2)]), ["(2, 2)", "(2, 3)"]),
    ("concatenate", lambda: nx.concatenate([nx.ones(2, 3), nx.ones(2, 4)]), ["(2, 4)"]),
    ("stack", lambda: nx.stack([nx.ones(2, 3), nx.ones(3, 2)]), ["(2, 3)", "(3, 2)"]),
    ("split", lambda: nx.ones(5, 2).split([2, 2]), ["[2, 2]", "(5, 2)"]),
    ("split", lambda: nx.ones(3).split([4, -1]), ["[4, -1]", "(3,)"]),  # sums to 3
]


@pytest.mark.parametrize("op, call, expected", SHAPE_ERRORS)
def test_shape_error_names_op_and_shapes(op, call, expected):
    with pytest.raises((ValueError, RuntimeError)) as info:
        call()
    message = str(info.value)
    assert message.startswith(f"{op}:"), message
    for text in expected:
        assert text in message, message


DIM_ERRORS = [  # op name, call with a dim out of range for a (2, 3) tensor
    ("transpose", lambda x: x.transpose(0, 2)),
    ("unsqueeze", lambda x: x.unsqueeze(3)),
    ("squeeze", lambda x: x.squeeze(-3)),
    ("flatten", lambda x: x.flatten(0, 5)),
    ("cat", lambda x: nx.cat([x, x], dim=2)),
    ("cat", lambda x: nx.cat([nx.ones(0), x], dim=-3)),  # range from the non-empty ones
    ("stack", lambda x: nx.stack([x, x], dim=4)),
    ("split", lambda x: x.split(1, dim=2)),
    ("chunk", lambda x: x.chunk(2, dim=-3)),
    ("permute", lambda x: x.permute(3, 0)),  # once taken silently as 3 % 2 = 1
    ("permute", lambda x: x.permute(-3, 0)),
]


@pytest.mark.parametrize("op, call", DIM_ERRORS)
def test_bad_dim_names_op_and_rank(op, call):
    with pytest.raises(IndexError, match=f"^{op}: dim -?[0-9] is out of range for a tensor of"):
        call(nx.ones(2, 3))


def test_empty_cat_and_stack_raise():
    for fn in (nx.cat, nx.stack):
        with pytest.raises(ValueError, match=f"{fn.__name__}: expected a non-empty list"):
            fn([])


def test_chunk_and_split_need_positive_sizes():
    with pytest.raises(ValueError, match="chunk: chunks must be positive, got 0"):
        nx.ones(4).chunk(0)
    with pytest.raises(ValueError, match="split: split_size must be positive, got 0"):
        nx.ones(4).split(0)


@pytest.mark.parametrize("call", [lambda: nx.zeros(6).reshape(2.0, 3),
                                  lambda: nx.zeros(2, 3).permute(1.0, 0),
                                  lambda: nx.zeros(1, 3).expand((2.5, 3)),
                                  lambda: nx.zeros(2.5, 3), lambda: nx.randn((2, True))])
def test_sizes_and_dims_must_be_integers_not_truncated_floats(call):
    with pytest.raises(TypeError, match="must be integers"):
        call()
