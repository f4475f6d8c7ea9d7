"""DeepSupervisionLoss: the weighted sum against one written out, defaults, saving, errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.multiscale import DeepSupervisionLoss
from neurenix.nn import BCELoss, BCEWithLogitsLoss, Conv2d, MSELoss


def _maps(k, seed=0):
    rng = np.random.default_rng(seed)
    outputs = [nx.tensor(rng.uniform(0.05, 0.95, (2, 1, 5, 4)), requires_grad=True)
               for _ in range(k)]
    return outputs, nx.tensor((rng.uniform(size=(2, 1, 5, 4)) > 0.5).astype(np.float64))


@given(k=st.integers(1, 5), seed=st.integers(0, 2 ** 16))
def test_default_weights_halve_and_sum_to_one(k, seed):
    outputs, target = _maps(k, seed)
    loss = DeepSupervisionLoss(BCELoss())
    halving = np.array([2.0 ** -i for i in range(k)])
    expected = sum(w * BCELoss()(o, target).item() for w, o in zip(halving / halving.sum(),
                                                                     outputs))
    assert loss(outputs, target).item() == pytest.approx(expected, rel=1e-12)
    assert loss.weights_for(k) == pytest.approx(list(halving / halving.sum()))
    assert sum(loss.weights_for(k)) == pytest.approx(1.0)


def test_three_levels_weigh_four_two_one_sevenths():
    assert DeepSupervisionLoss(MSELoss()).weights_for(3) == pytest.approx([4 / 7, 2 / 7, 1 / 7])


def test_explicit_weights_are_used_as_given_and_tuples_work():
    outputs, target = _maps(3)
    loss = DeepSupervisionLoss(MSELoss(), weights=[1, 0.5, 0])
    expected = MSELoss()(outputs[0], target).item() + 0.5 * MSELoss()(outputs[1], target).item()
    assert loss(tuple(outputs), target).item() == pytest.approx(expected, rel=1e-12)
    assert loss.weights == [1.0, 0.5, 0.0] and "weights=[1.0, 0.5, 0.0]" in repr(loss)


def test_a_single_tensor_is_the_criterion_itself():
    outputs, target = _maps(1)
    for weights in (None, [0.3, 0.7]):
        loss = DeepSupervisionLoss(BCELoss(), weights)(outputs[0], target)
        assert loss.item() == BCELoss()(outputs[0], target).item()


def test_gradients_reach_every_output_with_its_weight():
    outputs, target = _maps(3)
    DeepSupervisionLoss(MSELoss(), weights=[0.5, 0.25, 2.0])(outputs, target).backward()
    for weight, output in zip([0.5, 0.25, 2.0], outputs):
        plain = nx.tensor(output.numpy(), requires_grad=True)
        MSELoss()(plain, target).backward()
        np.testing.assert_allclose(output.grad.numpy(), weight * plain.grad.numpy(), rtol=1e-12)


def test_saving_keeps_the_criterion_state(tmp_path):
    loss = DeepSupervisionLoss(BCEWithLogitsLoss(pos_weight=nx.tensor([3.0])), [0.6, 0.4])
    nx.save(loss, str(tmp_path / "loss.nx"))
    loaded = nx.load(str(tmp_path / "loss.nx"))
    outputs, target = _maps(2)
    assert loaded.weights == [0.6, 0.4]
    assert loaded(outputs, target).item() == loss(outputs, target).item()


@pytest.mark.parametrize("build, error, message", [
    (lambda: DeepSupervisionLoss(lambda o, t: o), TypeError,
     r"DeepSupervisionLoss: criterion must be a neurenix.nn.Module \(a loss such as BCELoss\(\)\), "
     r"got function"),
    (lambda: DeepSupervisionLoss(MSELoss(), []), ValueError,
     r"DeepSupervisionLoss: weights must hold at least one positive number, got \[\]"),
    (lambda: DeepSupervisionLoss(MSELoss(), [0, 0]), ValueError,
     r"DeepSupervisionLoss: weights must hold at least one positive number, got \[0, 0\]"),
    (lambda: DeepSupervisionLoss(MSELoss(), [1, -0.5]), ValueError,
     r"DeepSupervisionLoss: every weight must be a non-negative number, got -0.5 in \[1, -0.5\]"),
    (lambda: DeepSupervisionLoss(MSELoss(), 0.5), ValueError,
     r"DeepSupervisionLoss: weights must be a list of non-negative numbers, got 0.5"),
])
def test_constructor_errors(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_forward_errors():
    outputs, target = _maps(3)
    with pytest.raises(ValueError, match=r"DeepSupervisionLoss: got 3 outputs but 2 weights "
                                         r"\[0.5, 0.5\]; pass one weight per output"):
        DeepSupervisionLoss(MSELoss(), [0.5, 0.5])(outputs, target)
    with pytest.raises(ValueError, match=r"DeepSupervisionLoss: outputs is an empty list"):
        DeepSupervisionLoss(MSELoss())([], target)
    with pytest.raises(TypeError, match=r"DeepSupervisionLoss: outputs must be a Tensor or a list "
                                        r"of Tensors, got dict"):
        DeepSupervisionLoss(MSELoss())({"a": outputs[0]}, target)
    with pytest.raises(TypeError, match=r"DeepSupervisionLoss: criterion must be"):
        DeepSupervisionLoss(Conv2d)
