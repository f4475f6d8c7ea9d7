"""Binary arithmetic, scalars, maximum/minimum, where, casts and comparisons."""
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurenix as nx
from neurenix.testing import (assert_matches, away_from, broadcastable_shape_pairs, on_grid,
                              ranged, tensors)

FLOATS = st.sampled_from([nx.float32, nx.float64])

BINARY = [  # name, fn(lib, x, y) for both libraries, x elements, y elements
    ("add", lambda lib, x, y: x + y, ranged(-3, 3), ranged(-3, 3)),
    ("sub", lambda lib, x, y: x - y, ranged(-3, 3), ranged(-3, 3)),
    ("mul", lambda lib, x, y: x * y, ranged(-3, 3), ranged(-3, 3)),
    ("div", lambda lib, x, y: x / y, ranged(-3, 3), away_from(0.0, by=0.5)),
    # exponents away from 0, where PyTorch's rule sets d/dx to 0 outright (and so its
    # derivative in y, which finite differences see as 1/x); test_pow_zero_exponent_* cover 0
    ("pow", lambda lib, x, y: x ** y, ranged(0.5, 3), away_from(0.0, low=-2, high=2)),
    ("maximum", lambda lib, x, y: lib.maximum(x, y), on_grid(), on_grid()),  # exact ties
    ("minimum", lambda lib, x, y: lib.minimum(x, y), on_grid(), on_grid()),
    ("add method", lambda lib, x, y: x.add(y), ranged(-3, 3), ranged(-3, 3)),
    ("mul function", lambda lib, x, y: lib.mul(x, y), ranged(-3, 3), ranged(-3, 3)),
    ("div function", lambda lib, x, y: lib.div(x, y), ranged(-3, 3), away_from(0.0, by=0.5)),
    ("sub method", lambda lib, x, y: x.sub(y), ranged(-3, 3), ranged(-3, 3)),
    ("add alpha", lambda lib, x, y: lib.add(x, y, alpha=2.5), ranged(-3, 3), ranged(-3, 3)),
    ("add alpha int", lambda lib, x, y: x.add(y, alpha=-2), ranged(-3, 3), ranged(-3, 3)),
    ("sub alpha", lambda lib, x, y: lib.sub(x, y, alpha=0.5), ranged(-3, 3), ranged(-3, 3)),
    ("sub alpha method", lambda lib, x, y: x.sub(y, alpha=3), ranged(-3, 3), ranged(-3, 3)),
]

SCALAR = [  # name, fn(lib, x) combining x with a Python scalar, x elements
    ("x + 2", lambda lib, x: x + 2, ranged(-3, 3)),
    ("2 + x", lambda lib, x: 2 + x, ranged(-3, 3)),
    ("x - 0.5", lambda lib, x: x - 0.5, ranged(-3, 3)),
    ("1 - x", lambda lib, x: 1 - x, ranged(-3, 3)),
    ("x * 3", lambda lib, x: x * 3, ranged(-3, 3)),
    ("2.5 * x", lambda lib, x: 2.5 * x, ranged(-3, 3)),
    ("x / 4", lambda lib, x: x / 4, ranged(-3, 3)),
    ("1 / x", lambda lib, x: 1 / x, away_from(0.0, by=0.5)),
    ("x ** 2", lambda lib, x: x ** 2, ranged(-3, 3)),
    ("x ** 3", lambda lib, x: x ** 3, ranged(-3, 3)),
    ("x ** 0.5", lambda lib, x: x ** 0.5, ranged(0.5, 3)),
    ("x ** -1", lambda lib, x: x ** -1, away_from(0.0, by=0.5)),
    ("2 ** x", lambda lib, x: 2 ** x, ranged(-3, 3)),
    ("-x", lambda lib, x: -x, ranged(-3, 3)),
    ("+x", lambda lib, x: +x * 1, ranged(-3, 3)),
    ("neg", lambda lib, x: lib.neg(x), ranged(-3, 3)),
    ("pow function", lambda lib, x: lib.pow(x, 2), ranged(-3, 3)),
    ("maximum(x, 0.5)", lambda lib, x: lib.maximum(x, lib.tensor(0.5, dtype=x.dtype)),
     on_grid()),
    ("to float64", lambda lib, x: x.to(lib.float64) * 1, ranged(-3, 3)),
    ("double", lambda lib, x: x.double() * 1, ranged(-3, 3)),
]

# At a tie of maximum/minimum the split gradient jumps, so its derivative is checked off the grid,
# away from ties; first derivatives are checked at the ties too.
OFF_TIES = {"maximum": ranged(-3, 3), "minimum": ranged(-3, 3),
            "maximum(x, 0.5)": away_from(0.5)}

CASTS = [  # name, fn(lib, x): float32 <-> float64 casts (to float32 is too coarse for gradcheck)
    ("to float32", lambda lib, x: x.to(lib.float32) * 1),
    ("to float64", lambda lib, x: x.to(lib.float64) * 1),
    ("float", lambda lib, x: x.float() * 1),
    ("double", lambda lib, x: x.double() * 1),
    ("type", lambda lib, x: x.type(lib.float64) * 1),
]

COMPARE = [  # name, fn(lib, x, y) returning a bool tensor
    ("lt", lambda lib, x, y: x < y),
    ("le", lambda lib, x, y: x <= y),
    ("gt", lambda lib, x, y: x > y),
    ("ge", lambda lib, x, y: x >= y),
    ("eq", lambda lib, x, y: x == y),
    ("ne", lambda lib, x, y: x != y),
    ("gt scalar", lambda lib, x, y: x > 0.5),
    ("eq scalar", lambda lib, x, y: x == 1),
]


def _pair(data, x_elements, y_elements, dtype=nx.float64, requires_grad=True, max_dims=3):
    a, b = data.draw(broadcastable_shape_pairs(max_dims=max_dims, max_side=3))
    return (data.draw(tensors(a, dtype, x_elements, requires_grad)),
            data.draw(tensors(b, dtype, y_elements, requires_grad)))


@pytest.mark.parametrize("name, fn, x_elements, y_elements", BINARY)
@given(data=st.data())
def test_binary_gradcheck_and_gradgradcheck(name, fn, x_elements, y_elements, data):
    x, y = _pair(data, x_elements, y_elements)
    assert nx.gradcheck(lambda a, b: fn(nx, a, b), (x, y))
    if name in OFF_TIES:
        x, y = _pair(data, OFF_TIES[name], OFF_TIES[name])
        assume(np.all(np.abs(x.numpy() - y.numpy()) > 1e-3))  # no tie within a finite step
    assert nx.gradgradcheck(lambda a, b: fn(nx, a, b), (x, y))


@pytest.mark.parametrize("name, fn, x_elements, y_elements", BINARY)
@given(data=st.data())
def test_binary_matches_torch(name, fn, x_elements, y_elements, data):
    torch = pytest.importorskip("torch")
    x, y = _pair(data, x_elements, y_elements, data.draw(FLOATS), requires_grad=False)
    assert_matches(torch, fn, x.numpy(), y.numpy(), second_order=True)


@pytest.mark.parametrize("name, fn, elements", SCALAR)
@given(data=st.data())
def test_scalar_gradcheck_and_gradgradcheck(name, fn, elements, data):
    x = data.draw(tensors(dtype=nx.float64, elements=elements, requires_grad=True, max_dims=3,
                          max_side=3))
    assert nx.gradcheck(lambda a: fn(nx, a), (x,))
    if name in OFF_TIES:
        x = data.draw(tensors(x.shape, nx.float64, OFF_TIES[name], requires_grad=True))
    assert nx.gradgradcheck(lambda a: fn(nx, a), (x,))


@pytest.mark.parametrize("name, fn, elements", SCALAR)
@given(data=st.data())
def test_scalar_matches_torch(name, fn, elements, data):
    torch = pytest.importorskip("torch")
    x = data.draw(tensors(dtype=data.draw(FLOATS), elements=elements, max_dims=3, max_side=3))
    assert_matches(torch, fn, x.numpy(), second_order=True)


@pytest.mark.parametrize("name, fn", CASTS)
@given(data=st.data())
def test_cast_matches_torch(name, fn, data):
    torch = pytest.importorskip("torch")
    x = data.draw(tensors(dtype=data.draw(FLOATS), max_dims=3, max_side=3))
    assert_matches(torch, fn, x.numpy(), second_order=True)


@pytest.mark.parametrize("name, fn", COMPARE)
@given(data=st.data())
def test_compare_matches_torch(name, fn, data):
    torch = pytest.importorskip("torch")
    # small integers as floats, so that equal elements are common
    x, y = _pair(data, st.integers(-2, 2).map(float), st.integers(-2, 2).map(float),
                 data.draw(FLOATS), requires_grad=False)
    assert_matches(torch, fn, x.numpy(), y.numpy(), grad=False)


def test_compare_records_no_gradient():
    x = nx.tensor([1.0, 2.0], requires_grad=True)
    out = x > 1.5
    assert out.dtype == nx.bool_ and not out.requires_grad and out.tolist() == [False, True]


@st.composite
def _where_inputs(draw, dtype):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    cond_shape, x_shape, y_shape = shapes.input_shapes
    cond = draw(hnp.arrays(np.bool_, cond_shape))
    x = draw(tensors(x_shape, dtype))
    y = draw(tensors(y_shape, dtype))
    return cond, x, y


@given(data=st.data())
def test_where_gradcheck_and_gradgradcheck(data):
    cond, x, y = data.draw(_where_inputs(nx.float64))
    x.requires_grad_(), y.requires_grad_()
    assert nx.gradcheck(lambda a, b: nx.where(nx.tensor(cond), a, b), (x, y))
    assert nx.gradgradcheck(lambda a, b: nx.where(nx.tensor(cond), a, b), (x, y))


@given(data=st.data())
def test_where_matches_torch(data):
    torch = pytest.importorskip("torch")
    cond, x, y = data.draw(_where_inputs(data.draw(FLOATS)))
    assert_matches(torch, lambda lib, c, a, b: lib.where(c, a, b), cond, x.numpy(), y.numpy(),
                   second_order=True)


def test_where_with_scalar_branch_keeps_dtype():
    x = nx.tensor([1.0, -2.0, 3.0], requires_grad=True)
    out = nx.where(x > 0, x, 0.0)
    out.sum().backward()
    assert out.dtype == nx.float32 and out.tolist() == [1.0, 0.0, 3.0]
    assert x.grad.tolist() == [1.0, 0.0, 1.0]


def test_where_rejects_non_bool_condition():
    x = nx.ones(3)
    with pytest.raises(TypeError, match="where: condition must be a bool tensor.*float32"):
        nx.where(x, x, x)


def test_maximum_ties_split_the_gradient():
    x = nx.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = nx.tensor([1.0, 5.0, 0.0], requires_grad=True)
    nx.maximum(x, y).sum().backward()
    assert x.grad.tolist() == [0.5, 0.0, 1.0] and y.grad.tolist() == [0.5, 1.0, 0.0]


def test_pow_zero_base_gives_finite_exponent_gradient():
    x = nx.tensor([0.0, 2.0], dtype=nx.float64, requires_grad=True)
    y = nx.tensor([2.0, 3.0], dtype=nx.float64, requires_grad=True)
    (x ** y).sum().backward()
    assert x.grad.tolist() == [0.0, 12.0]
    assert y.grad.tolist() == pytest.approx([0.0, 8 * np.log(2.0)])


def test_cast_to_integer_cuts_the_graph():
    x = nx.tensor([1.7, -2.2], requires_grad=True)
    out = x.long()
    assert out.dtype == nx.int64 and out.tolist() == [1, -2] and not out.requires_grad


def test_cast_to_same_dtype_is_identity():
    x = nx.ones(2)
    assert x.to(nx.float32) is x and x.to(np.float32) is x


def test_cast_backward_returns_the_input_dtype():
    x = nx.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(nx.float64) * 3
    assert y.dtype == nx.float64
    y.sum().backward()
    assert x.grad.dtype == nx.float32 and x.grad.tolist() == [3.0, 3.0]


def test_array_operand_promotes_like_a_tensor():
    x = nx.ones(2)
    assert (x + np.array([1.0, 2.0])).dtype == nx.float64
    assert (x + [1.0, 2.0]).tolist() == [2.0, 3.0]


@pytest.mark.parametrize("op, fn", [("add", lambda a, b: a + b), ("sub", lambda a, b: a - b),
                                    ("mul", lambda a, b: a * b), ("div", lambda a, b: a / b),
                                    ("pow", lambda a, b: a ** b),
                                    ("maximum", nx.maximum), ("minimum", nx.minimum),
                                    ("lt", lambda a, b: a < b)])
def test_shape_mismatch_names_op_and_shapes(op, fn):
    with pytest.raises(ValueError) as info:
        fn(nx.ones(2, 3), nx.ones(4))
    message = str(info.value)
    assert message.startswith(f"{op}:") and "(2, 3)" in message and "(4,)" in message


def test_where_shape_mismatch_names_all_shapes():
    with pytest.raises(ValueError, match=r"where: .*\(3,\).*\(2, 3\).*\(4,\)"):
        nx.where(nx.ones(3) > 0, nx.ones(2, 3), nx.ones(4))


def test_unsupported_operand_raises_type_error():
    with pytest.raises(TypeError, match="add: cannot combine a Tensor with str"):
        nx.ones(2) + "a"


EMPTY = [  # shapes with a zero-length axis: the result is empty, and so are the gradients
    ((0, 3), (3,)), ((2, 0), (2, 1)), ((0,), ()), ((1, 0), (4, 1)),
]


@pytest.mark.parametrize("a, b", EMPTY)
@pytest.mark.parametrize("name, fn, x_elements, y_elements", BINARY)
def test_binary_on_empty_tensors_matches_torch(name, fn, x_elements, y_elements, a, b):
    torch = pytest.importorskip("torch")
    assert_matches(torch, fn, np.ones(a, np.float32), np.full(b, 2.0, np.float32),
                   second_order=True)


def test_where_with_two_numbers():
    out = nx.where(nx.tensor([True, False]), 1.0, 0.0)
    assert out.dtype == nx.float32 and out.tolist() == [1.0, 0.0]


@pytest.mark.parametrize("exponent", [0, 0.0, np.array([0.0, 1.0])])
def test_pow_zero_exponent_has_zero_gradient_at_zero_base(exponent):
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, x: x ** (exponent if np.ndim(exponent) == 0
                                               else lib.tensor(exponent)),
                   np.array([0.0, 2.0]))


def test_comparison_with_none_is_identity():
    x = nx.ones(2)
    assert (x == None) is False and (x != None) is True  # noqa: E711


NUMBERS = [  # name, fn(lib): add, sub, mul and div of two numbers give a 0-d tensor, as torch
    ("add floats", lambda lib: lib.add(2.0, 3.0)),
    ("add ints", lambda lib: lib.add(2, 3)),
    ("add int float", lambda lib: lib.add(2, 3.5)),
    ("sub", lambda lib: lib.sub(2.5, 3)),
    ("mul bool int", lambda lib: lib.mul(True, 3)),
    ("div ints", lambda lib: lib.div(2, 3)),
    ("add alpha", lambda lib: lib.add(2.0, 3, alpha=2)),
    ("keywords", lambda lib: lib.add(input=lib.ones(2), other=1, alpha=3)),
    ("int tensors alpha", lambda lib: lib.add(lib.tensor([1, 2]), lib.tensor([3, 4]), alpha=-2)),
    ("bool alpha", lambda lib: lib.add(lib.tensor([True]), lib.tensor([False]), alpha=True)),
]


@pytest.mark.parametrize("name, fn", NUMBERS)
def test_numbers_and_alpha_match_torch(name, fn):
    torch = pytest.importorskip("torch")
    assert_matches(torch, fn, grad=False)  # values, shape and dtype


def test_alpha_and_bool_errors_name_the_op():
    with pytest.raises(RuntimeError, match="add: for integer tensors alpha must not be a "
                                           "floating-point number, got alpha=0.5"):
        nx.add(nx.tensor([1, 2]), nx.tensor([3, 4]), alpha=0.5)
    with pytest.raises(RuntimeError, match="sub: a bool alpha is only supported for bool "
                                           "tensors"):
        nx.ones(2).sub(nx.ones(2), alpha=True)
    with pytest.raises(TypeError, match=r"sub: subtraction with a bool tensor is not supported "
                                        r"\(shapes \(2,\) and \(\)\); to invert a mask use ~"):
        nx.tensor([True, False]) - 1
    with pytest.raises(TypeError, match=r"sub: .*bool tensor .*shapes \(\) and \(1,\)"):
        nx.sub(1.5, nx.tensor([True]))
    with pytest.raises(TypeError, match="add: expected at least one Tensor, got list and list"):
        nx.add([1.0], [2.0])  # as torch: lists are not numbers
