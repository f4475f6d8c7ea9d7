"""conv1d: PyTorch comparisons to second order (strides, padding strings, dilation, groups,
empty, unbatched and non-contiguous inputs), gradient checks to second order, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, tensors


def _functional(lib):
    return lib if lib is nx else lib.nn.functional


CONV1D = [  # x shape, weight shape, bias, keyword arguments
    ((2, 3, 9), (4, 3, 3), True, {}),
    ((2, 3, 9), (4, 3, 3), False, dict(stride=2, padding=1)),
    ((1, 4, 11), (6, 2, 3), True, dict(groups=2, dilation=2, padding=(2,))),
    ((2, 3, 8), (2, 3, 4), True, dict(padding="same")),  # even kernel: the extra pad after
    ((2, 3, 8), (2, 3, 3), True, dict(padding="same", dilation=3)),
    ((2, 3, 8), (2, 3, 3), True, dict(padding="valid", stride=(3,))),
    ((3, 7), (2, 3, 2), True, dict(stride=2)),  # unbatched (C, L)
    ((0, 3, 8), (2, 3, 3), True, dict(padding=1)),  # empty batch
]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # PyTorch's own
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_shape, w_shape, bias, kwargs", CONV1D)
def test_conv1d_matches_torch(x_shape, w_shape, bias, kwargs, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(dtype) for s in (x_shape, w_shape)]
    if bias:
        arrays.append(rng.standard_normal(w_shape[0]).astype(dtype))
    assert_matches(torch, lambda lib, *t: _functional(lib).conv1d(*t, **kwargs), *arrays,
                   second_order=dtype == np.float64)


def test_conv1d_of_non_contiguous_operands_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = np.swapaxes(rng.standard_normal((2, 9, 3)), 1, 2)  # (2, 3, 9), strided
    w = np.swapaxes(rng.standard_normal((4, 3, 3)), 0, 2)  # (3, 3, 4), strided
    assert_matches(torch, lambda lib, x, w: _functional(lib).conv1d(x, w.transpose(0, 2),
                                                                    padding=1), x, w,
                   second_order=True)


@st.composite
def _conv1d_problem(draw):
    groups = draw(st.sampled_from([1, 2]))
    c, o = 2 * groups, draw(st.sampled_from([1, 2])) * groups
    k, stride, dilation = draw(st.integers(1, 3)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    padding = draw(st.integers(0, 2))
    length = draw(st.integers(max(1, dilation * (k - 1) + 1 - 2 * padding), 6))
    x = draw(tensors((draw(st.integers(1, 2)), c, length), requires_grad=True))
    w = draw(tensors((o, c // groups, k), requires_grad=True))
    b = draw(tensors((o,), requires_grad=True))
    return (x, w, b), dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


@given(problem=_conv1d_problem())
def test_conv1d_gradcheck(problem):
    inputs, kwargs = problem
    assert nx.gradcheck(lambda *t: nx.conv1d(*t, **kwargs), inputs)


@settings(max_examples=10)
@given(problem=_conv1d_problem())
def test_conv1d_gradgradcheck(problem):
    inputs, kwargs = problem
    assert nx.gradgradcheck(lambda *t: nx.conv1d(*t, **kwargs), inputs)


def _raises(exc, parts, *args, **kwargs):
    with pytest.raises(exc) as info:
        nx.conv1d(*args, **kwargs)
    for part in parts:
        assert part in str(info.value), (part, str(info.value))


def test_conv1d_errors_name_the_op_and_shapes():
    x, w = nx.zeros(2, 3, 8), nx.zeros(4, 3, 3)
    _raises(ValueError, ["conv1d", "3-D", "(2, 3, 8, 1)"], nx.zeros(2, 3, 8, 1), w)
    _raises(ValueError, ["conv1d", "weight expects 2 input channels", "(2, 3, 8)"], x,
            nx.zeros(4, 2, 3))
    _raises(ValueError, ["conv1d", "kernel size", "(4, 3, 0)"], x, nx.zeros(4, 3, 0))
    _raises(ValueError, ["conv1d", "padding='same'", "strided"], x, w, padding="same",
            stride=2)
    _raises(ValueError, ["conv1d", "stride", "(1, 1)"], x, w, stride=(1, 1))
    _raises(ValueError, ["conv1d", "larger than the padded input"], nx.zeros(1, 3, 2), w)
    _raises(TypeError, ["conv1d", "float32", "float64"], x, nx.zeros(4, 3, 3, dtype=nx.float64))


def test_conv2d_refuses_a_kernel_of_size_zero_as_torch():
    with pytest.raises(ValueError, match=r"conv2d: kernel size should be greater than zero.*"
                                         r"\(4, 3, 0, 3\)"):
        nx.conv2d(nx.zeros(1, 3, 5, 5), nx.zeros(4, 3, 0, 3))
