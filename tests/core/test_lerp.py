"""lerp: linear interpolation, differentiable in the start, the end and the weight."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurenix as nx
from neurenix.testing import assert_matches, tensors


@st.composite
def _triple(draw, dtype=nx.float64, requires_grad=True):
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    return tuple(draw(tensors(s, dtype, requires_grad=requires_grad))
                 for s in shapes.input_shapes)


@given(xs=_triple())
def test_gradcheck_and_gradgradcheck_in_all_three(xs):
    assert nx.gradcheck(nx.lerp, xs)
    assert nx.gradgradcheck(nx.lerp, xs)


@given(data=st.data())
def test_matches_torch_with_broadcasting(data):
    torch = pytest.importorskip("torch")
    start, end, weight = (t.numpy() for t in data.draw(_triple(
        data.draw(st.sampled_from([nx.float32, nx.float64])), requires_grad=False)))
    if start.ndim >= 2:
        start = start.T.copy().T  # the same values, non-contiguous
    assert_matches(torch, lambda lib, a, b, w: lib.lerp(a, b, w), start, end, weight,
                   second_order=True)


@pytest.mark.parametrize("weight", [0.0, 0.25, 1, 1.5, -0.5])
def test_number_weight_and_method_match_torch(weight):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    start, end = rng.standard_normal((2, 3)), rng.standard_normal((3,))
    assert_matches(torch, lambda lib, a, b: a.lerp(b, weight), start, end, second_order=True)
    assert_matches(torch, lambda lib, a, b: lib.lerp(a, b, weight), start.astype(np.float32),
                   end.astype(np.float32), second_order=True)


def test_a_0d_weight_of_another_dtype_acts_as_a_number_and_empty_works():
    torch = pytest.importorskip("torch")
    start, end = np.zeros(3, np.float32), np.ones(3, np.float32)
    assert_matches(torch, lambda lib, a, b, w: lib.lerp(a, b, w), start, end, np.array(0.25),
                   second_order=True)
    assert nx.lerp(nx.zeros(0, 2), nx.ones(1, 2), 0.5).shape == (0, 2)


def test_errors_name_the_op_the_dtypes_and_shapes():
    with pytest.raises(TypeError, match="lerp: expected dtype float32 for end .* got float64"):
        nx.lerp(nx.zeros(2), nx.zeros(2, dtype=nx.float64), 0.5)
    with pytest.raises(TypeError, match=r"lerp: expected dtype float32 for weight .* got "
                                        r"float64 of shape \(2,\)"):
        nx.lerp(nx.zeros(2), nx.zeros(2), nx.zeros(2, dtype=nx.float64))
    with pytest.raises(TypeError, match="lerp: input must be a floating tensor, got dtype int64"):
        nx.lerp(nx.tensor([1, 2]), nx.tensor([3, 4]), 0.5)
    with pytest.raises(ValueError, match=r"lerp: shapes \(2,\), \(3,\), \(\) cannot be"):
        nx.lerp(nx.zeros(2), nx.zeros(3), 0.5)
    with pytest.raises(TypeError, match="lerp: weight must be a number or a Tensor, got str"):
        nx.lerp(nx.zeros(2), nx.zeros(2), "half")
