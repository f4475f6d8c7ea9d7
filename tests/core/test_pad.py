"""pad: constant / reflect / replicate against PyTorch, gradient checks, errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, tensors


def _functional(lib):
    return lib if lib is nx else lib.nn.functional


PAD = [  # x shape, pad, mode, value
    ((2, 3, 5, 6), (1, 2, 3, 4), "constant", 0.0),
    ((2, 3, 5, 6), (1, 2, 3, 4), "constant", -1.5),
    ((2, 3, 5, 6), (1, -2, 0, -1), "constant", 2.0),  # negative pads crop
    ((4,), (2, 3), "constant", 1.0),
    ((2, 1, 3, 2, 2), (1, 0, 0, 1, 2, 2), "constant", 0.0),
    ((2, 3, 5, 6), (1, 2, 3, 4), "reflect", None),
    ((2, 3, 5, 6), (5, 5, 4, 4), "reflect", None),  # the largest reflect pads
    ((2, 5, 6), (3, 2), "reflect", None),
    ((5, 6), (0, 4), "reflect", None),
    ((2, 3, 5, 6), (1, 2, 3, 4), "replicate", None),
    ((1, 2, 2, 3), (4, 5, 0, 6), "replicate", None),
    ((2, 5, 1), (3, 2), "replicate", None),
    ((2, 1, 3, 4, 5), (1, 2, 2, 1, 1, 1), "reflect", None),
    ((1, 3, 4, 5), (1, 2, 2, 1, 1, 1), "replicate", None),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, pad, mode, value", PAD)
def test_pad_matches_torch(shape, pad, mode, value, dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    kwargs = {} if value is None else dict(value=value)
    assert_matches(torch, lambda lib, x: _functional(lib).pad(x, pad, mode=mode, **kwargs), x)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate"])
@given(data=st.data())
def test_pad_gradcheck(mode, data):
    ndim = data.draw(st.integers(3, 4))
    shape = (data.draw(st.integers(1, 2)),) + tuple(data.draw(st.integers(2, 4))
                                                    for _ in range(ndim - 1))
    k = ndim - 2 if mode != "constant" else data.draw(st.integers(1, ndim))
    sides = [shape[ndim - 1 - i // 2] for i in range(2 * k)]  # the size each entry pads
    # constant pads may crop (one element per side, leaving at least one)
    pad = tuple(data.draw(st.integers(-1 if mode == "constant" and n >= 3 else 0, n - 1))
                for n in sides)
    x = data.draw(tensors(shape, requires_grad=True))
    out = nx.pad(x, pad, mode=mode)
    assert out.shape[:ndim - k] == shape[:ndim - k]
    assert nx.gradcheck(lambda x: nx.pad(x, pad, mode=mode, value=0.5), (x,))


def test_pad_keeps_dtype_and_copies():
    x = nx.randn(1, 2, 3, 3, requires_grad=True)
    out = nx.pad(x, (0, 0, 0, 0))
    out.sum().backward()
    assert out.dtype == x.grad.dtype == nx.float32
    assert not np.shares_memory(out.numpy(), x.numpy())


def _raises(parts, *args, **kwargs):
    with pytest.raises((ValueError, TypeError)) as info:
        nx.pad(*args, **kwargs)
    for part in parts:
        assert part in str(info.value), (part, str(info.value))


def test_pad_errors_name_the_op_and_shapes():
    x = nx.zeros(1, 2, 3, 4)
    _raises(["pad", "even-length", "(1, 2, 3)"], x, (1, 2, 3))
    _raises(["pad", "reflect", "(4, 0)", "(1, 2, 3, 4)"], x, (4, 0), mode="reflect")
    _raises(["pad", "reflect", "smaller", "(0, 4, 0, 0)"], x, (0, 4, 0, 0), mode="reflect")
    _raises(["pad", "mode", "'circular'"], x, (1, 1), mode="circular")
    _raises(["pad", "crops", "(1, 2, 3, 4)"], x, (-3, -2))
    _raises(["pad", "5 dimensions", "(1, 2, 3, 4)"], x, (1,) * 10)
