"""Hypothesis strategies and helpers for property-testing ops, your own included.

Example (a property-based gradient check of your own function)::

    from hypothesis import given
    import neurenix as nx
    from neurenix.testing import tensors, ranged

    @given(tensors(dtype=nx.float64, elements=ranged(-3, 3), requires_grad=True))
    def test_my_op_gradient(x):
        assert nx.gradcheck(lambda t: (t * t.sigmoid()).sum(dim=-1), (x,))

Keep shapes small: ``gradcheck`` evaluates the function twice per input element.

``assert_matches(torch, fn, *arrays)`` compares the same function run by neurenix and by PyTorch
(values, shapes, dtypes and gradients); see ``neurenix.testing.reference``.
"""
from .reference import assert_matches
from .strategies import (away_from, broadcastable_shape_pairs, on_grid, ranged, shapes,
                         tensor_pairs, tensors)

__all__ = ["assert_matches", "away_from", "broadcastable_shape_pairs", "on_grid", "ranged",
           "shapes", "tensor_pairs", "tensors"]
