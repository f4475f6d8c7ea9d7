"""Gradient checkpointing: same gradients, same random stream, same BatchNorm statistics, less
memory."""
import tracemalloc

import numpy as np
import pytest
from hypothesis import given

import neurenix as nx
from neurenix import nn
from neurenix.core.random import get_rng_state
from neurenix.testing import tensors


def _deep_model(depth: int = 6) -> nn.Sequential:
    layers = [nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU()]
    for _ in range(depth):
        layers += [nn.Conv2d(4, 4, 3, padding=1), nn.BatchNorm2d(4), nn.GELU(), nn.Dropout(0.3)]
    layers += [nn.Flatten(), nn.Linear(4 * 6 * 6, 3)]
    return nn.Sequential(*layers)


def _training_step(model, x, checkpointing: bool):
    """Loss, the input's and every parameter's gradient, the buffers, the generator state after."""
    model.zero_grad()
    x = x.detach().requires_grad_(True)
    nx.manual_seed(7)
    with nx.enable_gradient_checkpointing(checkpointing):
        loss = (model(x) ** 2).mean()
    loss.backward()
    return (loss.item(), x.grad.data.copy(),
            {k: p.grad.data.copy() for k, p in model.named_parameters()},
            {k: b.data.copy() for k, b in model.named_buffers()},
            get_rng_state().tolist())


@pytest.mark.parametrize("input_requires_grad", [True, False])
def test_sequential_gradients_equal_with_and_without_checkpointing(input_requires_grad):
    nx.manual_seed(0)
    model = _deep_model()
    x = nx.randn(2, 3, 6, 6)
    before = {k: b.data.copy() for k, b in model.named_buffers()}
    plain = _training_step(model, x, checkpointing=False)
    for k, b in model.named_buffers():  # start the second step from the same running stats
        b.data = before[k].copy()
    checkpointed = _training_step(model, x, checkpointing=True)

    assert plain[0] == checkpointed[0]
    np.testing.assert_array_equal(plain[1], checkpointed[1])
    for k in plain[2]:
        np.testing.assert_array_equal(plain[2][k], checkpointed[2][k], err_msg=k)
    # BatchNorm statistics moved once (not again by the recomputation): the same as without.
    for k in plain[3]:
        np.testing.assert_array_equal(plain[3][k], checkpointed[3][k], err_msg=k)
    assert int(checkpointed[3]["1.num_batches_tracked"]) == int(before["1.num_batches_tracked"]) + 1
    # Dropout drew its masks once: the generator ends where it ends without checkpointing.
    assert plain[4] == checkpointed[4]


def test_first_layer_parameters_get_gradients_when_the_input_needs_none():
    nx.manual_seed(0)
    layer = nn.Linear(5, 3)
    x = nx.randn(4, 5)  # an image-like input: no requires_grad
    nx.checkpoint(layer, x).sum().backward()
    checkpointed = layer.weight.grad.data.copy(), layer.bias.grad.data.copy()
    layer.zero_grad()
    layer(x).sum().backward()
    np.testing.assert_array_equal(checkpointed[0], layer.weight.grad.data)
    np.testing.assert_array_equal(checkpointed[1], layer.bias.grad.data)


def test_functional_checkpoint_of_a_closure_replays_random_numbers():
    nx.manual_seed(0)
    weights = [nx.randn(6, 6, requires_grad=True) for _ in range(4)]

    def block(h, w, scale):
        keep = (nx.rand(*h.shape) > 0.4).float()  # random, so the replay must redraw it
        return nx.tanh(h @ w) * keep * scale

    def run(use_checkpoint):
        for w in weights:
            w.grad = None
        nx.manual_seed(3)
        x = nx.randn(3, 6, requires_grad=True)
        h = x
        for w in weights:
            h = nx.checkpoint(block, h, w, 2.0) if use_checkpoint else block(h, w, 2.0)
        h.sum().backward()
        return x.grad.data, [w.grad.data for w in weights], nx.rand(1).item()

    plain, checkpointed = run(False), run(True)
    np.testing.assert_array_equal(plain[0], checkpointed[0])
    for a, b in zip(plain[1], checkpointed[1]):
        np.testing.assert_array_equal(a, b)
    assert plain[2] == checkpointed[2]


def test_tensors_inside_list_arguments_get_gradients():
    a, b = nx.randn(2, 3, requires_grad=True), nx.randn(2, 3, requires_grad=True)
    nx.checkpoint(lambda pair: pair[0] * pair[1], [a, b]).sum().backward()
    np.testing.assert_array_equal(a.grad.data, b.data)
    np.testing.assert_array_equal(b.grad.data, a.data)


def test_nested_checkpoints():
    nx.manual_seed(0)
    inner, outer_layer = nn.Linear(4, 4), nn.Linear(4, 2)
    x = nx.randn(3, 4, requires_grad=True)

    def outer(h):
        return outer_layer(nx.checkpoint(inner, h).relu())

    nx.checkpoint(outer, x).sum().backward()
    nested = x.grad.data.copy(), inner.weight.grad.data.copy(), outer_layer.weight.grad.data.copy()
    x.grad = None
    inner.zero_grad()
    outer_layer.zero_grad()
    outer_layer(inner(x).relu()).sum().backward()
    np.testing.assert_array_equal(nested[0], x.grad.data)
    np.testing.assert_array_equal(nested[1], inner.weight.grad.data)
    np.testing.assert_array_equal(nested[2], outer_layer.weight.grad.data)


def test_nested_containers_recompute_each_segment_once():
    nx.manual_seed(0)
    counts = {"calls": 0}
    model = nn.Sequential(nn.Sequential(nn.Linear(3, 3), nn.ReLU()), nn.Linear(3, 1))
    model[0][0].register_forward_hook(lambda *_: counts.__setitem__("calls", counts["calls"] + 1))
    with nx.enable_gradient_checkpointing():  # the backward too: the flag is on during replays
        model(nx.randn(2, 3)).sum().backward()
    assert counts["calls"] == 2  # the forward, and one replay of its segment


def test_under_no_grad_checkpoint_just_calls_fn():
    calls = []

    def fn(x):
        calls.append(x)
        return [x * 2]  # not a Tensor: fine, since no graph is recorded
    x = nx.randn(3, requires_grad=True)
    with nx.no_grad():
        out = nx.checkpoint(fn, x)
    assert calls == [x] and isinstance(out, list) and not out[0].requires_grad


def test_a_function_returning_no_tensor_is_refused_when_a_graph_is_needed():
    x = nx.randn(3, requires_grad=True)
    with pytest.raises(TypeError, match="checkpoint: .* returned tuple"):
        nx.checkpoint(lambda t: (t, t), x)


def test_enable_gradient_checkpointing_as_context_and_as_call():
    assert not nx.is_checkpointing_enabled()
    with nx.enable_gradient_checkpointing():
        assert nx.is_checkpointing_enabled()
        with nx.enable_gradient_checkpointing(False):
            assert not nx.is_checkpointing_enabled()
        assert nx.is_checkpointing_enabled()
    assert not nx.is_checkpointing_enabled()
    nx.enable_gradient_checkpointing()
    try:
        assert nx.is_checkpointing_enabled()
    finally:
        nx.enable_gradient_checkpointing(False)
    assert not nx.is_checkpointing_enabled()


@given(x=tensors(dtype=nx.float64, requires_grad=True, min_dims=2, max_dims=2))
def test_checkpoint_gradcheck(x):
    w = nx.tensor(np.linspace(-1, 1, x.shape[1] * 3).reshape(x.shape[1], 3), dtype=nx.float64,
                  requires_grad=True)
    assert nx.gradcheck(lambda a, b: nx.checkpoint(lambda p, q: nx.tanh(p @ q) * p.sum(), a, b),
                        (x, w))


def _peak_training_memory(model, x, checkpointing: bool) -> int:
    model.zero_grad()
    tracemalloc.start()
    try:
        with nx.enable_gradient_checkpointing(checkpointing):
            loss = model(x).sum()
        loss.backward()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_checkpointing_lowers_peak_memory_of_a_deep_model_by_30_percent():
    nx.manual_seed(0)
    layers = []
    for _ in range(20):
        layers += [nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU()]
    model = nn.Sequential(*layers)
    x = nx.randn(4, 8, 24, 24)
    plain = _peak_training_memory(model, x, checkpointing=False)
    checkpointed = _peak_training_memory(model, x, checkpointing=True)
    assert checkpointed <= 0.7 * plain, (plain, checkpointed)
