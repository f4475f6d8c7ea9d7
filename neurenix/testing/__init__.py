"""Hypothesis strategies and helpers for property-testing ops, your own included.

Example (a property-based gradient check of your own function)::

    from hypothesis import given
    import neurenix as nx
    from neurenix.testing import tensors, ranged

    @given(tensors(dtype=nx.float64, elements=ranged(-3, 3), requires_grad=True))
    def test_my_op_gradient(x):
        assert nx.gradcheck(lambda t: (t * t.sigmoid()).sum(dim=-1), (x,))

Keep shapes small: ``gradcheck`` evaluates the function twice per input element.
"""
from .strategies import (away_from, broadcastable_shape_pairs, ranged, shapes, tensors,
                         tensor_pairs)

__all__ = ["away_from", "broadcastable_shape_pairs", "ranged", "shapes", "tensors",
           "tensor_pairs"]
