"""Tensor: construction, attributes, conversions, repr, in-place updates and the methods that
are not ops (the ops have their own test files)."""
import numpy as np
import pytest

import neurenix as nx
from neurenix.testing import assert_matches

CONSTRUCTION = [  # name, make, expected dtype, expected shape
    ("list of floats", lambda: nx.Tensor([1.0, 2.0]), nx.float32, (2,)),
    ("mixed ints and floats", lambda: nx.Tensor([1, 2.5]), nx.float32, (2,)),
    ("nested lists", lambda: nx.Tensor([[1.0], [2.0]]), nx.float32, (2, 1)),
    ("Python float", lambda: nx.Tensor(3.0), nx.float32, ()),
    ("Python int", lambda: nx.Tensor(3), nx.int64, ()),
    ("Python bool", lambda: nx.Tensor([True, False]), nx.bool_, (2,)),
    ("float64 array keeps dtype", lambda: nx.Tensor(np.zeros((2, 3))), nx.float64, (2, 3)),
    ("float32 array keeps dtype", lambda: nx.Tensor(np.zeros(2, np.float32)), nx.float32, (2,)),
    ("int32 array keeps dtype", lambda: nx.Tensor(np.arange(3, dtype=np.int32)), nx.int32, (3,)),
    ("NumPy float64 scalar", lambda: nx.Tensor(np.float64(2)), nx.float64, ()),
    ("dtype= converts", lambda: nx.Tensor([1, 2], dtype=nx.float64), nx.float64, (2,)),
    ("NumPy dtype accepted", lambda: nx.Tensor([1.0], dtype=np.float64), nx.float64, (1,)),
    ("Python float as dtype", lambda: nx.Tensor([1], dtype=float), nx.float32, (1,)),
    ("shape=", lambda: nx.Tensor(shape=(1, 3, 4, 4)), nx.float32, (1, 3, 4, 4)),
    ("shape= with dtype", lambda: nx.Tensor(shape=(2,), dtype=nx.float64), nx.float64, (2,)),
    ("empty shape", lambda: nx.Tensor(shape=(0, 3)), nx.float32, (0, 3)),
    ("from a Tensor", lambda: nx.Tensor(nx.ones(2, dtype=nx.float64)), nx.float64, (2,)),
    ("list of tensors", lambda: nx.tensor([nx.ones(2), nx.zeros(2)]), nx.float32, (2, 2)),
]


@pytest.mark.parametrize("name, make, dtype, shape", CONSTRUCTION)
def test_construction_dtype_and_shape(name, make, dtype, shape):
    t = make()
    assert t.dtype == dtype and t.shape == shape and isinstance(t.numpy(), np.ndarray)


def test_construction_copies_lists_and_arrays():
    a = np.zeros(2)
    t = nx.Tensor(a)
    a[0] = 5.0
    assert t.tolist() == [0.0, 0.0]


def test_data_and_shape_together_is_an_error():
    with pytest.raises(ValueError, match="Tensor: give either data or shape="):
        nx.Tensor([1.0], shape=(1,))
    with pytest.raises(ValueError, match="Tensor: give data or shape="):
        nx.Tensor()


def test_requires_grad_at_construction():
    assert nx.Tensor([1.0], requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="only floating tensors can require gradients.*int64"):
        nx.Tensor([1], requires_grad=True)


REPRS = [  # tensor, its repr (PyTorch's layout: the dtypes data infers are left out)
    (lambda: nx.tensor([1.0, 2.5]), "tensor([1. , 2.5])"),
    (lambda: nx.tensor([1, 2]), "tensor([1, 2])"),
    (lambda: nx.tensor([True]), "tensor([ True])"),
    (lambda: nx.tensor(2.0), "tensor(2.)"),
    (lambda: nx.ones(2, dtype=nx.float64), "tensor([1., 1.], dtype=float64)"),
    (lambda: nx.ones(1, dtype=nx.int32), "tensor([1], dtype=int32)"),
    (lambda: nx.zeros(0, 3), "tensor([], size=(0, 3))"),
    (lambda: nx.zeros(0), "tensor([])"),
    (lambda: nx.ones(1, requires_grad=True), "tensor([1.], requires_grad=True)"),
    (lambda: nx.ones(1, requires_grad=True) * 2, "tensor([2.], grad_fn=<Mul>)"),
    (lambda: nx.ones(2, 2), "tensor([[1., 1.],\n        [1., 1.]])"),
]


@pytest.mark.parametrize("make, expected", REPRS)
def test_repr(make, expected):
    assert repr(make()) == expected


def test_attributes():
    t = nx.zeros(2, 3, 4)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.dim() == 3 and t.numel() == 24
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4 and len(t) == 2
    assert t.dtype == nx.float32 and t.is_leaf and t.grad is None and not t.requires_grad
    assert t.T.shape == (4, 3, 2) and nx.zeros(2, 3).t().shape == (3, 2)


def test_conversions():
    t = nx.tensor([[1.5]])
    assert t.item() == 1.5 and float(t) == 1.5 and int(t) == 1 and bool(t)
    assert t.tolist() == [[1.5]] and np.asarray(t).dtype == np.float32
    assert t.numpy() is t.data
    assert [1, 2, 3][nx.tensor(1)] == 2  # __index__


def test_conversion_errors():
    with pytest.raises(ValueError, match=r"item: only one-element tensors .* shape \(2,\)"):
        nx.ones(2).item()
    with pytest.raises(RuntimeError, match="bool\\(\\) of a tensor with 2 elements is ambiguous"):
        bool(nx.ones(2))
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(nx.tensor(1.0))
    with pytest.raises(TypeError, match="only integer tensors of one element"):
        [1, 2][nx.tensor(1.0)]


def test_iteration_yields_rows():
    rows = list(nx.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]


def test_hash_is_identity_and_eq_is_elementwise():
    a, b = nx.ones(2), nx.ones(2)
    assert len({a, b, a}) == 2
    assert (a == b).tolist() == [True, True]


def test_clone_copies_and_stays_in_the_graph():
    x = nx.ones(2, requires_grad=True)
    y = x.clone()
    assert not np.shares_memory(x.numpy(), y.numpy()) and y.grad_fn is not None
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("method, dtype", [("float", nx.float32), ("double", nx.float64),
                                           ("long", nx.int64), ("int", nx.int32),
                                           ("bool", nx.bool_)])
def test_dtype_methods(method, dtype):
    assert getattr(nx.tensor([0.0, 1.5]), method)().dtype == dtype


INPLACE = [  # name, update, expected values from [1, 2]
    ("add_", lambda t: t.add_(1), [2.0, 3.0]),
    ("add_ alpha", lambda t: t.add_(nx.tensor([1.0, 1.0]), alpha=-2), [-1.0, 0.0]),
    ("sub_", lambda t: t.sub_(0.5), [0.5, 1.5]),
    ("mul_", lambda t: t.mul_(nx.tensor([3.0, 4.0])), [3.0, 8.0]),
    ("div_", lambda t: t.div_(2), [0.5, 1.0]),
    ("clamp_", lambda t: t.clamp_(min=1.5), [1.5, 2.0]),
    ("fill_", lambda t: t.fill_(7), [7.0, 7.0]),
    ("zero_", lambda t: t.zero_(), [0.0, 0.0]),
    ("copy_", lambda t: t.copy_(nx.tensor([5.0, 6.0], dtype=nx.float64)), [5.0, 6.0]),
    ("copy_ broadcast", lambda t: t.copy_(nx.tensor(9.0)), [9.0, 9.0]),
    ("+=", lambda t: t.__iadd__(1), [2.0, 3.0]),
    ("-=", lambda t: t.__isub__(np.float64(1)), [0.0, 1.0]),
    ("*=", lambda t: t.__imul__(2), [2.0, 4.0]),
    ("/=", lambda t: t.__itruediv__(2), [0.5, 1.0]),
    ("setitem", lambda t: t.__setitem__(0, 5.0), [5.0, 2.0]),
    ("setitem mask", lambda t: t.__setitem__(t > 1.5, 0.0), [1.0, 0.0]),
]


@pytest.mark.parametrize("name, update, expected", INPLACE)
def test_inplace_updates_keep_dtype_and_identity(name, update, expected):
    t = nx.tensor([1.0, 2.0])
    data = t.data
    out = update(t)
    assert t.tolist() == expected and t.dtype == nx.float32 and t.data is data
    assert out is None or out is t


@pytest.mark.parametrize("name, update, expected", INPLACE)
def test_inplace_update_of_a_grad_tensor_needs_no_grad(name, update, expected):
    t = nx.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad cannot be changed in place"):
        update(t)
    with nx.no_grad():
        update(t)
    assert t.tolist() == expected


def test_copy_shape_mismatch_names_shapes():
    with pytest.raises(ValueError, match=r"copy_: shapes \(3,\), \(2,\) cannot be broadcast"):
        nx.ones(2).copy_(nx.ones(3))


@pytest.mark.parametrize("name, update, expected", INPLACE)
def test_inplace_update_of_an_expanded_view_is_refused(name, update, expected):
    # expand shares one element across positions: NumPy's view is read-only, and writing it
    # would change every position at once; the error says so instead of NumPy's own.
    t = nx.tensor([1.0]).expand(2)
    with pytest.raises(RuntimeError, match=r"read-only broadcast view.*clone\(\)"):
        update(t)
    assert t.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("update, message", [
    (lambda t: t.add_(nx.ones(4)), r"add_: other of shape \(4,\) does not broadcast to the "
                                   r"tensor's shape \(2, 3\)"),
    (lambda t: t.mul_(np.ones((2, 2, 3))), r"mul_: other of shape \(2, 2, 3\)"),
    (lambda t: t.__setitem__(0, nx.ones(4)), r"__setitem__: other of shape \(4,\) does not "
                                             r"broadcast to the indexed shape \(3,\)"),
])
def test_inplace_shape_mismatch_names_op_and_shapes(update, message):
    with pytest.raises(ValueError, match=message):
        update(nx.zeros(2, 3))


def test_inplace_float_into_integer_tensor_names_dtypes():
    with pytest.raises(TypeError, match="add_: .*float64.* tensor of dtype int64"):
        nx.arange(3).add_(0.5)
    with pytest.raises(IndexError, match=r"__setitem__: index 5 does not fit .* \(2, 3\)"):
        nx.zeros(2, 3)[5] = 1.0


METHODS = [  # tensor methods that are thin aliases of ops, checked against torch's methods
    lambda lib, x, y: x.neg(), lambda lib, x, y: x.maximum(y), lambda lib, x, y: x.minimum(y),
    lambda lib, x, y: x.reshape_as(y.T), lambda lib, x, y: x.view_as(y.reshape(3, 2)),
    lambda lib, x, y: x.expand_as(lib.zeros(4, 2, 3)), lambda lib, x, y: x.sub(y).div(y),
    lambda lib, x, y: x.mul(y).add(y).pow(2), lambda lib, x, y: x.matmul(y.T),
    lambda lib, x, y: x.clip(-0.5, 0.5), lambda lib, x, y: x.type(lib.float64),
]


@pytest.mark.parametrize("fn", METHODS)
def test_method_matches_torch(fn):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    assert_matches(torch, fn, rng.standard_normal((2, 3)), rng.uniform(1, 2, (2, 3)))


def test_t_refuses_more_than_two_dimensions_like_torch():
    with pytest.raises(ValueError, match=r"t: .*\(2, 3, 4\)"):
        nx.zeros(2, 3, 4).t()
    assert nx.zeros(3).t().shape == (3,)


@pytest.mark.parametrize("data, error, message", [
    ([[1.0, 2.0], [3.0]], ValueError, "Tensor: cannot make a tensor from list data"),
    ("abc", TypeError, "Tensor: data must be numbers or bools, got dtype <U3"),
    ([object()], TypeError, "Tensor: data must be numbers or bools, got dtype object"),
])
def test_tensor_from_bad_data_names_the_problem(data, error, message):
    # once: a 0-d string "tensor" that failed later in some op, or NumPy's ragged-array error
    with pytest.raises(error, match=message):
        nx.Tensor(data)
