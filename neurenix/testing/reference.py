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


def assert_matches(torch, fn, *arrays, grad: bool = True, rtol=None, atol=None,
                   seed: int = 0) -> None:
    """Assert that ``fn(nx, *tensors)`` and ``fn(torch, *tensors)`` agree.

    Args:
        torch: the reference module (``pytest.importorskip("torch")``).
        fn: ``fn(lib, *tensors)`` returning a tensor or a tuple of tensors, written once for
            both libraries.
        arrays: NumPy arrays, one per tensor argument; floating ones become leaves that
            require grad on both sides.
        grad: also compare gradients. Each floating output is contracted with a fixed random
            array of its shape and the sum is backpropagated on both sides.
        rtol, atol: override the per-dtype tolerances in ``TOLERANCES``.
        seed: seeds the random contraction.

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
    if not grad:
        return
    rng = np.random.default_rng(seed)
    loss_ours = loss_theirs = None
    for out, ref in zip(outs, refs):
        if out.dtype.kind != "f" or not ref.requires_grad:
            continue
        if not out.requires_grad:
            raise AssertionError("an output does not require grad, the reference's does")
        v = rng.standard_normal(out.shape).astype(out.dtype)
        term_ours, term_theirs = (out * nx.tensor(v)).sum(), (ref * torch.tensor(v)).sum()
        loss_ours = term_ours if loss_ours is None else loss_ours + term_ours
        loss_theirs = term_theirs if loss_theirs is None else loss_theirs + term_theirs
    if loss_ours is None:
        return
    loss_ours.backward()
    loss_theirs.backward()
    for i, (x, ref) in enumerate(zip(ours, theirs)):
        if not ref.requires_grad:
            continue
        if ref.grad is None:
            if x.grad is not None and np.any(x.grad.numpy()):
                raise AssertionError(f"input {i}: non-zero gradient where the reference has none")
            continue
        if x.grad is None:
            raise AssertionError(f"input {i}: no gradient, the reference has one")
        if x.grad.dtype.name != _dtype_name(ref.grad.dtype):
            raise AssertionError(f"input {i}: gradient dtype {x.grad.dtype}, "
                                 f"reference {ref.grad.dtype}")
        _check_close(f"gradient of input {i}", x.grad.numpy(), ref.grad.numpy(), rtol, atol)
