"""Hypothesis strategies for shapes, broadcastable shape pairs and tensors.

Element strategies (``ranged``, ``away_from``, ``on_grid``) say which values a tensor holds;
``tensors`` puts them in a Tensor of a drawn or given shape and dtype::

    from hypothesis import given
    from neurenix.testing import away_from, broadcastable_shape_pairs, tensors

    @given(x=tensors(elements=away_from(0.0), requires_grad=True))
    def test_abs_gradient(x):
        assert nx.gradcheck(nx.abs, (x,))

    @given(shapes=broadcastable_shape_pairs())
    def test_add_shape(shapes):
        a, b = shapes
        assert (nx.zeros(a) + nx.zeros(b)).shape == np.broadcast_shapes(a, b)
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..core import dtypes
from ..core.tensor import Tensor


def ranged(low: float, high: float):
    """Finite floats in [low, high] (the element strategy for ``tensors``)."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)


def away_from(value: float, by: float = 1e-3, low: float = -3.0, high: float = 3.0):
    """Floats in [low, high] at least ``by`` away from ``value``: keeps a kink (relu at 0, abs at
    0) out of a finite difference."""
    def push(x):
        if abs(x - value) >= by:
            return x
        return value + by if x >= value else value - by
    return ranged(low, high).map(push)


def on_grid(low: float = -3.0, high: float = 3.0, step: float = 0.5):
    """Multiples of ``step`` in [low, high]: two elements are either equal or ``step`` apart, so
    a finite difference never straddles a near-tie (max, min, maximum, sort-like ops)."""
    return st.integers(int(np.ceil(low / step)), int(np.floor(high / step))).map(
        lambda k: k * step)


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 4):
    """Tensor shapes: tuples of ``min_dims`` .. ``max_dims`` sides in [min_side, max_side]."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


@st.composite
def broadcastable_shape_pairs(draw, min_dims: int = 0, max_dims: int = 4, max_side: int = 4):
    """Pairs of shapes (a, b) that broadcast together, e.g. ((3, 1, 4), (2, 1))."""
    shape_pair = draw(hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side))
    return tuple(shape_pair.input_shapes)


@st.composite
def tensors(draw, shape=None, dtype=dtypes.float64, elements=None, requires_grad: bool = False,
            min_dims: int = 0, max_dims: int = 4, max_side: int = 4, unique: bool = False):
    """Tensors of ``shape`` (drawn with ``shapes`` when None), ``dtype`` and ``elements``
    (a float strategy, default ``ranged(-3, 3)``); ``unique`` makes every element distinct."""
    shape = draw(shapes(min_dims, max_dims, 1, max_side)) if shape is None else tuple(shape)
    dtype = dtypes.as_dtype(dtype)
    elements = ranged(-3, 3) if elements is None else elements
    array = draw(hnp.arrays(np.float64, shape, elements=elements, unique=unique))
    t = Tensor._wrap(array.astype(dtype))
    return t.requires_grad_(True) if requires_grad else t


@st.composite
def tensor_pairs(draw, dtype=dtypes.float64, elements=None, requires_grad: bool = False,
                 max_dims: int = 4, max_side: int = 4):
    """Two tensors whose shapes broadcast together."""
    a, b = draw(broadcastable_shape_pairs(max_dims=max_dims, max_side=max_side))
    return (draw(tensors(a, dtype, elements, requires_grad)),
            draw(tensors(b, dtype, elements, requires_grad)))
