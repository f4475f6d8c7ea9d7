"""nx.detect_anomaly(): a nan or inf appearing in backward names the op and where its forward
ran."""
import numpy as np
import pytest

import neurenix as nx
from neurenix.core import autograd

THIS_FILE = __file__


def _line_of(text: str) -> int:
    with open(THIS_FILE) as f:
        return next(i for i, line in enumerate(f, 1) if text in line and "_line_of" not in line)


def test_sqrt_at_zero_names_the_op_and_the_forward_line():
    x = nx.tensor([0.0, 4.0], requires_grad=True)
    with nx.detect_anomaly():
        y = x.sqrt()  # the forward whose backward divides by zero
        with pytest.raises(RuntimeError) as info, np.errstate(divide="ignore"):
            y.sum().backward()
    message = str(info.value)
    assert message.startswith("detect_anomaly: Sqrt.backward returned a gradient for input 0")
    assert "inf" in message
    assert f"{THIS_FILE}:{_line_of('y = x.sqrt()')}" in message and "x.sqrt()" in message


def test_log_at_zero_is_caught():
    x = nx.tensor([0.0, 1.0], requires_grad=True)
    with nx.detect_anomaly(), np.errstate(divide="ignore"):
        loss = (x.log() * 2).sum()
        with pytest.raises(RuntimeError, match=r"detect_anomaly: Log\.backward .*inf.*"
                                               r"loss = \(x\.log\(\) \* 2\)\.sum\(\)"):
            loss.backward()


def test_nan_from_a_gradient_flowing_in_is_caught_at_the_receiving_op():
    x = nx.tensor([1.0], requires_grad=True)
    with nx.detect_anomaly(), np.errstate(invalid="ignore"):
        y = x * 2
        z = y * nx.tensor([np.nan])
        with pytest.raises(RuntimeError, match=r"detect_anomaly: Mul\.backward returned a "
                                               r"gradient for input 0 that contains nan"):
            z.sum().backward()


def test_finite_backward_passes_under_detect_anomaly():
    x = nx.tensor([1.0, 4.0], requires_grad=True)
    with nx.detect_anomaly():
        x.sqrt().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.25])


def test_without_detect_anomaly_inf_gradients_pass_silently():
    x = nx.tensor([0.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        x.sqrt().sum().backward()
    assert x.grad.tolist() == [np.inf]


def test_detect_anomaly_is_restored_and_records_no_stack_outside():
    with nx.detect_anomaly():
        assert autograd._anomaly_enabled
    assert not autograd._anomaly_enabled
    y = nx.ones(1, requires_grad=True) * 2
    assert y.grad_fn.creation is None
