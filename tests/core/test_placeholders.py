"""Placeholders: inside shapes_only(), the filling factories make tensors of any shape without
their memory and initialisation does nothing, per thread; outside, nothing changes."""
import threading
import tracemalloc

import numpy as np
import pytest

import neurenix as nx
from neurenix import nn
from neurenix.core import placeholders


@pytest.mark.parametrize("make, value", [
    (lambda: nx.zeros(4096, 4096), 0.0), (lambda: nx.ones(4096, 4096), 1.0),
    (lambda: nx.full((4096, 4096), 2.5), 2.5), (lambda: nx.empty(4096, 4096), 0.0),
])
def test_filling_factories_make_placeholders_that_read_as_their_value(make, value):
    with placeholders.shapes_only():
        t = make()
    assert t.shape == (4096, 4096) and t.dtype == nx.float32
    assert t.data.nbytes == 4096 * 4096 * 4 and t.data.strides == (0, 0)  # one element, repeated
    assert not t.data.flags.writeable and float(t.data[17, 42]) == value
    assert make().data.flags.writeable  # outside the mode: an ordinary array


def test_sizes_are_still_checked():
    with placeholders.shapes_only(), pytest.raises(ValueError, match="zeros: size .* negative"):
        nx.zeros(2, -1)


def test_a_layer_built_in_placeholders_allocates_nothing_and_draws_nothing():
    nx.manual_seed(0)
    expected = nx.rand(3).data
    nx.manual_seed(0)
    tracemalloc.start()
    try:
        with placeholders.shapes_only():
            layers = [nn.Linear(16384, 16384), nn.Conv2d(1024, 1024, 7), nn.BatchNorm2d(10**7)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # bytes; the real layers would take 1.6 GB
    assert layers[0].weight.shape == (16384, 16384) and layers[2].running_var.shape == (10**7,)
    assert isinstance(layers[1].weight, nn.Parameter) and layers[1].weight.requires_grad
    np.testing.assert_array_equal(nx.rand(3).data, expected)  # no initial weights were drawn


def test_initialisation_writes_again_after_the_mode():
    with placeholders.shapes_only():
        pass
    layer = nn.Linear(3, 2)
    assert not np.all(layer.weight.data == 0) and layer.weight.data.flags.writeable


def test_the_mode_is_per_thread():
    inside, seen = threading.Event(), {}

    def other_thread():
        inside.wait()
        seen["enabled"] = placeholders.enabled()
        seen["writeable"] = nx.zeros(2).data.flags.writeable

    thread = threading.Thread(target=other_thread)
    thread.start()
    with placeholders.shapes_only():
        inside.set()
        thread.join()
        assert placeholders.enabled()
    assert seen == {"enabled": False, "writeable": True} and not placeholders.enabled()
