"""Fixed powers: reciprocal, rsqrt, square."""
import pytest

import neurenix as nx
from neurenix.testing import away_from, ranged

from elementwise_suite import edge_tests, unary_tests

POWERS = [  # name, fn(lib, x) for both libraries, input elements
    ("reciprocal", lambda lib, x: lib.reciprocal(x), away_from(0.0, by=0.5)),
    ("reciprocal method", lambda lib, x: x.reciprocal(), away_from(0.0, by=0.5)),
    ("rsqrt", lambda lib, x: lib.rsqrt(x), ranged(0.2, 5)),
    ("rsqrt method", lambda lib, x: x.rsqrt(), ranged(0.2, 5)),
    ("square", lambda lib, x: lib.square(x), ranged(-3, 3)),
    ("square method", lambda lib, x: x.square(), ranged(-3, 3)),
]

globals().update(unary_tests(POWERS))


EDGES = [  # name, fn(lib, x), values at the ends of the domains
    ("reciprocal at 0 and of large", lambda lib, x: x.reciprocal(), [0.0, -0.0, 1e30]),
    ("rsqrt at 0 and below", lambda lib, x: x.rsqrt(), [0.0, -1.0, 4.0]),
    ("square of large", lambda lib, x: x.square(), [1e20, -1e20]),
]
globals().update(edge_tests(EDGES))


def test_square_keeps_integers_and_makes_bools_int64():
    assert nx.square(nx.tensor([-3, 2])).tolist() == [9, 4]
    assert nx.square(nx.tensor([-3, 2], dtype=nx.int32)).dtype == nx.int32
    out = nx.square(nx.tensor([True, False]))
    assert out.dtype == nx.int64 and out.tolist() == [1, 0]


def test_a_number_is_refused_as_in_torch():
    with pytest.raises(TypeError, match="square: input must be a Tensor, got float"):
        nx.square(2.0)
    with pytest.raises(TypeError, match="rsqrt: input must be a Tensor, got list"):
        nx.rsqrt([4.0])
