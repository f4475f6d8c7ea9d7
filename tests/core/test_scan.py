"""Products and running totals: prod (all elements, or along a dim), cumsum and cumprod, with
their gradients where elements are 0 (PyTorch's rules, to the second derivative)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, on_grid, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])


def _mT(x):
    """The last two axes swapped (a non-contiguous view), or x itself below 2 dimensions."""
    return x.mT if x.ndim >= 2 else x


SCANS = [  # name, fn(lib, x, dim, keepdim) for both libraries, whether it takes an int dim
    ("prod", lambda lib, x, d, k: x.prod(), False),
    ("prod function", lambda lib, x, d, k: lib.prod(x), False),
    ("prod dim", lambda lib, x, d, k: x.prod(d, keepdim=k), True),
    ("prod function dim", lambda lib, x, d, k: lib.prod(x, dim=d, keepdim=k), True),
    ("prod of a transposed view", lambda lib, x, d, k: _mT(x).prod(d, keepdim=k), True),
    ("cumsum", lambda lib, x, d, k: x.cumsum(d), True),
    ("cumsum function", lambda lib, x, d, k: lib.cumsum(x, dim=d), True),
    ("cumsum of a transposed view", lambda lib, x, d, k: _mT(x).cumsum(d), True),
    ("cumprod", lambda lib, x, d, k: x.cumprod(d), True),
    ("cumprod function", lambda lib, x, d, k: lib.cumprod(x, dim=d), True),
    ("cumprod of a transposed view", lambda lib, x, d, k: _mT(x).cumprod(d), True),
]


def _draw(data, dtype, requires_grad=False, zeros=True):
    """A small tensor on a grid (0 among the values when ``zeros``), a dim and keepdim."""
    elements = on_grid(-1.5, 1.5, 0.5) if zeros else on_grid(0.5, 1.5, 0.5)
    x = data.draw(tensors(dtype=dtype, elements=elements, max_dims=3,
                          requires_grad=requires_grad))
    n = max(x.ndim, 1)
    return x, data.draw(st.integers(-n, n - 1)), data.draw(st.booleans())


@pytest.mark.parametrize("name, fn, takes_dim", SCANS)
@settings(max_examples=12)  # each example checks every second derivative
@given(data=st.data())
def test_scan_gradcheck_and_gradgradcheck(name, fn, takes_dim, data):
    # zeros are common: the gradient formulas that avoid dividing by them are checked too
    x, dim, keepdim = _draw(data, nx.float64, requires_grad=True)
    assert nx.gradcheck(lambda a: fn(nx, a, dim, keepdim), (x,))
    assert nx.gradgradcheck(lambda a: fn(nx, a, dim, keepdim), (x,))


@pytest.mark.parametrize("name, fn, takes_dim", SCANS)
@settings(max_examples=15)  # second derivatives on both sides
@given(data=st.data(), zeros=st.booleans())
def test_scan_matches_torch(name, fn, takes_dim, data, zeros):
    torch = pytest.importorskip("torch")
    x, dim, keepdim = _draw(data, data.draw(FLOATS), zeros=zeros)
    assert_matches(torch, lambda lib, a: fn(lib, a, dim, keepdim), x.numpy(), second_order=True)


@pytest.mark.parametrize("name, fn, takes_dim", SCANS)
@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0), (3, 0, 2)])
def test_scan_of_empty_tensors_matches_torch(name, fn, takes_dim, shape):
    torch = pytest.importorskip("torch")
    for dim in range(len(shape)):
        assert_matches(torch, lambda lib, a: fn(lib, a, dim, False), np.ones(shape),
                       second_order=True)


@pytest.mark.parametrize("name, fn, takes_dim", SCANS)
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.bool_])
def test_integers_give_int64_as_in_torch(name, fn, takes_dim, dtype):
    torch = pytest.importorskip("torch")
    x = np.array([[1, 0, 2], [3, 1, 1]]).astype(dtype)
    assert_matches(torch, lambda lib, a: fn(lib, a, 1, False), x)


@pytest.mark.parametrize("op", ["prod", "cumsum", "cumprod"])
def test_dtype_argument_matches_torch(op):
    torch = pytest.importorskip("torch")
    x = np.array([[1.5, 0.5], [2.0, -1.0]], np.float32)
    assert_matches(torch, lambda lib, a: getattr(a, op)(1, dtype=lib.float64), x,
                   second_order=True)
    assert_matches(torch, lambda lib, a: getattr(lib, op)(a, 0, dtype=lib.float64),
                   x.astype(np.int64))


def test_cumprod_gradient_with_zeros_is_torchs():
    x = nx.tensor([2.0, 0.0, 3.0, 4.0], requires_grad=True)
    x.cumprod(0).sum().backward()
    assert x.grad.tolist() == [1.0, 32.0, 0.0, 0.0]  # 1 + 0 + 0 + 0; 2 + 2*3 + 2*3*4; 0; 0


@pytest.mark.parametrize("values", [[0.0, 2.0, 3.0], [2.0, 0.0, 0.0, 3.0], [0.0, 0.0],
                                    [1.5, -2.0, 0.0], [0.0]])
def test_zeros_match_torch_to_the_second_derivative(values):
    torch = pytest.importorskip("torch")
    x = np.array([values, values[::-1]])
    for fn in (lambda lib, a: a.prod(1), lambda lib, a: a.prod(),
               lambda lib, a: a.cumprod(1), lambda lib, a: a.cumprod(0)):
        assert_matches(torch, fn, x, second_order=True)


def test_cumprod_with_zeros_has_a_third_derivative():
    x = nx.tensor([1.5, 0.0, 2.0], dtype=nx.float64, requires_grad=True)
    assert nx.gradgradcheck(lambda a: nx.autograd.grad(a.cumprod(0).sum(), a,
                                                       create_graph=True)[0], (x,))


def test_a_0d_tensor_is_its_own_product_and_running_sum():
    x = nx.tensor(3.0, requires_grad=True)
    assert x.prod().item() == x.prod(0).item() == x.cumsum(0).item() == 3.0
    assert x.cumprod(-1).shape == ()


def test_prod_refuses_a_list_of_dims():
    with pytest.raises(TypeError, match=r"prod: dim must be an int or None, got \(0, 1\)"):
        nx.ones(2, 3).prod(dim=(0, 1))


@pytest.mark.parametrize("op", ["prod", "cumsum", "cumprod"])
def test_dim_out_of_range_names_the_op(op):
    with pytest.raises(IndexError, match=f"{op}: dim 2 is out of range for a tensor of 2 dim"):
        getattr(nx.ones(2, 3), op)(2)
