"""Comparisons as functions and methods, isnan/isinf/isfinite, logical_* and bitwise_* (with the
operators ~ & | ^), isclose, allclose and equal: bool results that never require grad."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurenix as nx
from neurenix.testing import assert_matches, broadcastable_shape_pairs

COMPARE = ["eq", "ne", "lt", "le", "gt", "ge"]
DTYPES = [np.float32, np.float64, np.int32, np.int64, np.bool_]


@st.composite
def _pair(draw, dtypes=DTYPES):
    """Two arrays of broadcastable shapes and drawn dtypes, with small values so ties are
    common."""
    a, b = draw(broadcastable_shape_pairs(max_dims=3, max_side=3))
    arrays = []
    for shape in (a, b):
        dtype = draw(st.sampled_from(dtypes))
        values = st.booleans() if dtype is np.bool_ else st.integers(-2, 2)
        arrays.append(draw(hnp.arrays(dtype, shape, elements=values)))
    return arrays


@pytest.mark.parametrize("name", COMPARE + ["logical_and", "logical_or", "logical_xor"])
@given(pair=_pair())
def test_comparison_and_logical_functions_and_methods_match_torch(name, pair):
    torch = pytest.importorskip("torch")
    x, y = pair
    assert_matches(torch, lambda lib, a, b: getattr(lib, name)(a, b), x, y, grad=False)
    assert_matches(torch, lambda lib, a, b: getattr(a, name)(b), x, y, grad=False)
    if name in COMPARE:  # a number as the other operand (PyTorch's logical_* refuse one)
        assert_matches(torch, lambda lib, a, b: getattr(a, name)(1), x, y, grad=False)


BITWISE = [  # name, fn(lib, x, y) on bool or integer tensors
    ("bitwise_and", lambda lib, x, y: lib.bitwise_and(x, y)),
    ("&", lambda lib, x, y: x & y),
    ("| method", lambda lib, x, y: x.bitwise_or(y)),
    ("|", lambda lib, x, y: x | y),
    ("^", lambda lib, x, y: x ^ y),
    ("bitwise_xor", lambda lib, x, y: lib.bitwise_xor(x, y)),
    ("~", lambda lib, x, y: ~x),
    ("bitwise_not", lambda lib, x, y: lib.bitwise_not(y)),
    ("& with a number", lambda lib, x, y: x & 1),
    ("number |", lambda lib, x, y: 2 | y),
    ("mask & mask", lambda lib, x, y: (x > 0) & (y < 1)),
]


@pytest.mark.parametrize("name, fn", BITWISE)
@given(pair=_pair([np.int32, np.int64, np.bool_]))
def test_bitwise_and_operators_match_torch(name, fn, pair):
    torch = pytest.importorskip("torch")
    assert_matches(torch, fn, *pair, grad=False)


@pytest.mark.parametrize("name", ["isnan", "isinf", "isfinite", "logical_not"])
@pytest.mark.parametrize("x", [np.array([0.0, -1.5, np.nan, np.inf, -np.inf], np.float32),
                               np.array([[np.nan], [2.0]]), np.array([0, 3, -1]),
                               np.array([True, False]), np.zeros((0, 2)), np.array(np.nan)],
                         ids=lambda x: f"{x.dtype}{x.shape}")
def test_tests_match_torch(name, x):
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, a: getattr(lib, name)(a), x, grad=False)
    assert_matches(torch, lambda lib, a: getattr(a, name)(), x, grad=False)


@given(data=st.data())
def test_isclose_and_allclose_match_torch(data):
    torch = pytest.importorskip("torch")
    a, b = data.draw(broadcastable_shape_pairs(max_dims=3, max_side=3))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    special = st.sampled_from([0.0, 1.0, 1.0 + 1e-6, 1.0 + 1e-4, np.nan, np.inf, -np.inf])
    x, y = (data.draw(hnp.arrays(dtype, s, elements=special)) for s in (a, b))
    rtol, atol = data.draw(st.sampled_from([(1e-5, 1e-8), (0.0, 0.0), (1e-3, 0.0)]))
    equal_nan = data.draw(st.booleans())
    assert_matches(torch, lambda lib, p, q: lib.isclose(p, q, rtol, atol, equal_nan), x, y,
                   grad=False)
    assert_matches(torch, lambda lib, p, q: p.isclose(q, rtol=rtol, atol=atol), x, y,
                   grad=False)
    ours = nx.allclose(nx.tensor(x), nx.tensor(y), rtol, atol, equal_nan)
    assert ours is torch.allclose(torch.tensor(x), torch.tensor(y), rtol, atol, equal_nan)
    assert nx.tensor(x).allclose(nx.tensor(y), rtol, atol, equal_nan) is ours


def test_isclose_of_integers_and_bools_matches_torch():
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, p, q: lib.isclose(p, q), np.array([1, 2, 3]),
                   np.array([1, 3, 3]), grad=False)
    assert_matches(torch, lambda lib, p, q: lib.isclose(p, q), np.array([True, False]),
                   np.array([True, True]), grad=False)


@pytest.mark.parametrize("x, y", [
    ([1.0, 2.0], [1.0, 2.0]), ([1.0, 2.0], [1.0, 2.5]), ([1.0, 2.0], [1.0]),
    ([[1.0, 2.0]], [1.0, 2.0]), ([np.nan], [np.nan]), ([], []),
    (np.array([1, 2]), np.array([1.0, 2.0])),  # dtypes may differ
])
def test_equal_matches_torch(x, y):
    torch = pytest.importorskip("torch")
    x, y = np.asarray(x), np.asarray(y)
    ours = nx.equal(nx.tensor(x), nx.tensor(y))
    assert ours is torch.equal(torch.tensor(x), torch.tensor(y))
    assert nx.tensor(x).equal(nx.tensor(y)) is ours


def test_results_never_require_grad():
    x = nx.tensor([1.0, float("nan")], requires_grad=True)
    for out in (nx.eq(x, 1.0), x.ge(x), nx.isnan(x), x.isfinite(), nx.logical_and(x, x),
                x.logical_not(), nx.isclose(x, x), ~(x > 0), (x > 0) | (x < 0)):
        assert out.dtype == nx.bool and not out.requires_grad and out.grad_fn is None


def test_errors_name_the_op_the_dtypes_and_shapes():
    with pytest.raises(ValueError, match=r"logical_and: shapes \(2,\), \(3,\) cannot be "):
        nx.logical_and(nx.ones(2), nx.ones(3))
    with pytest.raises(ValueError, match=r"lt: shapes \(2,\), \(3,\) cannot be broadcast"):
        nx.lt(nx.ones(2), nx.ones(3))
    with pytest.raises(TypeError, match="eq: input must be a Tensor, got float"):
        nx.eq(1.0, nx.ones(2))
    with pytest.raises(TypeError, match="logical_or: other must be a Tensor, got int"):
        nx.logical_or(nx.ones(2), 1)
    with pytest.raises(RuntimeError, match="isclose: input has dtype float32 and other float64"):
        nx.isclose(nx.ones(2), nx.ones(2, dtype=nx.float64))
    with pytest.raises(RuntimeError, match="allclose: rtol and atol must be >= 0"):
        nx.allclose(nx.ones(2), nx.ones(2), rtol=-1.0)
    with pytest.raises(ValueError, match=r"isclose: shapes \(2,\), \(3,\) cannot be broadcast"):
        nx.isclose(nx.ones(2), nx.ones(3))
    with pytest.raises(TypeError, match=r"bitwise_and: needs bool or integer operands, got "
                                        r"dtype float32 \(shapes \(2,\) and \(2,\)\)"):
        nx.ones(2) & nx.ones(2)
    with pytest.raises(TypeError, match="bitwise_not: needs a bool or integer tensor, got "
                                        "dtype float32"):
        ~nx.ones(2)
