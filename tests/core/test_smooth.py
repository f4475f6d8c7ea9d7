"""elu, selu, softplus, mish, logsigmoid: values and derivatives (first and second against
finite differences; up to the third against PyTorch), branch points, extremes, inplace."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
import neurenix.nn.functional as F
from neurenix.testing import assert_matches, away_from, ranged, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])


def functional(lib):
    return lib.nn.functional


SMOOTH = [  # name, fn(lib, x), input elements (a branch point kept out of finite differences)
    ("elu", lambda lib, x: functional(lib).elu(x), away_from(0.0, low=-5, high=5)),
    ("elu 0.5", lambda lib, x: functional(lib).elu(x, alpha=0.5),
     away_from(0.0, low=-5, high=5)),
    ("selu", lambda lib, x: functional(lib).selu(x), away_from(0.0, low=-5, high=5)),
    ("selu top-level", lambda lib, x: lib.selu(x), away_from(0.0, low=-5, high=5)),
    ("softplus", lambda lib, x: functional(lib).softplus(x), ranged(-6, 6)),
    ("softplus beta 2 threshold 3",
     lambda lib, x: functional(lib).softplus(x, beta=2, threshold=3),
     away_from(1.5, low=-4, high=4)),
    ("softplus beta 0.5", lambda lib, x: functional(lib).softplus(x, 0.5, 2),
     away_from(4.0, low=-6, high=6)),
    ("mish", lambda lib, x: functional(lib).mish(x), ranged(-6, 6)),
    ("logsigmoid", lambda lib, x: functional(lib).logsigmoid(x), ranged(-6, 6)),
]
IDS = [spec[0] for spec in SMOOTH]


@pytest.mark.parametrize("name, fn, elements", SMOOTH, ids=IDS)
@given(data=st.data())
def test_smooth_gradcheck(name, fn, elements, data):
    x = data.draw(tensors(dtype=nx.float64, elements=elements, requires_grad=True, max_dims=3))
    assert nx.gradcheck(lambda a: fn(nx, a), (x,))


@pytest.mark.parametrize("name, fn, elements", SMOOTH, ids=IDS)
@settings(max_examples=15)
@given(data=st.data())
def test_smooth_gradgradcheck(name, fn, elements, data):
    x = data.draw(tensors(dtype=nx.float64, elements=elements, requires_grad=True, max_dims=3))
    assert nx.gradgradcheck(lambda a: fn(nx, a), (x,))


@pytest.mark.parametrize("name, fn, elements", SMOOTH, ids=IDS)
@given(data=st.data())
def test_smooth_matches_torch(name, fn, elements, data):
    torch = pytest.importorskip("torch")
    x = data.draw(tensors(dtype=data.draw(FLOATS), elements=elements, max_dims=3))
    assert_matches(torch, fn, x.numpy(), second_order=True)


@pytest.mark.parametrize("name, fn, elements", SMOOTH, ids=IDS)
def test_smooth_third_derivatives_match_torch(name, fn, elements):
    # the gradient as a function of the input and of dL/dy, compared to second order: each
    # ...Backward op's own backward is differentiable again
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, g = rng.uniform(-3, 3, (3, 4)), rng.standard_normal((3, 4))

    def grad(lib, a, v):
        return lib.autograd.grad((fn(lib, a) * v).sum(), a, create_graph=True)[0]

    assert_matches(torch, grad, x, g, second_order=True)


@pytest.mark.parametrize("name, fn, elements", SMOOTH, ids=IDS)
@pytest.mark.parametrize("shape", [(0,), (3, 0, 2)])
def test_smooth_of_empty_tensors_matches_torch(name, fn, elements, shape):
    torch = pytest.importorskip("torch")
    assert_matches(torch, fn, np.zeros(shape), second_order=True)


@pytest.mark.parametrize("name, fn, elements", SMOOTH, ids=IDS)
def test_smooth_of_non_contiguous_input_matches_torch(name, fn, elements):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(1).uniform(-5, 5, (3, 6))[:, ::2]  # a strided view
    assert_matches(torch, fn, x, second_order=True)


def test_values_at_the_branch_points_are_torchs():
    # elu's derivative at 0 is alpha (the x <= 0 branch), its second derivative 0 (x < 0);
    # softplus(beta=2, threshold=3) at x = 1.5 is still the log (beta x > threshold is false)
    # with derivative sigmoid(3) and second derivative 0
    torch = pytest.importorskip("torch")
    x = np.array([-2.0, -1e-3, 0.0, 1e-3, 1.5, 2.0, 20.0, 21.0])
    for name, fn, _ in SMOOTH:
        assert_matches(torch, fn, x, second_order=True)


EXTREMES = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, fn, elements", SMOOTH, ids=IDS)
def test_smooth_is_finite_and_torchs_at_extremes(name, fn, elements, dtype):
    torch = pytest.importorskip("torch")
    x = nx.tensor(EXTREMES.astype(dtype), requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no inf, no 0 * inf
        out = fn(nx, x)
        (g,) = nx.autograd.grad(out.sum(), x, create_graph=True)
        (gg,) = nx.autograd.grad(g.sum(), x)
    for t in (out, g, gg):
        assert np.isfinite(t.numpy()).all()
    # PyTorch's second derivative of mish is nan at 1000 (ours is its limit, 0)
    assert_matches(torch, fn, EXTREMES.astype(dtype), second_order=name != "mish")


def test_softplus_is_the_identity_above_the_threshold_like_torch():
    x = nx.tensor([20.5, 30.0], dtype=nx.float64)
    assert F.softplus(x).tolist() == [20.5, 30.0]
    assert F.softplus(x, beta=2, threshold=50).tolist()[1] == 30.0


def test_smooth_of_integers_gives_the_default_float():
    for fn in (F.elu, F.selu, F.softplus, F.mish, F.logsigmoid):
        assert fn(nx.tensor([-1, 0, 2])).dtype == nx.float32


INPLACE = {  # name -> fn(lib, x) with inplace=True
    "elu": lambda lib, x: functional(lib).elu(x, 0.5, inplace=True),
    "selu": lambda lib, x: functional(lib).selu(x, inplace=True),
    "mish": lambda lib, x: functional(lib).mish(x, inplace=True),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_on_an_intermediate_writes_and_records_like_torch(name):
    torch = pytest.importorskip("torch")

    def fn(lib, x):
        y = x * 2
        assert INPLACE[name](lib, y) is y
        return y * x

    x = np.random.default_rng(3).uniform(-3, 3, (3, 4))
    assert_matches(torch, fn, x, second_order=True)


@pytest.mark.parametrize("name", INPLACE)
def test_inplace_without_a_graph_writes_into_the_input(name):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(4).uniform(-3, 3, (2, 3))
    ours, theirs = nx.tensor(x), torch.tensor(x)
    assert INPLACE[name](nx, ours) is ours
    INPLACE[name](torch, theirs)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    with pytest.raises(RuntimeError, match="elu.*leaf"):
        F.elu(nx.randn(3, requires_grad=True), inplace=True)


def test_inplace_into_an_integer_tensor_is_refused():
    with pytest.raises(TypeError, match=r"mish: inplace=True.*int64.*\(2,\)"):
        F.mish(nx.tensor([1, 2]), inplace=True)


def test_smooth_refuses_a_non_tensor():
    with pytest.raises(TypeError, match="softplus: input must be a Tensor, got float"):
        F.softplus(1.0)
