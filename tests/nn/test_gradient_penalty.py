"""A WGAN-GP critic step (Gulrajani et al., 2017): the loss holds the norm of d critic / d input,
so every step differentiates a backward pass. It must train exactly as in PyTorch."""
import numpy as np
import pytest

import neurenix as nx


def _critic(lib, weights, dtype):
    """An MLP critic in ``lib`` (neurenix or torch) holding the given weights."""
    nn = lib.nn
    critic = nn.Sequential(nn.Linear(6, 16), nn.LeakyReLU(0.2), nn.Linear(16, 16), nn.Tanh(),
                           nn.Linear(16, 1))
    state = {k: lib.tensor(v) for k, v in weights.items()}
    critic.load_state_dict(state)
    return critic.to(dtype)


def _step(lib, critic, optimizer, real, fake, eps, penalty=10.0):
    """One critic update; returns the loss."""
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    (gradient,) = lib.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norm = ((gradient * gradient).sum(dim=1) + 1e-12).sqrt()
    loss = critic(fake).mean() - critic(real).mean() + penalty * ((norm - 1) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def _weights(seed=0):
    rng = np.random.default_rng(seed)
    shapes = {"0.weight": (16, 6), "0.bias": (16,), "2.weight": (16, 16), "2.bias": (16,),
              "4.weight": (1, 16), "4.bias": (1,)}
    return {k: rng.standard_normal(s) * 0.4 for k, s in shapes.items()}


@pytest.mark.parametrize("dtype, rtol", [("float64", 1e-10), ("float32", 2e-4)])
def test_wgan_gp_critic_trains_as_in_pytorch(dtype, rtol):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    batches = [(rng.standard_normal((8, 6)), rng.standard_normal((8, 6)) + 2, rng.random((8, 1)))
               for _ in range(5)]
    runs = {}
    for lib in (nx, torch):
        critic = _critic(lib, _weights(), getattr(lib, dtype))
        optimizer = lib.optim.Adam(critic.parameters(), lr=1e-2, betas=(0.5, 0.9))
        losses = [_step(lib, critic, optimizer,
                        *(lib.tensor(a.astype(dtype)) for a in batch)) for batch in batches]
        runs[lib.__name__] = losses, {k: v.detach().numpy().copy()
                                      for k, v in critic.state_dict().items()}
    (ours, our_params), (theirs, their_params) = runs["neurenix"], runs["torch"]
    np.testing.assert_allclose(ours, theirs, rtol=rtol)
    for key in their_params:
        np.testing.assert_allclose(our_params[key], their_params[key], rtol=rtol, atol=rtol,
                                   err_msg=key)


def test_the_penalty_reaches_every_weight():
    critic = _critic(nx, _weights(), nx.float64)
    x = nx.randn(4, 6, dtype=nx.float64, requires_grad=True)
    (g,) = nx.autograd.grad(critic(x).sum(), x, create_graph=True)
    ((g * g).sum()).backward()
    assert all(p.grad is not None and np.abs(p.grad.numpy()).sum() > 0
               for name, p in critic.named_parameters() if not name.startswith("4.bias"))
    assert critic[4].bias.grad is None or not critic[4].bias.grad.numpy().any()
