"""In-place updates under autograd (recorded in the graph, as PyTorch) and the version counter
that refuses a backward whose saved tensors were changed in place."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import ranged, tensors

RECORDED = [  # name, in-place form, out-of-place form (both as fn(lib, h, other))
    ("+=", lambda lib, h, o: h.__iadd__(o), lambda lib, h, o: h + o),
    ("add_ alpha", lambda lib, h, o: h.add_(o, alpha=2.0), lambda lib, h, o: h + 2.0 * o),
    ("-=", lambda lib, h, o: h.__isub__(o), lambda lib, h, o: h - o),
    ("sub_", lambda lib, h, o: h.sub_(o), lambda lib, h, o: h - o),
    ("*=", lambda lib, h, o: h.__imul__(o), lambda lib, h, o: h * o),
    ("mul_", lambda lib, h, o: h.mul_(o), lambda lib, h, o: h * o),
    ("/=", lambda lib, h, o: h.__itruediv__(o + 4), lambda lib, h, o: h / (o + 4)),
    ("relu_", lambda lib, h, o: h.relu_() * o, lambda lib, h, o: h.relu() * o),
    ("clamp_", lambda lib, h, o: h.clamp_(-0.5, 0.5) * o, lambda lib, h, o: h.clamp(-0.5, 0.5) * o),
    ("copy_", lambda lib, h, o: h.copy_(o * 3), lambda lib, h, o: h * 0 + o * 3),
    ("setitem slice", lambda lib, h, o: _set(h, (slice(None), 0), o[:, 1] * 2),
     lambda lib, h, o: lib.cat([(o[:, 1] * 2).reshape(-1, 1), h[:, 1:]], 1)),
]


def _set(h, index, value):
    h[index] = value
    return h


def _residual(lib, fn, x, other):
    """h = x * 1.5 (a non-leaf), then the update; the loss is a function of the result."""
    h = x * 1.5
    out = fn(lib, h, other)
    return ((h if out is None else out) ** 2).sum()


@pytest.mark.parametrize("name, inplace, plain", RECORDED)
@given(data=st.data())
def test_a_recorded_inplace_update_has_the_gradients_of_its_out_of_place_form(name, inplace, plain,
                                                                           data):
    x = data.draw(tensors((3, 2), nx.float64, ranged(-2, 2).filter(lambda v: abs(v) > 0.05)
                          .filter(lambda v: abs(abs(v * 1.5) - 0.5) > 1e-3), requires_grad=True))
    other = data.draw(tensors((3, 2), nx.float64, ranged(-2, 2), requires_grad=True))
    ours = nx.autograd.grad(_residual(nx, inplace, x, other), (x, other), allow_unused=True)
    expected = nx.autograd.grad(_residual(nx, plain, x, other), (x, other), allow_unused=True)
    for a, b in zip(ours, expected):
        assert (a is None and b is None) or np.allclose(a.numpy(), b.numpy())


@pytest.mark.parametrize("name, inplace, plain", RECORDED)
def test_a_recorded_inplace_update_matches_torch(name, inplace, plain):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, other = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    grads = []
    for lib in (nx, torch):
        xs = lib.tensor(x, requires_grad=True), lib.tensor(other, requires_grad=True)
        loss = _residual(lib, inplace, *xs)
        grads.append([t.numpy() for t in lib.autograd.grad(loss, xs, allow_unused=True,
                                                           materialize_grads=True)]
                     if lib is torch else
                     [np.zeros_like(a) if g is None else g.numpy() for g, a in
                      zip(lib.autograd.grad(loss, xs, allow_unused=True), (x, other))])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_a_residual_block_adds_in_place_and_trains():
    nx.manual_seed(0)
    conv, bn = nx.nn.Conv2d(3, 3, 3, padding=1), nx.nn.BatchNorm2d(3)
    x = nx.randn(2, 3, 5, 5, requires_grad=True)
    out = bn(conv(x))
    out += x
    out.relu_()
    out.sum().backward()
    assert x.grad is not None and conv.weight.grad is not None
    assert type(out.grad_fn).__name__ != "BatchNormTrain"


def test_the_version_counter_refuses_a_backward_through_changed_values():
    x = nx.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()  # saves its output
    y += 1
    with pytest.raises(RuntimeError, match=r"Exp\.backward: saved tensor 0 \(shape \(2,\), dtype "
                                           r"float32\) was changed in place after the forward"):
        y.sum().backward()


def test_an_update_through_a_detached_alias_is_caught_too():
    x = nx.tensor([0.5, 1.0], requires_grad=True)
    y = x * 2
    z = y.sigmoid()
    with nx.no_grad():
        z.detach().mul_(0)  # the same memory as z, which sigmoid saved
    with pytest.raises(RuntimeError, match="changed in place after the forward"):
        z.sum().backward()


def test_an_optimizer_step_before_backward_is_caught():
    w = nx.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()  # Mul saves w
    with nx.no_grad():
        w.sub_(0.1)
    with pytest.raises(RuntimeError, match=r"Mul\.backward: saved tensor"):
        loss.backward()


def test_a_leaf_that_requires_grad_is_refused_and_a_view_is_refused():
    leaf = nx.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="add_: a leaf tensor that requires grad"):
        leaf.add_(1)
    view = (nx.ones(2, 3, requires_grad=True) * 2).reshape(3, 2)
    with pytest.raises(RuntimeError, match=r"mul_: the tensor of shape \(3, 2\) is a view"):
        view.mul_(2)


def test_a_recorded_update_keeps_dtype_shape_and_identity():
    x = nx.ones(2, 3, requires_grad=True)
    h = x * 2
    data = h.data
    h += nx.ones(3, dtype=nx.float64)  # broadcasts into h; the float64 result is cast back
    assert h.data is data and h.dtype == nx.float32 and h.tolist() == [[3.0] * 3] * 2
    with pytest.raises(ValueError, match=r"add_: the result has shape \(4, 2, 3\)"):
        h += nx.ones(4, 2, 3)
