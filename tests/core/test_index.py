"""Differentiable indexing: basic (ints, slices, None, Ellipsis) and advanced (integer arrays
and tensors, lists, bool masks), where repeated indices accumulate their gradients."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, away_from, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])

INDEXING = [  # name, input shape, fn(lib, x) for both libraries (elements ranged(-3, 3))
    ("int", (4, 3), lambda lib, x: x[1]),
    ("negative int", (4, 3), lambda lib, x: x[-1]),
    ("two ints", (4, 3), lambda lib, x: x[2, -2]),
    ("int of 1-d", (5,), lambda lib, x: x[3]),
    ("slice", (5, 3), lambda lib, x: x[1:4]),
    ("slice with step", (5, 3), lambda lib, x: x[::2, 1:]),
    ("negative slice bounds", (5, 3), lambda lib, x: x[-3:-1, :-1]),
    ("empty slice", (5, 3), lambda lib, x: x[3:1]),
    ("None", (4, 3), lambda lib, x: x[None, :, None]),
    ("Ellipsis", (2, 3, 4), lambda lib, x: x[..., 1]),
    ("Ellipsis and None", (2, 3, 4), lambda lib, x: x[1, ..., None, 2:]),
    ("full slice of 0-d", (), lambda lib, x: x[...]),
    ("None on 0-d", (), lambda lib, x: x[None]),
    ("list", (5, 3), lambda lib, x: x[[0, 2, 4]]),
    ("repeated list", (5, 3), lambda lib, x: x[[1, 1, 3, 1]]),
    ("int tensor", (5, 3), lambda lib, x: x[lib.tensor([4, 0, 0])]),
    ("2-d int tensor", (5, 3), lambda lib, x: x[lib.tensor([[0, 1], [1, 4]])]),
    ("negative indices", (5, 3), lambda lib, x: x[[-1, -5, -1]]),
    ("two index arrays", (4, 3), lambda lib, x: x[[0, 0, 3], [2, 2, 1]]),
    ("broadcast index arrays", (4, 3), lambda lib, x: x[lib.tensor([[0], [3]]),
                                                       lib.tensor([1, 1, 2])]),
    ("array then slice", (4, 3, 2), lambda lib, x: x[[2, 0, 2], 1:]),
    ("slice then array", (4, 3, 2), lambda lib, x: x[:, [2, 2, 0]]),
    ("int and array", (4, 3, 2), lambda lib, x: x[1, [0, 0, 2]]),
    ("bool mask", (4, 3), lambda lib, x: x[lib.tensor([[True, False, True]] * 2 +
                                                      [[False, False, True]] * 2)]),
    ("data-dependent mask", (4, 3), lambda lib, x: x[x > 0]),
    ("row mask", (4, 3), lambda lib, x: x[lib.tensor([True, False, True, True])]),
    ("mask of last dim", (2, 4), lambda lib, x: x[:, lib.tensor([False, True, True, False])]),
    ("int64 scalar tensor", (4, 3), lambda lib, x: x[lib.tensor(2)]),
    ("empty list", (4, 3), lambda lib, x: x[[]]),  # NumPy reads [] as float64: refused
    ("empty list after slice", (4, 3), lambda lib, x: x[1:, []]),
]


@pytest.mark.parametrize("name, shape, fn", INDEXING)
@given(data=st.data())
def test_index_gradcheck_and_gradgradcheck(name, shape, fn, data):
    # elements away from 0, so that a finite difference never changes the mask x > 0
    x = data.draw(tensors(shape, nx.float64, away_from(0.0), requires_grad=True))
    assert nx.gradcheck(lambda a: fn(nx, a), (x,))
    assert nx.gradgradcheck(lambda a: fn(nx, a), (x,))


@pytest.mark.parametrize("name, shape, fn", INDEXING)
@given(data=st.data())
def test_index_matches_torch(name, shape, fn, data):
    torch = pytest.importorskip("torch")
    x = data.draw(tensors(shape, data.draw(FLOATS)))
    assert_matches(torch, fn, x.numpy(), second_order=True)


def test_repeated_indices_accumulate():
    x = nx.zeros(4, requires_grad=True)
    x[[1, 1, 3, 1]].sum().backward()
    assert x.grad.tolist() == [0.0, 3.0, 0.0, 1.0]


def test_basic_index_returns_a_view_and_records_a_node():
    x = nx.arange(6.0).reshape(2, 3).detach().requires_grad_()
    y = x[1]
    assert np.shares_memory(y.numpy(), x.numpy()) and type(y.grad_fn).__name__ == "GetItem"


def test_iteration_yields_differentiable_rows():
    x = nx.ones(3, 2, requires_grad=True)
    total = sum(row.sum() * (i + 1) for i, row in enumerate(x))
    total.backward()
    assert x.grad.tolist() == [[1, 1], [2, 2], [3, 3]]


INDEX_ERRORS = [  # call on a (4, 3) tensor
    lambda x: x[4],
    lambda x: x[0, 3],
    lambda x: x[[0, 5]],
    lambda x: x[0, 0, 0],
    lambda x: x[nx.tensor([True, False])],
]


@pytest.mark.parametrize("call", INDEX_ERRORS)
def test_bad_index_names_op_and_shape(call):
    with pytest.raises(IndexError,
                       match=r"^getitem: index .* does not fit a tensor of shape \(4, 3\)"):
        call(nx.ones(4, 3))


def test_float_index_is_a_type_error():
    with pytest.raises(IndexError, match=r"getitem: .*\(4, 3\)"):
        nx.ones(4, 3)[nx.tensor([0.0, 1.0])]
