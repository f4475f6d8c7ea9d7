"""nx.autograd.functional: vjp, jvp, jacobian, hessian, hvp and vhp against closed forms and
against torch.autograd.functional (signatures, return structures and values)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import neurenix as nx
from neurenix.autograd import functional as F
from neurenix.testing import ranged, tensors


def _close(ours, theirs):
    """Compare nested tuples of neurenix and torch tensors: structure, shapes and values."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _close(a, b)
        return
    assert isinstance(ours, nx.Tensor) and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-9, atol=1e-11)


def _pair(lib):
    return lambda x, y: ((x @ y).exp() * x.sum(), (x * x).sum(dim=0))


def _scalar(lib):
    return lambda x, y: ((x @ y).tanh() * x.sum()).sum()


CASES = [  # name, call(module F, lib, x, y, v_in, v_out)
    ("jacobian, tuple in and out", lambda F, lib, x, y, vi, vo: F.jacobian(_pair(lib), (x, y))),
    ("jacobian, tensor in and out", lambda F, lib, x, y, vi, vo: F.jacobian(lambda t: t.exp() * t,
                                                                            x)),
    ("hessian, tensor", lambda F, lib, x, y, vi, vo: F.hessian(lambda t: (t.exp() * t).sum(), x)),
    ("hessian, tuple", lambda F, lib, x, y, vi, vo: F.hessian(_scalar(lib), (x, y))),
    ("vjp", lambda F, lib, x, y, vi, vo: F.vjp(lambda a, b: (a @ b).exp(), (x, y), vo)),
    ("jvp", lambda F, lib, x, y, vi, vo: F.jvp(lambda a, b: (a @ b).exp(), (x, y), (vi, y))),
    ("vhp", lambda F, lib, x, y, vi, vo: F.vhp(_scalar(lib), (x, y), (vi, y))),
    ("hvp", lambda F, lib, x, y, vi, vo: F.hvp(_scalar(lib), (x, y), (vi, y))),
    ("vjp, scalar output, v None", lambda F, lib, x, y, vi, vo: F.vjp(_scalar(lib), (x, y))),
]


@pytest.mark.parametrize("name, call", CASES, ids=[c[0] for c in CASES])
@given(n=st.integers(1, 3), k=st.integers(1, 3), seed=st.integers(0, 100))
def test_matches_torch_autograd_functional(name, call, n, k, seed):
    torch = pytest.importorskip("torch")
    import torch.autograd.functional as TF
    rng = np.random.default_rng(seed)
    x, y, vi, vo = (rng.standard_normal(s) for s in [(n, k), (k,), (n, k), (n,)])
    ours = call(F, nx, *map(nx.tensor, (x, y, vi, vo)))
    theirs = call(TF, torch, *map(torch.tensor, (x, y, vi, vo)))
    _close(ours, theirs)


@given(tensors(dtype=nx.float64, elements=ranged(-2, 2), max_dims=2))
def test_hessian_of_a_quadratic_form_is_the_symmetrised_matrix(x):
    a = np.random.default_rng(0).standard_normal((x.numel(), x.numel()))
    quadratic = lambda t: (t.reshape(-1) @ nx.tensor(a) @ t.reshape(-1))  # noqa: E731
    h = F.hessian(quadratic, x)
    assert h.shape == x.shape + x.shape
    np.testing.assert_allclose(h.numpy().reshape(a.shape), a + a.T, atol=1e-12)


def test_jvp_is_the_directional_derivative():
    x, v = nx.tensor([0.3, -1.2], dtype=nx.float64), nx.tensor([1.0, 2.0], dtype=nx.float64)
    out, jvp = F.jvp(lambda t: t.exp(), x, v)
    np.testing.assert_allclose(jvp.numpy(), np.exp(x.numpy()) * v.numpy())
    np.testing.assert_allclose(out.numpy(), np.exp(x.numpy()))


def test_results_carry_no_graph_unless_create_graph():
    x = nx.tensor([0.5, 1.5], dtype=nx.float64, requires_grad=True)
    cube = lambda t: (t ** 3).sum()  # noqa: E731
    assert not F.hessian(cube, x).requires_grad and x.grad is None
    h = F.hessian(cube, x, create_graph=True)
    h.sum().backward()  # d/dx of the trace-free sum of diag(6x) is 6 per element
    assert x.grad.tolist() == [6.0, 6.0]


def test_unused_inputs_give_zeros_or_a_strict_error():
    x, y = nx.ones(2, dtype=nx.float64), nx.ones(3, dtype=nx.float64)
    jx, jy = F.jacobian(lambda a, b: a * 2, (x, y))
    assert jx.numpy().tolist() == [[2.0, 0.0], [0.0, 2.0]] and not jy.numpy().any()
    assert jy.shape == (2, 3)
    with pytest.raises(RuntimeError, match="jacobian: the output does not depend on input 1"):
        F.jacobian(lambda a, b: a * 2, (x, y), strict=True)


def test_errors_name_the_function_and_the_shapes():
    x = nx.ones(2, dtype=nx.float64)
    with pytest.raises(RuntimeError, match=r"vjp: v\[0\] has shape \(3,\), the output\[0\] has "
                                           r"shape \(2,\)"):
        F.vjp(lambda t: t * 2, x, nx.ones(3, dtype=nx.float64))
    with pytest.raises(RuntimeError, match="vjp: v can be None only"):
        F.vjp(lambda t: t * 2, x)
    with pytest.raises(RuntimeError, match=r"hessian: func must return a one-element Tensor, "
                                           r"got shape \(2,\)"):
        F.hessian(lambda t: t * 2, x)
    with pytest.raises(TypeError, match="jacobian: input 0 has dtype int64"):
        F.jacobian(lambda t: t * 2, nx.tensor([1, 2]))
