"""Gradient checking: autograd against central finite differences, in float64.

Rather than building the whole Jacobian, ``gradcheck`` contracts every output with a fixed
random tensor ``v`` and compares d(v . f)/dx from one backward pass with the central difference
(f(x + eps) - f(x - eps)) / 2 eps of v . f for every input element. A wrong gradient anywhere
changes v . f for almost every v, so this catches the same bugs at a fraction of the cost.
"""
import numpy as np

from . import dtypes
from .autograd import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when autograd and finite differences disagree."""


def _outputs(result) -> list:
    items = result if isinstance(result, (tuple, list)) else (result,)
    return [t for t in items if isinstance(t, Tensor) and t.dtype.kind == "f"]


def _central_differences(f, array: np.ndarray, eps: float) -> np.ndarray:
    """d f() / d array by central differences: each element of ``array`` (which ``f`` reads)
    is moved by +-eps in place and restored."""
    numeric = np.zeros_like(array)
    flat, out = array.reshape(-1), numeric.reshape(-1)
    with no_grad():
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = f()
            flat[j] = original - eps
            minus = f()
            flat[j] = original
            out[j] = (plus - minus) / (2 * eps)
    return numeric


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, seed: int = 0) -> bool:
    """Check the gradients of ``fn`` at ``inputs`` against central differences.

    Args:
        fn: a function of the inputs returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of them (and other arguments, passed through). Every tensor
            with ``requires_grad`` is checked and must be float64.
        eps: the finite-difference step.  atol, rtol: the tolerance |a - n| <= atol + rtol |n|.
        raise_exception: raise ``GradcheckError`` on failure (else return False).
        seed: seeds the random projection of the outputs.

    Shape: inputs of any shape (keep them small: each element costs two calls of ``fn``);
        outputs of any shape (only floating ones are checked).

    Returns: True when every gradient matches.
    Raises: GradcheckError naming the input, the worst element and both values; ValueError
        when no input requires grad; TypeError when a checked input is not float64.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    for i in checked:
        if inputs[i].dtype != dtypes.float64:
            raise TypeError(f"gradcheck: input {i} has dtype {inputs[i].dtype}; finite "
                            "differences need float64 inputs (use .double())")
    arrays = {i: inputs[i].data.copy() for i in checked}

    def call(track: bool):
        args = list(inputs)
        for i in checked:
            args[i] = Tensor._wrap(arrays[i])
            if track:
                args[i].requires_grad_(True)
        return args, _outputs(fn(*args))

    args, outs = call(track=True)
    rng = np.random.default_rng(seed)
    projections = [rng.standard_normal(o.shape) for o in outs]

    def projected(results) -> float:
        return float(sum((o.data.astype(np.float64) * v).sum()
                         for o, v in zip(results, projections)))

    total = None
    for o, v in zip(outs, projections):
        if o.requires_grad:
            term = (o * Tensor._wrap(v.astype(o.dtype))).sum()
            total = term if total is None else total + term
    if total is not None:
        total.backward()
    for i in checked:
        analytic = args[i].grad.data if args[i].grad is not None else np.zeros_like(arrays[i])
        numeric = _central_differences(lambda: projected(call(track=False)[1]), arrays[i], eps)
        error = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        # "not <= 0" rather than "> 0": a NaN on either side (say the function is -inf one eps
        # away) is a failure to verify, never a silent pass.
        if error.size and not (error <= 0).all():
            worst = np.unravel_index(np.nanargmax(np.where(np.isfinite(error), error, np.inf)),
                                     error.shape)
            message = (f"gradcheck: gradient of input {i} (shape {arrays[i].shape}) is wrong; "
                       f"worst element {tuple(int(w) for w in worst)}: autograd "
                       f"{analytic[worst]:.8g}, finite differences {numeric[worst]:.8g} "
                       f"(atol={atol}, rtol={rtol}, eps={eps})")
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True
