"""Matrix products: 2-D, batched, broadcasting batch axes, and the 1-D vector cases."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])


@st.composite
def matmul_shapes(draw):
    """Shapes (a, b) that np.matmul accepts: each 1-D (a vector) or n-D with batch axes that
    broadcast, e.g. ((2, 1, 3, 4), (5, 4, 2)) or ((4,), (3, 4, 2))."""
    n, k, m = draw(st.integers(1, 3)), draw(st.integers(0, 3)), draw(st.integers(1, 3))
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    a_batch = [s if draw(st.booleans()) else 1 for s in batch][draw(st.integers(0, len(batch))):]
    b_batch = [s if draw(st.booleans()) else 1 for s in batch][draw(st.integers(0, len(batch))):]
    a = (k,) if draw(st.integers(0, 3)) == 0 else tuple(a_batch) + (n, k)
    b = (k,) if draw(st.integers(0, 3)) == 0 else tuple(b_batch) + (k, m)
    return a, b


MATMULS = [  # name, fn(lib, x, y) for both libraries
    ("@", lambda lib, x, y: x @ y),
    ("matmul", lambda lib, x, y: lib.matmul(x, y)),
    ("method", lambda lib, x, y: x.matmul(y)),
    ("x @ y.T-like", lambda lib, x, y: (y.transpose(-1, -2) @ x.transpose(-1, -2))
     if x.ndim > 1 and y.ndim > 1 else x @ y),
]


@pytest.mark.parametrize("name, fn", MATMULS)
@given(data=st.data())
def test_matmul_gradcheck_and_gradgradcheck(name, fn, data):
    a, b = data.draw(matmul_shapes())
    x = data.draw(tensors(a, nx.float64, requires_grad=True))
    y = data.draw(tensors(b, nx.float64, requires_grad=True))
    assert nx.gradcheck(lambda p, q: fn(nx, p, q), (x, y))
    assert nx.gradgradcheck(lambda p, q: fn(nx, p, q), (x, y))


@pytest.mark.parametrize("name, fn", MATMULS)
@given(data=st.data())
def test_matmul_matches_torch(name, fn, data):
    torch = pytest.importorskip("torch")
    a, b = data.draw(matmul_shapes())
    dtype = data.draw(FLOATS)
    x, y = data.draw(tensors(a, dtype)), data.draw(tensors(b, dtype))
    assert_matches(torch, fn, x.numpy(), y.numpy(), second_order=True)


CASES = [  # every 1-D / 2-D / batched combination once, by name
    ("vector . vector", (3,), (3,)), ("vector @ matrix", (3,), (3, 2)),
    ("matrix @ vector", (2, 3), (3,)), ("matrix @ matrix", (2, 3), (3, 4)),
    ("batch @ vector", (4, 2, 3), (3,)), ("vector @ batch", (3,), (4, 3, 2)),
    ("batch @ matrix", (4, 2, 3), (3, 5)), ("matrix @ batch", (2, 3), (4, 3, 5)),
    ("broadcast batches", (2, 1, 2, 3), (5, 3, 4)), ("empty inner", (2, 0), (0, 3)),
]


@pytest.mark.parametrize("name, a, b", CASES)
def test_matmul_case_matches_torch(name, a, b):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    assert_matches(torch, lambda lib, x, y: x @ y, rng.standard_normal(a), rng.standard_normal(b),
                   second_order=True)


def test_matmul_with_one_side_not_requiring_grad():
    x = nx.randn(2, 3, requires_grad=True)
    w = nx.randn(3, 4)
    (x @ w).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.broadcast_to(w.numpy().sum(1), (2, 3)),
                               rtol=1e-6)
    assert w.grad is None


def test_matmul_mixed_dtypes_promote():
    x = nx.ones(2, 3, requires_grad=True)
    w = nx.ones(3, 2, dtype=nx.float64, requires_grad=True)
    out = x @ w
    out.sum().backward()
    assert out.dtype == nx.float64 and x.grad.dtype == nx.float32 and w.grad.dtype == nx.float64


MATMUL_ERRORS = [  # shapes, and what the message must contain
    ((2, 3), (4, 5), ["(2, 3)", "(4, 5)", "3 != 4"]),
    ((3,), (4,), ["(3,)", "(4,)"]),
    ((2, 2, 3), (3, 3, 4), ["(2, 2, 3)", "(3, 3, 4)", "batch"]),
    ((), (3,), ["()", "(3,)"]),
]


@pytest.mark.parametrize("a, b, expected", MATMUL_ERRORS)
def test_matmul_mismatch_names_op_and_shapes(a, b, expected):
    with pytest.raises(ValueError) as info:
        nx.ones(a) @ nx.ones(b)
    message = str(info.value)
    assert message.startswith("matmul:")
    for text in expected:
        assert text in message, message


CHECKED = ["mm", "bmm", "mv", "dot", "outer"]


@st.composite
def _checked_product(draw, name):
    """(shapes, fn(lib, x, y)) for ``name`` (mm, bmm, mv, dot, outer), as a function or a
    method, on sizes including 0; a matrix goes in transposed (non-contiguous)."""
    n, k, m, b = (draw(st.integers(0, 3)) for _ in range(4))
    shapes = {"mm": ((k, n), (k, m)), "bmm": ((b, k, n), (b, k, m)), "mv": ((k, n), (k,)),
              "dot": ((k,), (k,)), "outer": ((n,), (m,))}[name]
    method = draw(st.booleans())

    def fn(lib, x, y):
        x = x.mT if x.ndim > 1 else x  # drawn as (.., k, n): its transpose is non-contiguous
        return getattr(x, name)(y) if method else getattr(lib, name)(x, y)
    return shapes, fn


@pytest.mark.parametrize("name", CHECKED)
@given(data=st.data())
def test_checked_products_gradcheck_and_gradgradcheck(name, data):
    (a, b), fn = data.draw(_checked_product(name))
    x = data.draw(tensors(a, nx.float64, requires_grad=True))
    y = data.draw(tensors(b, nx.float64, requires_grad=True))
    assert nx.gradcheck(lambda p, q: fn(nx, p, q), (x, y))
    assert nx.gradgradcheck(lambda p, q: fn(nx, p, q), (x, y))


@pytest.mark.parametrize("name", CHECKED)
@given(data=st.data())
def test_checked_products_match_torch(name, data):
    torch = pytest.importorskip("torch")
    (a, b), fn = data.draw(_checked_product(name))
    dtype = data.draw(FLOATS)
    x, y = data.draw(tensors(a, dtype)), data.draw(tensors(b, dtype))
    assert_matches(torch, fn, x.numpy(), y.numpy(), second_order=True)


def test_dot_and_outer_of_integers_stay_integers():
    v = nx.tensor([1, 2, 3])
    assert nx.dot(v, v).tolist() == 14 and nx.dot(v, v).dtype == nx.int64
    assert nx.outer(v, v).dtype == nx.int64 and nx.outer(v, v).tolist()[2] == [3, 6, 9]


CHECKED_ERRORS = [  # op name, call, what the message must name
    ("mm", lambda: nx.mm(nx.ones(2, 3), nx.ones(2, 3)), ["(2, 3)", "3 != 2"]),
    ("mm", lambda: nx.mm(nx.ones(3), nx.ones(3, 4)), ["input", "2-D", "(3,)"]),
    ("mm", lambda: nx.ones(2, 3).mm(nx.ones(3)), ["mat2", "2-D", "(3,)"]),
    ("mm", lambda: nx.mm(nx.ones(2, 2, 3), nx.ones(3, 4)), ["input", "(2, 2, 3)"]),
    ("bmm", lambda: nx.bmm(nx.ones(2, 2, 3), nx.ones(1, 3, 4)), ["(2, 2, 3)", "(1, 3, 4)"]),
    ("bmm", lambda: nx.bmm(nx.ones(2, 2, 3), nx.ones(2, 4, 4)), ["(2, 2, 3)", "(2, 4, 4)"]),
    ("bmm", lambda: nx.bmm(nx.ones(2, 3), nx.ones(3, 4)), ["input", "3-D", "(2, 3)"]),
    ("bmm", lambda: nx.ones(2, 2, 3).bmm(nx.ones(3, 4)), ["mat2", "3-D", "(3, 4)"]),
    ("mv", lambda: nx.mv(nx.ones(2, 3), nx.ones(2)), ["(2, 3)", "(2,)", "3 != 2"]),
    ("mv", lambda: nx.mv(nx.ones(2, 3), nx.ones(2, 3)), ["vec", "1-D", "(2, 3)"]),
    ("mv", lambda: nx.ones(3).mv(nx.ones(3)), ["input", "2-D", "(3,)"]),
    ("dot", lambda: nx.dot(nx.ones(3), nx.ones(2)), ["(3,)", "(2,)"]),
    ("dot", lambda: nx.dot(nx.ones(2, 3), nx.ones(3)), ["input", "1-D", "(2, 3)"]),
    ("dot", lambda: nx.ones(3).dot(nx.ones(())), ["tensor", "1-D", "()"]),
    ("outer", lambda: nx.outer(nx.ones(2, 3), nx.ones(3)), ["input", "1-D", "(2, 3)"]),
    ("outer", lambda: nx.ones(3).outer(nx.ones(())), ["vec2", "1-D", "()"]),
]


@pytest.mark.parametrize("op, call, expected", CHECKED_ERRORS)
def test_checked_product_errors_name_op_and_shapes(op, call, expected):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.startswith(f"{op}:"), message
    for text in expected:
        assert text in message, message
