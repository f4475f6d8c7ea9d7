"""AttentionGate: the additive gate against the formula written out, gradients, saving, errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.multiscale import AttentionGate


def _image(n, c, h, w, seed=0):
    return nx.tensor(np.random.default_rng(seed).standard_normal((n, c, h, w)))


def reference_coefficients(gate, x, g):
    """psi = sigmoid(conv1x1(relu(conv1x1(x) + conv1x1(resize(g))))), as Oktay et al. write it:
    g resized first (the gate resizes after its 1x1 conv; the two commute)."""
    g = nx.interpolate(g, size=tuple(x.shape[-2:]), mode="bilinear", align_corners=False)
    theta = nx.conv2d(x, gate.theta.weight)
    phi = nx.conv2d(g, gate.phi.weight, gate.phi.bias)
    return nx.conv2d((theta + phi).relu(), gate.psi.weight, gate.psi.bias).sigmoid()


@given(h=st.integers(1, 12), w=st.integers(1, 12), hg=st.integers(1, 12), wg=st.integers(1, 12),
       n=st.integers(1, 2), seed=st.integers(0, 2 ** 16))
def test_gate_matches_the_formula(h, w, hg, wg, n, seed):
    nx.manual_seed(seed)
    gate = AttentionGate(4, 6).to(nx.float64)
    x, g = _image(n, 4, h, w, seed), _image(n, 6, hg, wg, seed + 1)
    psi = gate.coefficients(x, g)
    assert tuple(psi.shape) == (n, 1, h, w)
    expected = reference_coefficients(gate, x, g).numpy()
    np.testing.assert_allclose(psi.numpy(), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gate(x, g).numpy(), x.numpy() * expected, rtol=1e-12, atol=1e-14)
    assert ((psi.numpy() > 0) & (psi.numpy() < 1)).all()


def test_channels_and_defaults():
    gate = AttentionGate(16, 32)
    assert gate.inter_channels == 8
    assert (gate.theta.in_channels, gate.theta.out_channels, gate.theta.bias) == (16, 8, None)
    assert (gate.phi.in_channels, gate.phi.out_channels) == (32, 8)
    assert (gate.psi.in_channels, gate.psi.out_channels) == (8, 1)
    assert AttentionGate(1, 3).inter_channels == 1 and AttentionGate(4, 2, 7).inter_channels == 7
    assert "in_channels=16, gating_channels=32, inter_channels=8" in repr(gate)


@given(seed=st.integers(0, 2 ** 16))
def test_gate_gradcheck(seed):
    nx.manual_seed(seed)
    gate = AttentionGate(2, 3, 2).to(nx.float64)
    x = nx.tensor(_image(1, 2, 5, 4, seed).numpy(), requires_grad=True)
    g = nx.tensor(_image(1, 3, 2, 2, seed + 1).numpy(), requires_grad=True)
    assert nx.gradcheck(gate, (x, g))


def test_every_gate_parameter_gets_a_gradient_and_saving_keeps_outputs(tmp_path):
    nx.manual_seed(1)
    gate = AttentionGate(3, 5)
    x, g = nx.randn(2, 3, 9, 7), nx.randn(2, 5, 4, 3)
    gate(x, g).sum().backward()
    for name, p in gate.named_parameters():
        assert p.grad is not None and np.abs(p.grad.numpy()).sum() > 0, name
    nx.save(gate, str(tmp_path / "gate.nx"))
    loaded = nx.load(str(tmp_path / "gate.nx"))
    np.testing.assert_array_equal(loaded(x, g).numpy(), gate(x, g).numpy())
    with nx.no_grad():
        assert not gate(x, g).requires_grad


def test_gate_errors():
    gate = AttentionGate(3, 5)
    with pytest.raises(ValueError, match=r"AttentionGate: x \(the skip\) has 2 channels \(shape "
                                         r"\(1, 2, 4, 4\)\), expected 3"):
        gate(nx.randn(1, 2, 4, 4), nx.randn(1, 5, 2, 2))
    with pytest.raises(ValueError, match=r"AttentionGate: g \(the gating signal\) has 4 channels"):
        gate(nx.randn(1, 3, 4, 4), nx.randn(1, 4, 2, 2))
    with pytest.raises(ValueError, match=r"AttentionGate: x \(2, 3, 4, 4\) and g \(1, 5, 2, 2\) "
                                         r"have different batch sizes"):
        gate(nx.randn(2, 3, 4, 4), nx.randn(1, 5, 2, 2))
    with pytest.raises(ValueError, match=r"AttentionGate: gating_channels must be a positive "
                                         r"integer, got 0"):
        AttentionGate(3, 0)
