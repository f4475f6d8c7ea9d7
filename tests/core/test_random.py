"""One generator drives all randomness; manual_seed makes programs reproducible."""
import numpy as np
import pytest

import neurenix as nx
from neurenix.core import random

DRAWS = [lambda: nx.rand(3), lambda: nx.randn(2, 2), lambda: nx.randint(0, 10, (4,)),
         lambda: nx.randperm(5), lambda: nx.rand(2, dtype=nx.float64)]


@pytest.mark.parametrize("draw", DRAWS)
def test_manual_seed_reproduces_draws(draw):
    nx.manual_seed(123)
    first = [draw().numpy().copy() for _ in range(2)]
    nx.manual_seed(123)
    second = [draw().numpy().copy() for _ in range(2)]
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert not np.array_equal(first[0], first[1])


def test_different_seeds_differ():
    nx.manual_seed(1)
    a = nx.randn(5).numpy()
    nx.manual_seed(2)
    assert not np.array_equal(a, nx.randn(5).numpy())


def test_rng_state_round_trip():
    nx.manual_seed(0)
    state = nx.get_rng_state()
    a = nx.randn(4).numpy()
    nx.set_rng_state(state)
    assert np.array_equal(a, nx.randn(4).numpy())


def test_rng_state_is_a_uint8_tensor_that_a_checkpoint_holds(tmp_path):
    nx.manual_seed(3)
    random.default_generator().integers(0, 2**32, dtype=np.uint32)  # caches half a 64-bit draw
    state = nx.get_rng_state()
    assert isinstance(state, nx.Tensor) and state.dtype == np.uint8 and state.shape == (40,)
    expected = [draw().numpy().copy() for draw in DRAWS]
    nx.save({"rng": state}, tmp_path / "rng.nx")
    nx.manual_seed(99)
    nx.set_rng_state(nx.load(tmp_path / "rng.nx")["rng"])
    assert all(np.array_equal(draw().numpy(), e) for draw, e in zip(DRAWS, expected))


@pytest.mark.parametrize("state, error, message", [
    ({"state": 1}, TypeError, "expected the uint8 Tensor get_rng_state returns, got dict"),
    (nx.zeros(40), TypeError, "got Tensor of dtype float32"),
    (np.zeros(39, np.uint8), ValueError, r"shape \(40,\), got \(39,\)"),
    (np.zeros(40, np.uint8), ValueError, "not a generator state"),
])
def test_set_rng_state_refuses_what_is_not_a_state(state, error, message):
    before = nx.get_rng_state().data
    with pytest.raises(error, match=message):
        nx.set_rng_state(state)
    np.testing.assert_array_equal(nx.get_rng_state().data, before)


def test_an_explicit_generator_leaves_the_default_alone():
    nx.manual_seed(7)
    expected = nx.randn(3).numpy()
    nx.manual_seed(7)
    nx.randn(3, generator=np.random.default_rng(0))
    assert np.array_equal(expected, nx.randn(3).numpy())
