"""pad: constant / reflect / replicate / circular, widths that crop included, against PyTorch
and gradient checks to second order, the adjoint ops its backward passes are made of, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.core.ops.pad import FoldPadding, Pad
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
    ((2, 3, 5, 6), (-1, 2, 3, -2), "reflect", None),  # negative widths crop
    ((2, 3, 5), (-4, 4), "reflect", None),  # crops to the last element, reflects from there
    ((2, 3, 5, 6), (2, -3, -1, 6), "replicate", None),
    ((2, 3, 5, 6), (1, 2, 3, 4), "circular", None),
    ((2, 3, 5, 6), (6, 6, 5, 5), "circular", None),  # the largest: one whole wrap
    ((3, 5), (2, 1), "circular", 0.0),  # unbatched; a value of 0 is accepted, as in PyTorch
    ((2, 3, 5, 6), (2, -2, -1, 3), "circular", None),  # cropped first, then wrapped
    ((2, 3, 5), (0, -5), "circular", None),  # cropped to nothing
    ((1, 2, 3, 4, 5), (1, 1, 2, 0, 0, 3), "circular", None),
    ((0, 2, 4), (1, 2), "circular", None),  # empty batch
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, pad, mode, value", PAD)
def test_pad_matches_torch(shape, pad, mode, value, dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    kwargs = {} if value is None else dict(value=value)
    assert_matches(torch, lambda lib, x: _functional(lib).pad(x, pad, mode=mode, **kwargs), x,
                   second_order=dtype == np.float64)  # zero: padding is linear


@pytest.mark.parametrize("shape, pad, mode, value", PAD)
def test_pad_second_derivatives_match_torch(shape, pad, mode, value):
    """Of pad(x) ** 2, in float64: padding's own second derivative is zero, the square's
    Hessian 2 P^T diag(v) P is not, and it runs the backward of pad's backward."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    kwargs = {} if value is None else dict(value=value)
    assert_matches(torch, lambda lib, x: _functional(lib).pad(x, pad, mode=mode, **kwargs) ** 2,
                   x, second_order=True)


@st.composite
def _pad_problem(draw, mode):
    """(x, pad) for ``mode``: 3-D or 4-D inputs, pads up to the largest allowed (or one less
    for circular), or cropping one element of a side of 3 or more."""
    ndim = draw(st.integers(3, 4))
    shape = (draw(st.integers(1, 2)),) + tuple(draw(st.integers(2, 4)) for _ in range(ndim - 1))
    k = ndim - 2 if mode != "constant" else draw(st.integers(1, ndim))
    sides = [shape[ndim - 1 - i // 2] for i in range(2 * k)]  # the size each entry pads
    pad = tuple(draw(st.integers(-1 if n >= 3 else 0, n - 1)) for n in sides)
    return draw(tensors(shape, requires_grad=True)), pad


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@given(data=st.data())
def test_pad_gradcheck(mode, data):
    x, pad = data.draw(_pad_problem(mode))
    k = len(pad) // 2
    out = nx.pad(x, pad, mode=mode)
    assert out.shape[:x.ndim - k] == x.shape[:x.ndim - k]
    value = 0.5 if mode == "constant" else None  # the other modes take no value, as in PyTorch
    assert nx.gradcheck(lambda x: nx.pad(x, pad, mode=mode, value=value), (x,))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@settings(max_examples=10)  # each example differentiates the backward once per gradient entry
@given(data=st.data())
def test_pad_gradgradcheck(mode, data):
    x, pad = data.draw(_pad_problem(mode))
    value = 0.5 if mode == "constant" else None
    assert nx.gradgradcheck(lambda x: nx.pad(x, pad, mode=mode, value=value), (x,))


@pytest.mark.parametrize("pad, mode", [((1, -1, 2, 0), "constant"), ((2, 1, 1, 2), "reflect"),
                                       ((3, 0, 1, 2), "replicate"), ((3, -1, 1, 2), "circular")])
def test_pad_third_derivatives_gradgradcheck(pad, mode):
    """Any order: gradgradcheck of the gradient of sum(v * pad(x)**2) differentiates the
    backward of pad's backward (a pad of a crop or of a fold) once more."""
    x = nx.tensor(np.random.default_rng(1).standard_normal((1, 2, 3, 4)), requires_grad=True)
    v = nx.tensor(np.random.default_rng(2).standard_normal(nx.pad(x, pad, mode=mode).shape))

    def gradient(x):
        return nx.autograd.grad((nx.pad(x, pad, mode=mode) ** 2 * v).sum(), x,
                                create_graph=True)[0]

    assert nx.gradgradcheck(gradient, (x,))


@pytest.mark.parametrize("pad, mode, adjoint", [((1, -2, 0, 3), "constant", Pad),
                                                ((2, 1, 1, 2), "reflect", FoldPadding),
                                                ((3, 0, 1, 2), "replicate", FoldPadding),
                                                ((-1, 3, 2, -2), "circular", FoldPadding)])
def test_pad_backward_is_its_adjoint_whose_backward_pads(pad, mode, adjoint):
    """<backward(g), y> = <g, pad(y)>: constant padding's backward crops (a pad by the negated
    widths), reflect / replicate's folds the pads back; the backward of either pads again."""
    rng = np.random.default_rng(3)
    x = nx.tensor(rng.standard_normal((2, 3, 4, 5)), requires_grad=True)
    out = nx.pad(x, pad, mode=mode)
    g = nx.tensor(rng.standard_normal(out.shape), requires_grad=True)
    (grad_x,) = nx.autograd.grad(out, x, g, create_graph=True)
    assert type(grad_x.grad_fn) is adjoint
    y = rng.standard_normal(x.shape)
    padded = nx.pad(nx.tensor(y), pad, mode=mode).numpy()
    assert np.isclose((grad_x.numpy() * y).sum(), (g.numpy() * padded).sum())
    (back,) = nx.autograd.grad(grad_x, g, nx.tensor(y))
    np.testing.assert_allclose(back.numpy(), padded)


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
    _raises(["pad", "mode", "'wrap'"], x, (1, 1), mode="wrap")
    _raises(["pad", "crops", "(1, 2, 3, 4)"], x, (-3, -2))
    _raises(["pad", "5 dimensions", "(1, 2, 3, 4)"], x, (1,) * 10)
    signal = nx.zeros(2, 3, 4)
    _raises(["pad", "circular", "wraps around more than once", "(2, 3, 4)"], signal, (5, 0),
            mode="circular")
    _raises(["pad", "circular", "(-2, 3)"], signal, (-2, 3), mode="circular")  # 2 kept, 3 wanted
    _raises(["pad", "replicate", "(-2, -2)", "no element"], signal, (-2, -2), mode="replicate")
    _raises(["pad", "reflect", "value=1.0"], signal, (1, 1), mode="reflect", value=1.0)
    _raises(["pad", "crops more", "(1, 2, 3, 4)"], x, (-5, 2))  # as PyTorch, though 1 is left
