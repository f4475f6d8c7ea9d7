"""Compare a neurenix function with the same function in a reference library (PyTorch).

neurenix follows PyTorch's API, so one function written against a library argument runs on
both: ``lambda lib, x: lib.softmax(x, dim=-1)`` is ``nx.softmax`` for ``lib=nx`` and
``torch.softmax`` for ``lib=torch``. ``assert_matches`` runs it on both from the same NumPy
arrays and compares the forward values, shapes and dtypes, then every input's gradient.

neurenix never imports PyTorch: the caller passes the module in, so a test skips cleanly where
it is not installed::

    def test_softmax_matches_torch():
        torch = pytest.importorskip("torch")
        x = np.random.default_rng(0).standard_normal((3, 4))
        assert_matches(torch, lambda lib, t: lib.softmax(t, dim=-1), x)
"""
import numpy as np

from ..core.tensor import Tensor

# |neurenix - reference| <= atol + rtol * |reference|, by the dtype compared
TOLERANCES = {np.dtype(np.float64): (1e-7, 1e-9), np.dtype(np.float32): (1e-4, 1e-5),
              np.dtype(np.float16): (1e-2, 1e-3)}


def _as_list(result) -> list:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _dtype_name(dtype) -> str:
    return str(dtype).replace("torch.", "")


def _check_close(what: str, actual: np.ndarray, expected: np.ndarray, rtol, atol) -> None:
    if actual.shape != expected.shape:
        raise AssertionError(f"{what}: shape {actual.shape}, reference {expected.shape}")
    if actual.dtype.kind == "f":
        default_rtol, default_atol = TOLERANCES.get(actual.dtype, (1e-4, 1e-5))
        rtol = default_rtol if rtol is None else rtol
        atol = default_atol if atol is None else atol
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=what)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


def assert_matches(torch, fn, *arrays, grad: bool = True, second_order: bool = False,
                   rtol=None, atol=None, seed: int = 0) -> None:
    """Assert that ``fn(nx, *tensors)`` and ``fn(torch, *tensors)`` agree.

    Args:
        torch: the reference module (``pytest.importorskip("torch")``).
        fn: ``fn(lib, *tensors)`` returning a tensor or a tuple of tensors, written once for
            both libraries.
        arrays: NumPy arrays, one per tensor argument; floating ones become leaves that
            require grad on both sides.
        grad: also compare gradients. Each floating output is contracted with a fixed random
            array of its shape and the sum is backpropagated on both sides.
        second_order: also compare second derivatives: the gradients above (taken with
            ``create_graph=True``) are contracted with fixed random arrays and differentiated
            again, on both sides (a Hessian-vector product for every input).
        rtol, atol: override the per-dtype tolerances in ``TOLERANCES``.
        seed: seeds the random contractions.

    Raises: AssertionError naming the output or input, with the shapes, dtypes or values that
    differ.
    """
    import neurenix as nx  # here, not at the top: neurenix.testing is imported by neurenix users

    ours = [nx.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    theirs = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    outs, refs = _as_list(fn(nx, *ours)), _as_list(fn(torch, *theirs))
    if len(outs) != len(refs):
        raise AssertionError(f"{len(outs)} outputs, the reference has {len(refs)}")
    for k, (out, ref) in enumerate(zip(outs, refs)):
        if not isinstance(out, Tensor):
            raise AssertionError(f"output {k} is a {type(out).__name__}, not a Tensor")
        if out.dtype.name != _dtype_name(ref.dtype):
            raise AssertionError(f"output {k}: dtype {out.dtype}, reference {ref.dtype}")
        _check_close(f"output {k}", out.numpy(), ref.detach().numpy(), rtol, atol)
    if not (grad or second_order):
        return
    rng = np.random.default_rng(seed)
    pairs = [(out, ref) for out, ref in zip(outs, refs)
             if out.dtype.kind == "f" and ref.requires_grad]
    for out, _ in pairs:
        if not out.requires_grad:
            raise AssertionError("an output does not require grad, the reference's does")
    if not pairs:
        return
    vs = [rng.standard_normal(out.shape).astype(out.dtype) for out, _ in pairs]
    loss_ours = _total(out * nx.tensor(v) for (out, _), v in zip(pairs, vs))
    loss_theirs = _total(ref * torch.tensor(v) for (_, ref), v in zip(pairs, vs))
    leaves = [(i, x, ref) for i, (x, ref) in enumerate(zip(ours, theirs)) if ref.requires_grad]
    grads_ours = nx.autograd.grad(loss_ours, [x for _, x, _ in leaves], allow_unused=True,
                                  create_graph=second_order)
    grads_theirs = torch.autograd.grad(loss_theirs, [r for _, _, r in leaves],
                                       allow_unused=True, create_graph=second_order)
    _compare_grads("gradient", leaves, grads_ours, grads_theirs, rtol, atol)
    if not second_order:
        return
    ws = [rng.standard_normal(x.shape).astype(x.dtype) for _, x, _ in leaves]
    inner_ours = _total((g * nx.tensor(w)).sum() for g, w in zip(grads_ours, ws)
                        if g is not None and g.requires_grad)
    inner_theirs = _total((g * torch.tensor(w)).sum() for g, w in zip(grads_theirs, ws)
                          if g is not None and g.requires_grad)
    # A gradient with no graph has zero second derivatives (the op is linear in that input,
    # or its derivative is piecewise constant); the reference's must then be zero too.
    n = len(leaves)
    second_ours = (nx.autograd.grad(inner_ours, [x for _, x, _ in leaves], allow_unused=True)
                   if inner_ours is not None else (None,) * n)
    second_theirs = (torch.autograd.grad(inner_theirs, [r for _, _, r in leaves],
                                         allow_unused=True)
                     if inner_theirs is not None else (None,) * n)
    _compare_grads("second derivative", leaves, second_ours, second_theirs, rtol, atol)


def _total(terms):
    """The sum of the scalar tensors ``terms`` (each summed first), None for none."""
    total = None
    for t in terms:
        t = t.sum()
        total = t if total is None else total + t
    return total


def _compare_grads(what, leaves, ours, theirs, rtol, atol) -> None:
    for (i, _, _), g, ref in zip(leaves, ours, theirs):
        if ref is None:
            if g is not None and np.any(g.numpy()):
                raise AssertionError(f"input {i}: non-zero {what} where the reference has none")
            continue
        if g is None:
            if np.any(_numpy(ref)):
                raise AssertionError(f"input {i}: no {what}, the reference has one")
            continue
        if g.dtype.name != _dtype_name(ref.dtype):
            raise AssertionError(f"input {i}: {what} dtype {g.dtype}, reference {ref.dtype}")
        _check_close(f"{what} of input {i}", g.numpy(), _numpy(ref), rtol, atol)


def _numpy(ref) -> np.ndarray:
    """A reference tensor as an array (PyTorch's zero tensors of a second derivative need
    ``force``)."""
    return ref.detach().numpy(force=True)
