"""Factories: tensor, as_tensor, from_numpy, zeros, ones, full, empty, eye, *_like, rand, randn,
randint, randperm, arange, linspace, meshgrid, each with dtype= and requires_grad=; the
Tensor.new_* methods and type_as; is_tensor."""
import numpy as np
import pytest

import neurenix as nx
from neurenix.testing import assert_matches

FACTORIES = [  # name, fn(lib) for both libraries (deterministic ones: values are compared too)
    ("tensor floats", lambda lib: lib.tensor([1.0, 2.0])),
    ("tensor ints", lambda lib: lib.tensor([1, 2])),
    ("tensor mixed", lambda lib: lib.tensor([1, 2.5])),
    ("tensor bool", lambda lib: lib.tensor([True, False])),
    ("tensor float64 array", lambda lib: lib.tensor(np.ones((2, 3)))),
    ("tensor int32 array", lambda lib: lib.tensor(np.arange(3, dtype=np.int32))),
    ("tensor NumPy scalar", lambda lib: lib.tensor(np.float64(2.5))),
    ("tensor dtype=", lambda lib: lib.tensor([1, 2], dtype=lib.float64)),
    ("zeros", lambda lib: lib.zeros(2, 3)),
    ("zeros tuple", lambda lib: lib.zeros((2, 3), dtype=lib.float64)),
    ("zeros 0-d", lambda lib: lib.zeros(())),
    ("ones", lambda lib: lib.ones(4)),
    ("ones float64", lambda lib: lib.ones(1, 2, dtype=lib.float64)),
    ("full float", lambda lib: lib.full((2, 2), 1.5)),
    ("full int", lambda lib: lib.full((3,), 7)),
    ("full bool", lambda lib: lib.full((2,), True)),
    ("full dtype=", lambda lib: lib.full((2,), 7, dtype=lib.float64)),
    ("zeros_like", lambda lib: lib.zeros_like(lib.ones(2, 3, dtype=lib.float64))),
    ("ones_like", lambda lib: lib.ones_like(lib.tensor([1, 2]))),
    ("ones_like dtype=", lambda lib: lib.ones_like(lib.tensor([1, 2]), dtype=lib.float32)),
    ("full_like", lambda lib: lib.full_like(lib.zeros(2), 3.0)),
    ("arange int", lambda lib: lib.arange(5)),
    ("arange start end step", lambda lib: lib.arange(1, 10, 3)),
    ("arange float", lambda lib: lib.arange(0.0, 1.0, 0.25)),
    ("arange dtype=", lambda lib: lib.arange(4, dtype=lib.float64)),
    ("arange negative step", lambda lib: lib.arange(5, 0, -2)),
    ("linspace", lambda lib: lib.linspace(0, 1, 5)),
    ("linspace float64", lambda lib: lib.linspace(-1, 1, 3, dtype=lib.float64)),
    ("eye", lambda lib: lib.eye(3)),
    ("eye n m", lambda lib: lib.eye(2, 4, dtype=lib.int64)),
    ("eye 0", lambda lib: lib.eye(0)),
    ("as_tensor list", lambda lib: lib.as_tensor([1, 2])),
    ("as_tensor float64 array", lambda lib: lib.as_tensor(np.arange(3.0))),
    ("as_tensor dtype=", lambda lib: lib.as_tensor(np.arange(3.0), dtype=lib.float32)),
    ("as_tensor NumPy scalar", lambda lib: lib.as_tensor(np.float64(2.5))),
    ("from_numpy", lambda lib: lib.from_numpy(np.arange(4, dtype=np.int32).reshape(2, 2))),
    ("from_numpy 0-d", lambda lib: lib.from_numpy(np.array(1.5, np.float16))),
    ("new_zeros", lambda lib: lib.ones(2, dtype=lib.float64).new_zeros(2, 3)),
    ("new_ones tuple", lambda lib: lib.tensor([1, 2]).new_ones((3,))),
    ("new_full in its dtype", lambda lib: lib.tensor([1, 2]).new_full((2,), 2.5)),
    ("new_full dtype=", lambda lib: lib.ones(1).new_full((2,), 7, dtype=lib.int64)),
    ("new_tensor in its dtype", lambda lib: lib.tensor([1, 2]).new_tensor([1.5, 2.0])),
    ("type_as", lambda lib: lib.tensor([True, False]).type_as(lib.ones(1))),
    ("type_as integer", lambda lib: lib.tensor([1.5, -2.5]).type_as(lib.tensor([1]))),
]


@pytest.mark.parametrize("name, fn", FACTORIES)
def test_factory_matches_torch(name, fn):
    torch = pytest.importorskip("torch")
    ours, theirs = fn(nx), fn(torch)
    assert ours.shape == tuple(theirs.shape) and f"torch.{ours.dtype}" == str(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


RANDOM = [  # name, fn(lib) for both libraries: shapes and dtypes only
    ("rand", lambda lib: lib.rand(2, 3)),
    ("rand float64", lambda lib: lib.rand((4,), dtype=lib.float64)),
    ("randn", lambda lib: lib.randn(3)),
    ("randn float64", lambda lib: lib.randn(2, 2, dtype=lib.float64)),
    ("randint", lambda lib: lib.randint(0, 5, (3, 2))),
    ("randint high only", lambda lib: lib.randint(5, (4,))),
    ("randperm", lambda lib: lib.randperm(6)),
    ("empty", lambda lib: lib.empty(2, 3)),
    ("empty_like", lambda lib: lib.empty_like(lib.ones(2, 3, dtype=lib.float64))),
    ("empty_like dtype=", lambda lib: lib.empty_like(lib.ones(2), dtype=lib.int32)),
    ("rand_like", lambda lib: lib.rand_like(lib.ones(2, 3))),
    ("rand_like float64", lambda lib: lib.rand_like(lib.ones(4, dtype=lib.float64))),
    ("randn_like", lambda lib: lib.randn_like(lib.ones(1, 2, 2))),
    ("randn_like dtype=", lambda lib: lib.randn_like(lib.ones(3), dtype=lib.float16)),
    ("new_empty", lambda lib: lib.ones(2, dtype=lib.float64).new_empty(2, 2)),
]


@pytest.mark.parametrize("name, fn", RANDOM)
def test_random_factory_shape_and_dtype_match_torch(name, fn):
    torch = pytest.importorskip("torch")
    ours, theirs = fn(nx), fn(torch)
    assert ours.shape == tuple(theirs.shape) and f"torch.{ours.dtype}" == str(theirs.dtype)


REQUIRES_GRAD = [  # factories taking requires_grad=
    lambda: nx.tensor([1.0], requires_grad=True), lambda: nx.zeros(2, requires_grad=True),
    lambda: nx.ones(2, requires_grad=True), lambda: nx.full((2,), 1.0, requires_grad=True),
    lambda: nx.zeros_like(nx.ones(2), requires_grad=True),
    lambda: nx.ones_like(nx.ones(2), requires_grad=True),
    lambda: nx.rand(2, requires_grad=True), lambda: nx.randn(2, requires_grad=True),
    lambda: nx.arange(3.0, requires_grad=True), lambda: nx.empty(2, requires_grad=True),
    lambda: nx.linspace(0, 1, 3, requires_grad=True), lambda: nx.eye(2, requires_grad=True),
    lambda: nx.empty_like(nx.ones(2), requires_grad=True),
    lambda: nx.rand_like(nx.ones(2), requires_grad=True),
    lambda: nx.randn_like(nx.ones(2), requires_grad=True),
    lambda: nx.ones(1).new_zeros(2, requires_grad=True),
    lambda: nx.ones(1).new_tensor([1.0], requires_grad=True),
]


@pytest.mark.parametrize("make", REQUIRES_GRAD)
def test_factories_take_requires_grad(make):
    t = make()
    assert t.requires_grad and t.is_leaf
    (t * 2).sum().backward()
    assert t.grad is not None and t.grad.dtype == t.dtype


def test_random_values_are_in_range():
    assert (0 <= nx.rand(1000).numpy()).all() and (nx.rand(1000).numpy() < 1).all()
    assert abs(nx.randn(10000).numpy().mean()) < 0.05
    values = nx.randint(2, 5, (1000,)).numpy()
    assert values.min() == 2 and values.max() == 4
    assert sorted(nx.randperm(5).tolist()) == [0, 1, 2, 3, 4]


def test_negative_size_is_an_error():
    with pytest.raises(ValueError, match=r"zeros: size \(2, -1\) has a negative dimension"):
        nx.zeros(2, -1)


def test_arange_zero_step_is_an_error():
    with pytest.raises(ValueError, match="arange: step must be nonzero"):
        nx.arange(0, 5, 0)


def test_integer_factory_refuses_requires_grad():
    with pytest.raises(RuntimeError, match="only floating tensors can require gradients"):
        nx.arange(3, requires_grad=True)


def test_from_numpy_shares_memory_both_ways():
    array = np.zeros((2, 3))
    t = nx.from_numpy(array)
    assert t.dtype == nx.float64 and t.shape == (2, 3)
    array[0, 1] = 5.0
    assert t[0, 1].item() == 5.0
    t.add_(1.0)
    assert array[0, 0] == 1.0 and np.shares_memory(t.numpy(), array)
    transposed = nx.from_numpy(array.T)  # non-contiguous arrays are shared as they are
    assert transposed.shape == (3, 2) and np.shares_memory(transposed.numpy(), array)


def test_from_numpy_refuses_what_it_cannot_share():
    with pytest.raises(TypeError, match="from_numpy: expected np.ndarray, got list"):
        nx.from_numpy([1.0, 2.0])
    with pytest.raises(TypeError, match="from_numpy: expected np.ndarray, got float64"):
        nx.from_numpy(np.float64(1.0))
    with pytest.raises(TypeError, match="from_numpy: cannot share an array of dtype complex128"):
        nx.from_numpy(np.array([1 + 2j]))
    with pytest.raises(ValueError, match="from_numpy: the array's byte order"):
        nx.from_numpy(np.array([1.0], dtype=">f8"))


def test_as_tensor_shares_copies_and_casts_as_torch():
    array = np.arange(3.0)
    shared, copied = nx.as_tensor(array), nx.as_tensor(array, dtype=nx.float32)
    array[0] = 9.0
    assert shared[0].item() == 9.0 and copied[0].item() == 0.0
    x = nx.ones(2, requires_grad=True)
    assert nx.as_tensor(x) is x and nx.as_tensor(x, dtype=nx.float32) is x
    y = nx.as_tensor(x, dtype=nx.float64)  # another dtype: a differentiable cast, as torch
    y.sum().backward()
    assert y.dtype == nx.float64 and x.grad.tolist() == [1.0, 1.0]


def test_is_tensor():
    torch = pytest.importorskip("torch")
    for obj, ref in [(nx.zeros(2), torch.zeros(2)), (np.zeros(2), np.zeros(2)), (1.0, 1.0),
                     (nx.nn.Parameter(nx.zeros(2)), torch.nn.Parameter(torch.zeros(2)))]:
        assert nx.is_tensor(obj) is torch.is_tensor(ref)


def test_new_tensors_and_type_as_are_new_leaves():
    x = nx.ones(2, requires_grad=True) * 2
    for t in (x.new_zeros(2), x.new_ones(2), x.new_full((2,), 1.0), x.new_empty(2),
              x.new_tensor(x)):
        assert t.is_leaf and not t.requires_grad and t.dtype == nx.float32
    assert x.new_tensor(nx.tensor([1, 2])).tolist() == [1.0, 2.0]
    assert x.type_as(x) is x
    assert x.type_as(nx.zeros(1, dtype=nx.float64)).grad_fn is not None  # differentiable


def test_random_factories_refuse_integer_dtypes():
    with pytest.raises(TypeError, match="rand: samples need a floating dtype, got int64"):
        nx.rand(2, dtype=nx.int64)
    with pytest.raises(TypeError, match="randn_like: samples need a floating dtype, got int64"):
        nx.randn_like(nx.tensor([1, 2]))
    with pytest.raises(TypeError, match="rand_like: samples need a floating dtype, got bool"):
        nx.rand_like(nx.ones(2), dtype=nx.bool)


def test_eye_refuses_a_negative_size():
    with pytest.raises(ValueError, match=r"eye: size \(-1, -1\) has a negative dimension"):
        nx.eye(-1)


MESHGRID = [  # name, fn(lib, *tensors) for both libraries
    ("ij default", lambda lib, *ts: lib.meshgrid(*ts, indexing="ij")),
    ("xy", lambda lib, *ts: lib.meshgrid(*ts, indexing="xy")),
    ("list xy", lambda lib, *ts: lib.meshgrid(list(ts), indexing="xy")),
]


@pytest.mark.parametrize("name, fn", MESHGRID)
@pytest.mark.parametrize("shapes", [[(3,)], [(3,), (2,)], [(2,), (), (4,)], [(0,), (2,)],
                                    [(2,), (3,), (1,), (2,)]], ids=str)
def test_meshgrid_matches_torch(name, fn, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(len(shapes))
    arrays = [rng.standard_normal(s) for s in shapes]
    assert_matches(torch, fn, *arrays, second_order=True)
    assert_matches(torch, fn, *(a.astype(np.float32) for a in arrays), second_order=True)
    assert_matches(torch, fn, *(np.arange(a.size).reshape(a.shape) for a in arrays), grad=False)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_gradcheck_and_gradgradcheck(indexing):
    rng = np.random.default_rng(0)
    xs = [nx.tensor(rng.standard_normal(n), requires_grad=True) for n in (3, 2, 2)]

    def grids_squared(*ts):  # squared, so that the second derivative is not zero
        return tuple(g * g for g in nx.meshgrid(*ts, indexing=indexing))
    assert nx.gradcheck(grids_squared, xs)
    assert nx.gradgradcheck(grids_squared, xs)


def test_meshgrid_errors_name_the_tensor_and_shape():
    with pytest.raises(ValueError, match=r"meshgrid: expects 0-d or 1-d tensors, tensor 1 has "
                                         r"shape \(2, 2\)"):
        nx.meshgrid(nx.ones(2), nx.ones(2, 2))
    with pytest.raises(TypeError, match="meshgrid: expects tensors of one dtype, tensor 0 has "
                                        "float32 and tensor 1 float64"):
        nx.meshgrid(nx.ones(2), nx.ones(2, dtype=nx.float64))
    with pytest.raises(ValueError, match="meshgrid: indexing must be 'ij' or 'xy', got 'ji'"):
        nx.meshgrid(nx.ones(2), indexing="ji")
    with pytest.raises(ValueError, match="meshgrid: expects at least one tensor"):
        nx.meshgrid()
