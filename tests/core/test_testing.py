"""neurenix.testing: the hypothesis strategies and assert_matches."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import (assert_matches, away_from, broadcastable_shape_pairs, on_grid,
                              ranged, shapes, tensor_pairs, tensors)


@given(shapes(min_dims=1, max_dims=3, max_side=5))
def test_shapes_respect_bounds(shape):
    assert 1 <= len(shape) <= 3 and all(1 <= s <= 5 for s in shape)


@given(broadcastable_shape_pairs(max_dims=3))
def test_shape_pairs_broadcast(pair):
    a, b = pair
    out = np.broadcast_shapes(a, b)
    assert len(out) <= 3 and (nx.zeros(a) + nx.zeros(b)).shape == out


@given(tensors(shape=(2, 3), dtype=nx.float32, elements=ranged(-1, 1), requires_grad=True))
def test_tensors_have_the_asked_shape_dtype_range_and_grad(x):
    assert x.shape == (2, 3) and x.dtype == nx.float32 and x.requires_grad and x.is_leaf
    assert (np.abs(x.numpy()) <= 1).all()


@given(tensors(elements=away_from(0.5, by=0.1), max_dims=2))
def test_away_from_keeps_its_distance(x):
    assert (np.abs(x.numpy() - 0.5) >= 0.1 - 1e-12).all()


@given(tensors(elements=on_grid(-1, 1, 0.25), unique=True, max_dims=2))
def test_on_grid_and_unique(x):
    values = x.numpy().ravel()
    assert np.allclose(values * 4, np.round(values * 4)) and len(set(values)) == values.size


@given(tensor_pairs(max_dims=3))
def test_tensor_pairs_broadcast(pair):
    a, b = pair
    assert (a * b).shape == np.broadcast_shapes(a.shape, b.shape)


def test_assert_matches_passes_for_equal_functions():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert_matches(torch, lambda lib, t: lib.softmax(t, dim=-1), x)


@pytest.mark.parametrize("fn, complaint", [
    (lambda lib, t: t * 2 if lib is nx else t * 2.001, "output 0"),
    (lambda lib, t: t.sum(0) if lib is nx else t.sum(), "output 0: shape"),
    (lambda lib, t: t.double() if lib is nx else t, "dtype float64"),
    (lambda lib, t: t.detach() * 2 if lib is nx else t * 2, "does not require grad"),
    (lambda lib, t: lib.maximum(t, t * 0) if lib is nx else t.relu(), "gradient of input 0"),
])
def test_assert_matches_reports_differences(fn, complaint):
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, -2.0], [0.0, 3.0]], np.float32)
    with pytest.raises(AssertionError, match=complaint):
        assert_matches(torch, fn, x)
