"""tril and triu: the triangles of (batches of) matrices, differentiable."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, tensors

TRIANGLES = [  # name, fn(lib, x, diagonal) for both libraries
    ("tril", lambda lib, x, k: lib.tril(x, k)),
    ("triu", lambda lib, x, k: lib.triu(x, diagonal=k)),
    ("tril method", lambda lib, x, k: x.tril(k)),
    ("triu method", lambda lib, x, k: x.triu(k)),
]
DIAGONALS = st.integers(-4, 4)


@pytest.mark.parametrize("name, fn", TRIANGLES)
@given(data=st.data())
def test_gradcheck_and_gradgradcheck(name, fn, data):
    x = data.draw(tensors(dtype=nx.float64, requires_grad=True, min_dims=2, max_dims=4))
    k = data.draw(DIAGONALS)
    assert nx.gradcheck(lambda a: fn(nx, a, k), (x,))
    assert nx.gradgradcheck(lambda a: fn(nx, a, k), (x,))


@pytest.mark.parametrize("name, fn", TRIANGLES)
@given(data=st.data())
def test_matches_torch(name, fn, data):
    torch = pytest.importorskip("torch")
    dtype = data.draw(st.sampled_from([nx.float32, nx.float64]))
    x = data.draw(tensors(dtype=dtype, min_dims=2, max_dims=4)).numpy()
    if data.draw(st.booleans()):
        x = np.swapaxes(x, -1, -2)  # non-contiguous, and rows and columns exchanged
    k = data.draw(DIAGONALS)
    assert_matches(torch, lambda lib, a: fn(lib, a, k), x, second_order=True)


@pytest.mark.parametrize("name, fn", TRIANGLES)
@pytest.mark.parametrize("x", [np.arange(6).reshape(2, 3), np.ones((3, 2), bool),
                               np.zeros((0, 3)), np.zeros((2, 0, 4))],
                         ids=lambda x: f"{x.dtype}{x.shape}")
def test_integer_bool_and_empty_match_torch(name, fn, x):
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, a: fn(lib, a, 0), x, grad=False)
    assert_matches(torch, lambda lib, a: fn(lib, a, -1), x, grad=False)


def test_errors_name_the_op_and_shape():
    with pytest.raises(ValueError, match=r"tril: input must have at least 2 dimensions, got "
                                         r"shape \(3,\)"):
        nx.tril(nx.ones(3))
    with pytest.raises(ValueError, match=r"triu: .* got shape \(\)"):
        nx.ones(()).triu()
    with pytest.raises(TypeError, match="triu: diagonal must be an int, got 0.5"):
        nx.triu(nx.ones(2, 2), 0.5)
