"""CosineSimilarity against PyTorch's layer: forward, input gradients, second derivatives,
broadcasting, repr and attributes."""
import numpy as np
import pytest

import neurenix as nx
from neurenix.testing import assert_matches

LAYERS = [  # name, make(lib), shapes of x1 and x2
    ("default", lambda lib: lib.nn.CosineSimilarity(), (4, 5), (4, 5)),
    ("dim 0 eps 1e-6", lambda lib: lib.nn.CosineSimilarity(0, 1e-6), (5, 3), (5, 3)),
    ("dim -1 broadcast", lambda lib: lib.nn.CosineSimilarity(dim=-1), (2, 1, 4), (3, 4)),
]
IDS = [spec[0] for spec in LAYERS]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, make, shape1, shape2", LAYERS, ids=IDS)
def test_cosine_similarity_layer_matches_torch(name, make, shape1, shape2, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x1, x2 = rng.standard_normal(shape1).astype(dtype), rng.standard_normal(shape2).astype(dtype)
    assert_matches(torch, lambda lib, a, b: make(lib)(a, b), x1, x2, second_order=True)
    assert_matches(torch, lambda lib, a, b: make(lib)(b, a), x1, x2, second_order=True)


@pytest.mark.parametrize("name, make, shape1, shape2", LAYERS, ids=IDS)
def test_cosine_similarity_layer_repr_and_attributes_match_torch(name, make, shape1, shape2):
    torch = pytest.importorskip("torch")
    ours, theirs = make(nx), make(torch)
    assert repr(ours) == repr(theirs)
    assert (ours.dim, ours.eps) == (theirs.dim, theirs.eps)
    assert list(ours.state_dict()) == []


def test_cosine_similarity_layer_of_parallel_vectors_is_one():
    x = nx.tensor([[1.0, 2.0], [3.0, -1.0]])
    np.testing.assert_allclose(nx.nn.CosineSimilarity()(x, x * 3).numpy(), [1, 1], rtol=1e-6)
