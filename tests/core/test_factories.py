"""Factories: tensor, zeros, ones, full, empty, *_like, rand, randn, randint, randperm, arange,
linspace, each with dtype= and requires_grad=."""
import numpy as np
import pytest

import neurenix as nx

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
    lambda: nx.linspace(0, 1, 3, requires_grad=True),
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
