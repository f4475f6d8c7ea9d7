"""The autograd engine: Function.apply, the backward walk, grad mode, hooks, retain_grad."""
import gc
import weakref

import numpy as np
import pytest

import neurenix as nx
from neurenix.core.autograd import Function


def test_chain_of_100000_ops_backpropagates_and_frees():
    x = nx.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    first = weakref.ref(y.grad_fn)
    (y * nx.tensor([3.0, 4.0])).sum().backward()
    assert x.grad.tolist() == [3.0, 4.0]
    del y  # deleting the whole chain must not recurse 100,000 frames deep
    gc.collect()
    assert first() is None


def test_deleting_an_unused_100000_op_graph():
    x = nx.ones(1, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    node = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert node() is None


def test_gradients_accumulate_over_two_backward_calls():
    x = nx.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]


def test_a_tensor_used_twice_gets_both_gradients():
    x = nx.tensor([2.0], requires_grad=True)
    y = x * 3
    (y * y + y).sum().backward()  # d/dx (9x^2 + 3x) = 18x + 3
    assert x.grad.tolist() == [39.0]


def test_second_backward_through_a_freed_graph_raises():
    x = nx.tensor([1.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"\w+\.backward: graph already freed; "
                                           r"pass retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = nx.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)


def test_backward_frees_saved_arrays():
    x = nx.randn(3, requires_grad=True)
    y = x.exp()
    node = y.grad_fn
    assert node.saved_tensors[0] is not None
    y.sum().backward()
    with pytest.raises(RuntimeError, match="graph already freed"):
        node.saved_tensors


def test_no_grad_records_nothing():
    x = nx.ones(2, requires_grad=True)
    with nx.no_grad():
        y = x * 2
        assert not nx.is_grad_enabled()
    assert nx.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf


def test_no_grad_as_a_decorator():
    @nx.no_grad()
    def double(t):
        return t * 2

    x = nx.ones(2, requires_grad=True)
    assert not double(x).requires_grad
    assert (x * 2).requires_grad


def test_no_grad_restores_the_flag_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with nx.no_grad():
            1 / 0
    assert nx.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = nx.ones(2, requires_grad=True)
    with nx.no_grad():
        with nx.enable_grad():
            y = x * 2
        z = x * 2
    assert y.requires_grad and not z.requires_grad


def test_set_grad_enabled():
    x = nx.ones(2, requires_grad=True)
    with nx.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_backward_of_non_scalar_needs_a_gradient():
    x = nx.ones(2, 3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"backward: grad can be implicitly created only for "
                                           r"scalar outputs.*\(2, 3\)"):
        y.backward()
    y.backward(nx.full((2, 3), 0.5))
    assert x.grad.tolist() == [[1.0] * 3] * 2


def test_backward_gradient_of_wrong_shape_raises():
    y = nx.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"backward: gradient has shape \(3,\), the tensor has "
                                           r"shape \(2, 3\)"):
        y.backward(nx.ones(3))


def test_backward_without_a_graph_raises():
    with pytest.raises(RuntimeError, match="backward: the tensor does not require grad"):
        nx.ones(2).sum().backward()


def test_backward_on_a_leaf_seeds_its_own_gradient():
    x = nx.tensor(3.0, requires_grad=True)
    x.backward()
    assert x.grad.item() == 1.0


def test_leaf_gradient_is_owned_and_writable():
    x = nx.ones(3, requires_grad=True)
    y = nx.ones(3, requires_grad=True)
    (x + y).sum().backward()  # Add hands one broadcast-free gradient to both inputs
    x.grad.numpy()[0] = 7.0
    assert y.grad.tolist() == [1.0, 1.0, 1.0]


def test_retain_grad_on_a_non_leaf():
    x = nx.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [18.0, 36.0]


def test_non_leaf_grad_is_none_without_retain_grad():
    x = nx.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    (h * h).sum().backward()
    assert h.grad is None and not h.is_leaf and x.is_leaf


def test_hook_on_a_leaf_replaces_its_gradient():
    x = nx.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    x.register_hook(lambda g: g * 10)
    (x * x).sum().backward()
    assert seen == [[2.0, 4.0]] and x.grad.tolist() == [20.0, 40.0]


def test_hook_on_a_non_leaf_changes_what_flows_on():
    x = nx.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.register_hook(lambda g: g * 0 + 1)
    (h * h).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_hook_handle_remove():
    x = nx.tensor([1.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 100)
    handle.remove()
    handle.remove()  # removing twice is harmless
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0]


@pytest.mark.parametrize("leaf", [True, False])
def test_hook_returning_a_wrong_shape_is_an_error(leaf):
    # A (1,) replacement for a (3,) gradient would broadcast through Mul.backward unnoticed.
    x = nx.ones(3, requires_grad=True)
    h = x if leaf else x * 2
    h.register_hook(lambda g: g.sum().reshape(1))
    with pytest.raises(RuntimeError, match=r"register_hook: .* shape \(1,\) .* expected shape "
                                           r"\(3,\)"):
        (h * nx.ones(3)).sum().backward()


def test_hook_needs_requires_grad():
    with pytest.raises(RuntimeError, match="register_hook: the tensor does not require grad"):
        nx.ones(2).register_hook(lambda g: g)


@pytest.mark.parametrize("make", [
    lambda: nx.tensor([1, 2], requires_grad=True),
    lambda: nx.arange(3, requires_grad=True),
    lambda: nx.tensor([True]).requires_grad_(),
    lambda: nx.zeros(2, dtype=nx.int32, requires_grad=True),
])
def test_integer_and_bool_tensors_refuse_requires_grad(make):
    with pytest.raises(RuntimeError, match="only floating tensors can require gradients"):
        make()


def test_requires_grad_cannot_be_turned_off_on_a_non_leaf():
    y = nx.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="requires_grad_: cannot turn off"):
        y.requires_grad_(False)


def test_detach_cuts_the_graph_and_shares_memory():
    x = nx.ones(2, requires_grad=True)
    y = (x * 2).detach()
    assert not y.requires_grad and y.is_leaf
    z = x * 2
    assert np.shares_memory(z.detach().numpy(), z.numpy())


def test_branch_without_a_gradient_path_is_skipped():
    x = nx.ones(2, requires_grad=True)
    w = nx.ones(2, requires_grad=True)
    a = x * 2
    _unused = a * w  # part of the graph of a, but not of the loss
    a.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0] and w.grad is None


def test_inplace_update_of_a_leaf_needs_no_grad():
    p = nx.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="sub_: a leaf tensor that requires grad cannot be "
                                           "changed in place while grad mode is on"):
        p -= 1.0
    with nx.no_grad():
        p -= 0.5
        p.mul_(4)
    assert p.tolist() == [2.0, 2.0] and p.dtype == nx.float32


class _WrongShape(Function):
    """A deliberately broken op: its backward forgets to sum over the broadcast axis."""

    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, grad_out):
        return grad_out, grad_out


class _WrongDtype(Function):
    """A deliberately broken op: its backward returns float64 for a float32 input."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad_out):
        return (grad_out.double() * 2,)


def test_engine_rejects_a_gradient_of_the_wrong_shape():
    x, b = nx.ones(2, 3, requires_grad=True), nx.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"_WrongShape\.backward: gradient 1 has shape \(2, 3\)"
                                           r".*expected shape \(3,\)"):
        _WrongShape.apply(x, b).sum().backward()


def test_engine_rejects_a_gradient_of_the_wrong_dtype():
    x = nx.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"_WrongDtype\.backward: gradient 0 .*dtype float64, "
                                           r"expected .*dtype float32"):
        _WrongDtype.apply(x).sum().backward()


def test_apply_without_grad_inputs_records_nothing():
    out = _WrongDtype.apply(nx.ones(2))
    assert out.grad_fn is None and not out.requires_grad


def test_grad_fn_names_the_op():
    x = nx.ones(2, requires_grad=True)
    assert type((x * 2).grad_fn).__name__ == "Mul"
    assert type(x.exp().grad_fn).__name__ == "Exp"
    assert x.grad_fn is None


def test_no_op_class_shares_its_name_with_an_nn_layer():
    # grad_fn=<Conv2dOp> must not read as the layer nn.Conv2d
    import importlib
    import pkgutil

    import neurenix.core.ops as ops
    layers = {name for name in dir(nx.nn) if isinstance(getattr(nx.nn, name), type)}
    clashes = []
    for info in pkgutil.iter_modules(ops.__path__):
        module = importlib.import_module(f"neurenix.core.ops.{info.name}")
        clashes += [f"{info.name}.{name}" for name, value in vars(module).items()
                    if isinstance(value, type) and issubclass(value, Function)
                    and value is not Function and name in layers]
    assert clashes == []


def test_a_leaf_adopts_a_fresh_gradient_but_never_shares_one():
    """.grad takes over a fresh gradient array rather than copying it, and copies one that
    anything else holds: a gradient shared by two leaves, the user's seed, a hook's."""
    w, x = nx.randn(3, 4, requires_grad=True), nx.randn(2, 3)
    (x @ w).sum().backward()
    assert w.grad.numpy().flags.owndata
    a, b = nx.randn(3, requires_grad=True), nx.randn(3, requires_grad=True)
    (a + b).backward(nx.ones(3))
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    seed, c = nx.ones(3), nx.randn(3, requires_grad=True)
    (c + 0).backward(seed)
    c.backward(seed)  # accumulates in place: the seed must not change
    assert not np.shares_memory(c.grad.numpy(), seed.numpy())
    assert (seed.numpy() == 1).all() and (c.grad.numpy() == 2).all()
    kept, d = [], nx.randn(3, requires_grad=True)
    d.register_hook(lambda g: kept.append(g) or g)
    (d * 2).sum().backward()
    assert not np.shares_memory(d.grad.numpy(), kept[0].numpy())
