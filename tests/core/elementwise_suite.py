"""The property tests every unary elementwise op gets, written once for the op tables of
test_trig.py, test_exp_log.py, test_powers.py and test_rounding.py.

A table row is ``(name, fn(lib, x), elements)``: ``fn`` written once for neurenix and PyTorch,
``elements`` the hypothesis strategy of input values (kept inside the domain and away from
kinks, so finite differences are exact enough). ``unary_tests(TABLE)`` returns the test
functions by name, for a test module to bind where pytest collects them:
``globals().update(unary_tests(TABLE))``; ``edge_tests(EDGES)`` does the same for rows
``(name, fn(lib, x), values)`` of values at the ends of the domains and at the jumps.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])
INTEGER_INPUTS = [np.array([-2, -1, 0, 1, 2]), np.array([[3], [-4]], dtype=np.int32),
                  np.array([True, False])]


def unary_tests(table):
    """Four tests over the rows of ``table``: gradcheck and gradgradcheck in float64; PyTorch's
    forward, dtype, first and second derivatives in float32 and float64 on random shapes
    (sometimes transposed: non-contiguous); the same on an empty and a 0-d tensor; and
    integer and bool inputs giving PyTorch's dtype, or refused where PyTorch refuses them."""
    cases = pytest.mark.parametrize("name, fn, elements", table)

    @cases
    @given(data=st.data())
    def test_gradcheck_and_gradgradcheck(name, fn, elements, data):
        x = data.draw(tensors(dtype=nx.float64, elements=elements, requires_grad=True,
                              max_dims=3))
        assert nx.gradcheck(lambda a: fn(nx, a), (x,))
        assert nx.gradgradcheck(lambda a: fn(nx, a), (x,))

    @cases
    @given(data=st.data())
    def test_matches_torch(name, fn, elements, data):
        torch = pytest.importorskip("torch")
        x = data.draw(tensors(dtype=data.draw(FLOATS), elements=elements, max_dims=3)).numpy()
        if x.ndim >= 2 and data.draw(st.booleans()):
            x = x.T  # a non-contiguous view
        assert_matches(torch, fn, x, second_order=True)

    @cases
    @pytest.mark.parametrize("shape", [(0,), (2, 0, 3), ()])
    def test_empty_and_0d_match_torch(name, fn, elements, shape):
        torch = pytest.importorskip("torch")
        assert_matches(torch, fn, np.full(shape, 0.75), second_order=True)

    @cases
    @pytest.mark.parametrize("x", INTEGER_INPUTS, ids=lambda x: str(x.dtype))
    def test_integer_inputs_as_torch(name, fn, elements, x):
        torch = pytest.importorskip("torch")
        with np.errstate(all="ignore"):  # log of a negative integer is nan on both sides
            try:
                fn(torch, torch.tensor(x))
            except (RuntimeError, TypeError, NotImplementedError):
                with pytest.raises(TypeError, match=name.split()[0]):
                    fn(nx, nx.tensor(x))
                return
            assert_matches(torch, fn, x, grad=False)

    return {test.__name__: test for test in (
        test_gradcheck_and_gradgradcheck, test_matches_torch, test_empty_and_0d_match_torch,
        test_integer_inputs_as_torch)}


def edge_tests(edges):
    """A test of each row ``(name, fn(lib, x), values)`` against PyTorch in float32 and float64:
    forward values (inf and nan included), first and second derivatives."""
    @pytest.mark.parametrize("name, fn, values", edges)
    @pytest.mark.parametrize("dtype", [np.float32, np.float64])
    def test_edges_match_torch(name, fn, values, dtype):
        torch = pytest.importorskip("torch")
        with np.errstate(all="ignore"):
            assert_matches(torch, fn, np.array(values, dtype), second_order=True)

    return {"test_edges_match_torch": test_edges_match_torch}
