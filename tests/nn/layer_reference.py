"""Compare a neurenix layer with the same PyTorch layer, loaded from PyTorch's state dict.

``assert_layer_matches`` builds the layer in both libraries (PyTorch's default initialisation),
loads PyTorch's state dict into neurenix's with ``strict=True`` and compares the forward
outputs, the gradients of every input and parameter, and (optionally) the second derivatives:
each output is contracted with a fixed random array and differentiated with
``create_graph=True``; the gradients are contracted again and differentiated once more (a
Hessian-vector product for every input and parameter).
"""
import contextlib

import numpy as np

import neurenix as nx

TOLERANCES = {np.dtype(np.float64): dict(rtol=1e-7, atol=1e-9),
              np.dtype(np.float32): dict(rtol=2e-4, atol=2e-5)}


def torch_pair(torch, make, dtype=np.float64, training=False):
    """(ours, theirs): ``make(lib)`` in both libraries, in ``dtype`` and mode ``training``,
    ours loaded from theirs with ``strict=True``."""
    theirs = make(torch).to(getattr(torch, np.dtype(dtype).name)).train(training)
    ours = make(nx).to(dtype).train(training)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()},
                         strict=True)
    return ours, theirs


def math_kernel(torch):
    """PyTorch's composite attention kernel, the one it can differentiate twice (its fused CPU
    kernel has no double backward)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    return sdpa_kernel(SDPBackend.MATH)


def _flat(result) -> list:
    """Outputs as a flat list, nested tuples opened (LSTM's (out, (h, c)))."""
    if isinstance(result, (tuple, list)):
        return [t for part in result for t in _flat(part)]
    return [result]


def _close(what, ours, theirs, tol):
    theirs = theirs.detach().numpy(force=True) if hasattr(theirs, "detach") else theirs
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, reference {theirs.shape}"
    np.testing.assert_allclose(ours.numpy(), theirs, equal_nan=True, err_msg=what, **tol)


def assert_layer_matches(torch, make, call, *arrays, dtype=np.float64, training=False,
                         grad=True, second_order=False, seed=0, tol=None):
    """Assert that ``call(layer, *tensors)`` agrees between neurenix and PyTorch.

    Args:
        make: ``make(lib)`` builds the layer with ``lib.nn``.
        call: ``call(layer, *tensors)`` returns a tensor or (nested) tuples of tensors and
            Nones, written once for both libraries.
        arrays: the inputs; floating ones (cast to ``dtype``) require grad, others (masks) are
            passed as they are.
        grad, second_order: also compare first / second derivatives with respect to every
            floating input and every parameter.
    Returns: (ours, theirs), the two layers.
    """
    tol = tol or TOLERANCES[np.dtype(dtype)]
    ours, theirs = torch_pair(torch, make, dtype, training)
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    xs = [nx.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    xts = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    outs = [o for o in _flat(call(ours, *xs)) if o is not None]
    with math_kernel(torch) if second_order else contextlib.nullcontext():
        refs = [o for o in _flat(call(theirs, *xts)) if o is not None]
    assert len(outs) == len(refs), f"{len(outs)} outputs, the reference has {len(refs)}"
    for i, (out, ref) in enumerate(zip(outs, refs)):
        assert out.dtype == dtype, f"output {i}: dtype {out.dtype}"
        _close(f"output {i}", out, ref, tol)
    if not grad:
        return ours, theirs
    names = [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters()] == names
    leaves = [x for x in xs if x.requires_grad] + [p for _, p in ours.named_parameters()]
    ref_leaves = [x for x in xts if x.requires_grad] + [p for _, p in theirs.named_parameters()]
    what = [f"input {i}" for i, x in enumerate(xs) if x.requires_grad] + names
    rng = np.random.default_rng(seed)
    vs = [rng.standard_normal(out.shape).astype(dtype) for out in outs]
    loss = sum((out * nx.tensor(v)).sum() for out, v in zip(outs, vs))
    ref_loss = sum((ref * torch.tensor(v)).sum() for ref, v in zip(refs, vs))
    grads = nx.autograd.grad(loss, leaves, create_graph=second_order, allow_unused=True)
    ref_grads = torch.autograd.grad(ref_loss, ref_leaves, create_graph=second_order,
                                    allow_unused=True)
    _compare("gradient", what, leaves, grads, ref_grads, tol)
    if second_order:
        ws = [rng.standard_normal(x.shape).astype(dtype) for x in leaves]
        inner = sum((g * nx.tensor(w)).sum() for g, w in zip(grads, ws) if g is not None)
        ref_inner = sum((g * torch.tensor(w)).sum() for g, w in zip(ref_grads, ws)
                        if g is not None)
        second = nx.autograd.grad(inner, leaves, allow_unused=True)
        ref_second = torch.autograd.grad(ref_inner, ref_leaves, allow_unused=True)
        _compare("second derivative", what, leaves, second, ref_second, tol)
    return ours, theirs


def _compare(kind, what, leaves, grads, ref_grads, tol):
    for name, x, g, ref in zip(what, leaves, grads, ref_grads):
        g = np.zeros(x.shape, x.dtype) if g is None else g.numpy()
        assert g.dtype == x.dtype, f"{kind} of {name}: dtype {g.dtype}, input {x.dtype}"
        ref = np.zeros(x.shape, x.dtype) if ref is None else ref.detach().numpy(force=True)
        np.testing.assert_allclose(g, ref, err_msg=f"{kind} of {name}", **tol)
