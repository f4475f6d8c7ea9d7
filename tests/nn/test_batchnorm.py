"""BatchNorm over several training steps, then eval mode, against PyTorch; its rules and errors;
the functional op's first, second and third derivatives."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurenix as nx
import neurenix.nn.functional as F
from neurenix.testing import assert_matches, ranged

CONFIGS = [  # constructor kwargs for BatchNorm2d(3, ...)
    {},
    {"momentum": 0.3, "eps": 1e-3},
    {"momentum": None},  # cumulative moving average
    {"affine": False},
    {"track_running_stats": False},
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kwargs", CONFIGS, ids=[str(c) for c in CONFIGS])
def test_batchnorm2d_training_steps_then_eval_match_torch(kwargs, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    tdtype = getattr(torch, np.dtype(dtype).name)
    theirs = torch.nn.BatchNorm2d(3, **kwargs).to(tdtype)
    ours = nx.nn.BatchNorm2d(3, **kwargs).to(dtype)
    if theirs.weight is not None:  # non-trivial affine parameters
        with torch.no_grad():
            theirs.weight.uniform_(0.5, 1.5)
            theirs.bias.uniform_(-1, 1)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    tol = dict(rtol=1e-9, atol=1e-10) if dtype == np.float64 else dict(rtol=2e-4, atol=2e-5)
    for step in range(4):
        array = (rng.standard_normal((4, 3, 5, 6)) * (step + 1) + step).astype(dtype)
        x, xt = nx.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
        out, ref = ours(x), theirs(xt)
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), **tol)
        v = rng.standard_normal(array.shape).astype(dtype)
        (out * nx.tensor(v)).sum().backward()
        (ref * torch.tensor(v)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **tol)
        for (name, p), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
            np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), **tol, err_msg=name)
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), **tol,
                                       err_msg=key)
    if kwargs.get("track_running_stats", True):
        assert ours.num_batches_tracked.item() == 4
        assert ours.num_batches_tracked.dtype == np.int64
    ours.eval()
    theirs.eval()
    array = rng.standard_normal((2, 3, 4, 4)).astype(dtype)
    x, xt = nx.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    out, ref = ours(x), theirs(xt)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), **tol)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **tol)


def test_running_var_is_unbiased_while_normalisation_uses_biased_var():
    bn = nx.nn.BatchNorm2d(1, momentum=1.0)
    data = np.array([1.0, 2.0, 3.0, 6.0], np.float32).reshape(4, 1, 1, 1)
    out = bn(nx.tensor(data))
    np.testing.assert_allclose(bn.running_mean.numpy(), [3.0])
    np.testing.assert_allclose(bn.running_var.numpy(), [np.var(data, ddof=1)], rtol=1e-6)
    expected = (data - 3.0) / np.sqrt(np.var(data) + 1e-5)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5)


def test_eval_mode_uses_running_stats_and_does_not_update_them():
    bn = nx.nn.BatchNorm2d(2)
    bn.running_mean.data[...] = [1.0, -1.0]
    bn.running_var.data[...] = [4.0, 0.25]
    bn.eval()
    nx.manual_seed(0)
    x = nx.randn(3, 2, 2, 2)
    out = bn(x)
    expected = (x.numpy() - np.array([1, -1]).reshape(1, 2, 1, 1)) / np.sqrt(
        np.array([4, 0.25]).reshape(1, 2, 1, 1) + 1e-5)
    # float32 against a float64 reference: relative near 1, absolute near 0 (x - mean ~ 0)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(bn.running_mean.numpy(), [1.0, -1.0])
    assert bn.num_batches_tracked.item() == 0


def _draw_inputs(data, shapes=((3, 2), (2, 2, 3), (2, 2, 2, 3))):
    """x (spread out, so no channel is nearly constant), weight, bias, running mean and var,
    float64; x, weight and bias require grad."""
    shape = data.draw(st.sampled_from(shapes))
    spread = np.arange(np.prod(shape)).reshape(shape) * 0.41 % 1.7
    x = nx.tensor(data.draw(hnp.arrays(np.float64, shape, elements=ranged(-2, 2))) + spread,
                  requires_grad=True)
    w = nx.tensor(data.draw(hnp.arrays(np.float64, shape[1], elements=ranged(0.5, 2))),
                  requires_grad=True)
    b = nx.tensor(data.draw(hnp.arrays(np.float64, shape[1], elements=ranged(-1, 1))),
                  requires_grad=True)
    mean = nx.tensor(np.linspace(-0.5, 0.5, shape[1]))
    var = nx.tensor(np.linspace(0.5, 2.0, shape[1]))
    return x, w, b, mean, var


@given(data=st.data())
def test_functional_batch_norm_gradcheck_training_and_eval(data):
    x, w, b, mean, var = _draw_inputs(data)
    assert nx.gradcheck(lambda a, ww, bb: F.batch_norm(a, None, None, ww, bb, True), (x, w, b))
    assert nx.gradcheck(lambda a, ww, bb: F.batch_norm(a, mean, var, ww, bb, False), (x, w, b))


@settings(max_examples=8)
@given(data=st.data())
def test_functional_batch_norm_gradgradcheck_training_and_eval(data):
    """Second derivatives in input, weight, bias (and dL/dout), affine or not."""
    x, w, b, mean, var = _draw_inputs(data, shapes=((3, 2), (2, 2, 3)))
    assert nx.gradgradcheck(lambda a, ww, bb: F.batch_norm(a, None, None, ww, bb, True),
                            (x, w, b))
    assert nx.gradgradcheck(lambda a: F.batch_norm(a, None, None, training=True), (x,))
    # eval mode is affine in x: a tanh after it makes the second derivative in x non-zero
    assert nx.gradgradcheck(lambda a, ww, bb: F.batch_norm(a, mean, var, ww, bb).tanh(),
                            (x, w, b))
    assert nx.gradgradcheck(lambda a: F.batch_norm(a, mean, var).tanh(), (x,))


@settings(max_examples=4)
@given(data=st.data())
def test_functional_batch_norm_third_derivatives(data):
    """Any order: the first-order gradients (taken with create_graph) pass gradgradcheck. Checked
    against finite differences: PyTorch 2.13's own third derivative of training batch norm fails
    torch.autograd.gradgradcheck, so it is no reference here."""
    x, w, b, mean, var = _draw_inputs(data, shapes=((3, 2), (2, 2, 2)))
    v = nx.tensor(np.random.default_rng(0).standard_normal(x.shape))
    for training in (True, False):
        def gradients(a, ww, bb):
            out = F.batch_norm(a, mean, var, ww, bb, training, momentum=0.0).tanh()
            return nx.autograd.grad((out * v).sum(), (a, ww, bb), create_graph=True)

        assert nx.gradgradcheck(gradients, (x, w, b))


BN_SHAPES = [(4, 3), (3, 2, 5), (2, 3, 4, 5)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", BN_SHAPES)
def test_functional_batch_norm_second_derivatives_match_torch(shape, training, affine, dtype):
    """Values, gradients and second derivatives in input, weight and bias. The output is
    compared alone and after a tanh (so dL/dout depends on x, and eval mode, affine in x, has a
    second derivative in x at all)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    c = shape[1]
    x = (rng.standard_normal(shape) * 2 + 1).astype(dtype)
    w, b = rng.uniform(0.5, 1.5, c).astype(dtype), rng.uniform(-1, 1, c).astype(dtype)
    running_mean, running_var = rng.standard_normal(c), rng.uniform(0.5, 2, c)

    def fn(lib, x, w, b):
        functional = F if lib is nx else lib.nn.functional
        out = functional.batch_norm(x, lib.tensor(running_mean.astype(dtype)),
                                    lib.tensor(running_var.astype(dtype)),
                                    w if affine else None, b if affine else None, training)
        return out, lib.tanh(out)

    assert_matches(torch, fn, x, w, b, second_order=True)


def test_double_backward_updates_the_running_stats_once():
    """The backward passes normalise again, but never touch the running statistics."""
    bn = nx.nn.BatchNorm2d(2, momentum=0.5).to(nx.float64)
    x = nx.tensor(np.random.default_rng(0).standard_normal((3, 2, 2, 2)) + 1, requires_grad=True)
    (g,) = nx.autograd.grad(bn(x).tanh().sum(), x, create_graph=True)
    (g * g).sum().backward()
    expected = 0.5 * x.numpy().mean(axis=(0, 2, 3))
    np.testing.assert_allclose(bn.running_mean.numpy(), expected, rtol=1e-12)
    assert x.grad.shape == x.shape and bn.weight.grad.shape == (2,)


def test_batchnorm_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input \(got 3D input"):
        nx.nn.BatchNorm2d(3)(nx.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 3 channels.*\(2, 4, 3, 3\)"):
        nx.nn.BatchNorm2d(3)(nx.zeros(2, 4, 3, 3))
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3, 1, 1\)"):
        nx.nn.BatchNorm2d(3)(nx.zeros(1, 3, 1, 1))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D or 3D input"):
        nx.nn.BatchNorm1d(3)(nx.zeros(2, 3, 4, 4))


def test_batchnorm_keeps_float32():
    bn = nx.nn.BatchNorm2d(2)
    x = nx.randn(2, 2, 3, 3, requires_grad=True)
    out = bn(x)
    out.sum().backward()
    assert out.dtype == x.grad.dtype == bn.weight.grad.dtype == bn.running_var.dtype == np.float32


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("make, shape", [("BatchNorm2d", (0, 3, 4, 4)),
                                         ("BatchNorm2d", (2, 3, 0, 4)),
                                         ("BatchNorm1d", (0, 3)), ("BatchNorm1d", (0, 3, 5))])
def test_an_empty_batch_in_training_matches_torch(make, shape, momentum):
    """PyTorch 2.13 returns an empty output, leaves the running statistics alone, still counts
    the batch, and gives zero gradients to weight and bias."""
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, make)(3, momentum=momentum).double()
    ours = getattr(nx.nn, make)(3, momentum=momentum).double()
    with torch.no_grad():
        theirs.running_mean.uniform_(-1, 1)
        theirs.running_var.uniform_(0.5, 2)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x, xt = nx.zeros(*shape, dtype=nx.float64, requires_grad=True), torch.zeros(
        shape, dtype=torch.float64, requires_grad=True)
    out, ref = ours(x), theirs(xt)
    assert out.shape == tuple(ref.shape)
    out.sum().backward()
    ref.sum().backward()
    assert x.grad.shape == shape
    for (name, p), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_array_equal(p.grad.numpy(), pt.grad.numpy(), err_msg=name)
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy(),
                                      err_msg=key)
