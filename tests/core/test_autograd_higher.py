"""Autograd to any order: create_graph, nx.autograd.grad, backward(inputs=), grad mode per
thread, and the grad-mode contexts' forms."""
import threading

import numpy as np
import pytest
from hypothesis import given

import neurenix as nx
from neurenix.testing import ranged, tensors


def test_third_derivative_of_a_cube():
    x = nx.tensor([1.5, -2.0], dtype=nx.float64, requires_grad=True)
    (first,) = nx.autograd.grad((x ** 3).sum(), x, create_graph=True)
    (second,) = nx.autograd.grad(first.sum(), x, create_graph=True)
    (third,) = nx.autograd.grad(second.sum(), x)
    assert np.allclose(first.numpy(), 3 * x.numpy() ** 2)
    assert np.allclose(second.numpy(), 6 * x.numpy())
    assert np.allclose(third.numpy(), [6.0, 6.0])
    assert not third.requires_grad  # no create_graph: a plain result


def test_backward_with_create_graph_leaves_a_differentiable_grad():
    x = nx.tensor([0.5, 2.0], dtype=nx.float64, requires_grad=True)
    (x.exp() * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None
    g = x.grad
    x.grad = None
    g.sum().backward()  # d/dx of (1 + x) e^x is (2 + x) e^x
    assert np.allclose(x.grad.numpy(), (2 + x.numpy()) * np.exp(x.numpy()))


def test_without_create_graph_the_backward_records_nothing():
    x = nx.tensor([0.5, 2.0], requires_grad=True)
    (x.exp() * x).sum().backward()
    assert not x.grad.requires_grad and x.grad.grad_fn is None


def test_create_graph_implies_retain_graph():
    x = nx.tensor([1.0, 2.0], dtype=nx.float64, requires_grad=True)
    y = (x * x).sum()
    nx.autograd.grad(y, x, create_graph=True)
    (again,) = nx.autograd.grad(y, x)  # the graph is still there
    assert again.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="graph already freed"):
        nx.autograd.grad(y, x)


def test_grad_returns_a_tuple_and_leaves_dot_grad_alone():
    x = nx.tensor([1.0, 2.0], requires_grad=True)
    w = nx.tensor([3.0, 4.0], requires_grad=True)
    grads = nx.autograd.grad((x * w).sum(), (x, w))
    assert isinstance(grads, tuple) and [g.tolist() for g in grads] == [[3.0, 4.0], [1.0, 2.0]]
    assert x.grad is None and w.grad is None


def test_grad_of_an_unused_input_is_an_error_or_none():
    x, unused = nx.ones(2, requires_grad=True), nx.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"grad: input 1 \(shape \(3,\)\) was not used"):
        nx.autograd.grad((x * 2).sum(), (x, unused), retain_graph=True)
    g, none = nx.autograd.grad((x * 2).sum(), (x, unused), allow_unused=True)
    assert g.tolist() == [2.0, 2.0] and none is None


def test_grad_refuses_an_input_that_does_not_require_grad():
    x = nx.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad: input 1 does not require grad"):
        nx.autograd.grad((x * 2).sum(), (x, nx.ones(2)))


def test_grad_with_respect_to_an_intermediate_tensor():
    x = nx.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    (g,) = nx.autograd.grad(y, h)
    assert g.tolist() == [6.0, 12.0]


def test_grad_with_several_outputs_and_grad_outputs():
    x = nx.tensor([1.0, 2.0], requires_grad=True)
    a, b = x * 2, x * x
    (g,) = nx.autograd.grad([a, b], x, [nx.tensor([1.0, 0.0]), nx.tensor([1.0, 1.0])])
    assert g.tolist() == [2.0 + 2.0, 4.0]


def test_backward_inputs_accumulates_only_into_those():
    x, w = nx.ones(2, requires_grad=True), nx.ones(2, requires_grad=True)
    (x * w * 3).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.tolist() == [3.0, 3.0]


def test_hooks_see_and_may_replace_a_gradient_with_a_graph():
    x = nx.tensor([1.0, 2.0], dtype=nx.float64, requires_grad=True)
    y = x * x
    seen = []
    y.register_hook(lambda g: seen.append(g.requires_grad))
    (g,) = nx.autograd.grad(y.sum(), x, create_graph=True)
    assert seen == [False] and g.requires_grad  # the seed is a constant; the result is not


def test_setting_requires_grad_on_an_integer_tensor_is_refused():
    t = nx.tensor([1, 2])
    with pytest.raises(RuntimeError, match="only floating tensors can require gradients"):
        t.requires_grad = True
    assert not t.requires_grad


@given(tensors(dtype=nx.float64, elements=ranged(-2, 2), requires_grad=True, max_dims=2))
def test_grad_matches_torch_to_second_order(x):
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x.numpy(), requires_grad=True)
    ours = nx.autograd.grad((x.exp() * x * x).sum(), x, create_graph=True)[0]
    theirs = torch.autograd.grad((tx.exp() * tx * tx).sum(), tx, create_graph=True)[0]
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10)
    v = np.random.default_rng(0).standard_normal(x.shape)
    (h_ours,) = nx.autograd.grad((ours * nx.tensor(v)).sum(), x)
    (h_theirs,) = torch.autograd.grad((theirs * torch.tensor(v)).sum(), tx)
    np.testing.assert_allclose(h_ours.numpy(), h_theirs.numpy(), rtol=1e-10, atol=1e-12)


# ----- grad mode ---------------------------------------------------------------------------
def test_no_grad_as_a_bare_decorator_and_inference_mode():
    @nx.no_grad
    def double(t):
        return t * 2

    @nx.inference_mode
    def triple(t):
        return t * 3

    @nx.inference_mode()
    def quadruple(t):
        return t * 4

    x = nx.ones(2, requires_grad=True)
    for f in (double, triple, quadruple):
        assert not f(x).requires_grad
    with nx.inference_mode():
        assert not (x * 2).requires_grad and not nx.is_grad_enabled()
    with nx.inference_mode(False):
        assert (x * 2).requires_grad
    assert nx.is_grad_enabled()


def test_set_grad_enabled_as_a_call_a_context_and_a_decorator():
    x = nx.ones(2, requires_grad=True)
    nx.set_grad_enabled(False)
    try:
        assert not nx.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        nx.set_grad_enabled(True)
    with nx.set_grad_enabled(False):
        assert not nx.is_grad_enabled()
    assert nx.is_grad_enabled()

    @nx.set_grad_enabled(False)
    def inside():
        return nx.is_grad_enabled()

    assert nx.is_grad_enabled() and inside() is False and nx.is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = {}

    def worker():
        seen["starts_enabled"] = nx.is_grad_enabled()

    with nx.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen["starts_enabled"] is True


def test_a_thread_inferring_under_no_grad_never_costs_another_threads_gradients():
    nx.manual_seed(0)
    w = nx.randn(8, 8, requires_grad=True)
    x = nx.randn(4, 8)
    stop, errors, losses = threading.Event(), [], []

    def infer():
        while not stop.is_set():
            with nx.no_grad():
                out = (x @ w).tanh()
                if out.requires_grad:
                    errors.append("no_grad recorded a graph")

    reader = threading.Thread(target=infer)
    reader.start()
    try:
        for _ in range(2000):
            w.grad = None
            loss = ((x @ w).tanh() ** 2).sum()
            if not loss.requires_grad:
                errors.append("the training thread lost its graph")
                continue
            loss.backward()
            if w.grad is None:
                errors.append("the training thread lost its gradient")
            losses.append(loss.item())
    finally:
        stop.set()
        reader.join()
    assert errors == [] and len(losses) == 2000
