"""Exponentials, logarithms and erf: expm1, log1p, log2, log10, erf."""
import numpy as np
import pytest

import neurenix as nx
from neurenix.testing import ranged

from elementwise_suite import edge_tests, unary_tests

EXP_LOG = [  # name, fn(lib, x) for both libraries, input elements
    ("expm1", lambda lib, x: lib.expm1(x), ranged(-3, 3)),
    ("expm1 method", lambda lib, x: x.expm1(), ranged(-3, 3)),
    ("log1p", lambda lib, x: lib.log1p(x), ranged(-0.9, 3)),  # -inf at -1
    ("log1p method", lambda lib, x: x.log1p(), ranged(-0.9, 3)),
    ("log2", lambda lib, x: lib.log2(x), ranged(0.1, 10)),
    ("log2 method", lambda lib, x: x.log2(), ranged(0.1, 10)),
    ("log10", lambda lib, x: lib.log10(x), ranged(0.1, 10)),
    ("log10 method", lambda lib, x: x.log10(), ranged(0.1, 10)),
    ("erf", lambda lib, x: lib.erf(x), ranged(-3, 3)),
    ("erf method", lambda lib, x: x.erf(), ranged(-3, 3)),
]

globals().update(unary_tests(EXP_LOG))


def test_expm1_and_log1p_are_exact_near_zero():
    x = nx.tensor([1e-10, -1e-12], dtype=nx.float64)
    np.testing.assert_allclose(nx.expm1(x).numpy(), [1e-10, -1e-12], rtol=1e-9)
    np.testing.assert_allclose(nx.log1p(x).numpy(), [1e-10, -1e-12], rtol=1e-9)
    assert (nx.exp(x) - 1).numpy()[0] != 1e-10  # what the plain formula loses


@pytest.mark.parametrize("fn", [nx.expm1, nx.log1p, nx.log2, nx.log10, nx.erf])
def test_float16_is_kept(fn):
    x = nx.tensor([0.5, 1.0], dtype=nx.float16, requires_grad=True)
    out = fn(x)
    out.sum().backward()
    assert out.dtype == nx.float16 and x.grad.dtype == nx.float16


EDGES = [  # name, fn(lib, x), values at the ends of the domains
    ("log1p at -1 and below", lambda lib, x: x.log1p(), [-1.0, -2.0, 0.0]),
    ("log2 at 0 and below", lambda lib, x: x.log2(), [0.0, -1.0, 1.0]),
    ("log10 at 0", lambda lib, x: x.log10(), [0.0, 10.0]),
    ("erf of large", lambda lib, x: x.erf(), [-10.0, 10.0, 0.0]),
    ("expm1 of large", lambda lib, x: x.expm1(), [-100.0, 50.0]),
]

globals().update(edge_tests(EDGES))


def test_a_number_is_refused_as_in_torch():
    with pytest.raises(TypeError, match="log2: input must be a Tensor, got int"):
        nx.log2(8)
