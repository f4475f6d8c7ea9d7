"""Gradient checking: autograd against central finite differences, in float64.

``gradcheck`` builds the Jacobian of a function twice: row by row with autograd (one backward
per output element, seeded with a one-hot gradient) and column by column with central
differences (f(x + eps e_k) - f(x - eps e_k)) / 2 eps (two calls per input element). It then
compares every entry, and a failure names the input and its element, the output and its
element, and both values: the entry a user can check by hand.

``fast_mode=True`` compares one random projection v^T J u per input instead, from a single
backward and two calls: cheap on large inputs. A wrong gradient changes v^T J u for almost every
u and v, and on a mismatch the full check runs to name the entry.

``gradgradcheck`` is ``gradcheck`` applied to the backward pass itself: the function
(inputs, v) -> grad(fn(inputs), inputs, v, create_graph=True) has the second derivatives of
``fn`` as its Jacobian, so an op whose backward is right but not differentiable (or whose
double backward is wrong) fails it.
"""
import numpy as np

from . import dtypes
from .autograd import enable_grad, grad, no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` and ``gradgradcheck`` when autograd and finite differences
    disagree."""


def _float_outputs(result) -> list:
    items = result if isinstance(result, (tuple, list)) else (result,)
    return [t for t in items if isinstance(t, Tensor) and t.dtype.kind == "f"]


class _Problem:
    """A function, its inputs, and which of them are checked, with their arrays copied so the
    finite differences can move them in place without touching the caller's tensors."""

    def __init__(self, op: str, fn, inputs):
        self.fn, self.inputs = fn, inputs
        self.checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and
                        t.requires_grad]
        if not self.checked:
            raise ValueError(f"{op}: no input requires grad, so there is nothing to check")
        for i in self.checked:
            if inputs[i].dtype != dtypes.float64:
                raise TypeError(f"{op}: input {i} has dtype {inputs[i].dtype}; finite "
                                "differences need float64 inputs (use .double())")
        self.arrays = {i: inputs[i].data.copy() for i in self.checked}

    def call(self, track: bool):
        """Leaves over the (current) arrays, and the floating outputs of ``fn`` on them."""
        args = list(self.inputs)
        for i in self.checked:
            args[i] = Tensor._wrap(self.arrays[i])
            if track:
                args[i].requires_grad_(True)
        return args, _float_outputs(self.fn(*args))

    def flat_outputs(self) -> np.ndarray:
        """Every floating output, flattened and joined, in float64 (for finite differences)."""
        with no_grad():
            outs = self.call(track=False)[1]
        return np.concatenate([o.data.reshape(-1).astype(np.float64) for o in outs] or
                              [np.zeros(0)])


def _analytic_jacobians(problem: _Problem) -> tuple:
    """J[i] of shape (total output elements, input i elements) from one backward per output
    element; the output shapes."""
    args, outs = problem.call(track=True)
    total = sum(o.numel() for o in outs)
    jacobians = {i: np.zeros((total, problem.arrays[i].size)) for i in problem.checked}
    leaves = [args[i] for i in problem.checked]
    row = 0
    for o in outs:
        for k in range(o.numel()):
            if o.requires_grad:
                seed = np.zeros(o.numel(), o.dtype)
                seed[k] = 1
                grads = grad(o, leaves, Tensor._wrap(seed.reshape(o.shape)), retain_graph=True,
                             allow_unused=True)
                for i, g in zip(problem.checked, grads):
                    if g is not None:
                        jacobians[i][row] = g.data.reshape(-1)
            row += 1
    return jacobians, [o.shape for o in outs]


def _numeric_jacobian(problem: _Problem, i: int, eps: float) -> np.ndarray:
    """J of input ``i`` by central differences, moving each element of its array in place."""
    flat = problem.arrays[i].reshape(-1)
    columns = []
    for k in range(flat.size):
        original = flat[k]
        flat[k] = original + eps
        plus = problem.flat_outputs()
        flat[k] = original - eps
        minus = problem.flat_outputs()
        flat[k] = original
        columns.append((plus - minus) / (2 * eps))
    total = problem.flat_outputs().size
    return np.stack(columns, axis=1) if columns else np.zeros((total, 0))


def _excess(analytic, numeric, atol, rtol) -> np.ndarray:
    """How far each entry is outside the tolerance |a - n| <= atol + rtol |n|; NaN counts as
    infinitely far (a function that is nan one eps away cannot be verified, never a pass)."""
    with np.errstate(invalid="ignore"):
        excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    return np.where(np.isnan(excess), np.inf, excess)


def _locate(row: int, shapes: list) -> tuple:
    """(output index, element index in that output) of a row of the joined Jacobian."""
    for j, shape in enumerate(shapes):
        n = int(np.prod(shape))
        if row < n:
            return j, tuple(int(v) for v in np.unravel_index(row, shape))
        row -= n
    raise IndexError(row)


def _full_check(op, problem, eps, atol, rtol):
    """None when every Jacobian entry matches, else the message naming the worst one."""
    analytic, shapes = _analytic_jacobians(problem)
    for i in problem.checked:
        numeric = _numeric_jacobian(problem, i, eps)
        excess = _excess(analytic[i], numeric, atol, rtol)
        if excess.size and (excess > 0).any():
            row, col = np.unravel_index(np.argmax(excess), excess.shape)
            j, out_index = _locate(int(row), shapes)
            in_shape = problem.arrays[i].shape
            in_index = tuple(int(v) for v in np.unravel_index(col, in_shape))
            return (f"{op}: gradient of input {i} (shape {in_shape}) is wrong: "
                    f"d output {j}{list(out_index)} / d input {i}{list(in_index)} is "
                    f"{analytic[i][row, col]:.8g} by autograd, {numeric[row, col]:.8g} by finite "
                    f"differences (output {j} has shape {shapes[j]}; atol={atol}, rtol={rtol}, "
                    f"eps={eps})")
    return None


def _projections_match(problem, eps, atol, rtol, seed) -> bool:
    """Whether v^T J u agrees for every checked input, with random u and v."""
    rng = np.random.default_rng(seed)
    args, outs = problem.call(track=True)
    vs = [rng.standard_normal(o.shape) for o in outs]
    total = _sum_of((o * Tensor._wrap(v.astype(o.dtype))).sum() for o, v in zip(outs, vs)
                    if o.requires_grad)
    leaves = [args[i] for i in problem.checked]
    grads = grad(total, leaves, allow_unused=True) if total is not None else [None] * len(leaves)
    v_flat = np.concatenate([v.reshape(-1) for v in vs] or [np.zeros(0)])
    for i, g in zip(problem.checked, grads):
        array = problem.arrays[i]
        u = rng.standard_normal(array.shape)
        analytic = 0.0 if g is None else float((g.data * u).sum())
        original = array.copy()
        array += eps * u
        plus = problem.flat_outputs()
        array[...] = original - eps * u
        minus = problem.flat_outputs()
        array[...] = original
        numeric = float(((plus - minus) / (2 * eps)) @ v_flat)
        if not _excess(np.array(analytic), np.array(numeric), atol, rtol) <= 0:
            return False
    return True


def _sum_of(terms):
    total = None
    for t in terms:
        total = t if total is None else total + t
    return total


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, fast_mode: bool = False, seed: int = 0) -> bool:
    """Check the gradients of ``fn`` at ``inputs`` against central finite differences.

    Args:
        fn: a function of the inputs returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of them (and other arguments, passed through). Every tensor
            with ``requires_grad`` is checked and must be float64.
        eps: the finite-difference step.  atol, rtol: the tolerance |a - n| <= atol + rtol |n|.
        raise_exception: raise ``GradcheckError`` on failure (else return False).
        fast_mode: compare a random projection v^T J u per input (one backward, two calls per
            input) instead of every entry; a mismatch runs the full check to name the entry.
        seed: seeds the random projections of ``fast_mode``.

    Shape: inputs of any shape (keep them small: the full check costs two calls of ``fn`` per
        input element and one backward per output element); outputs of any shape (only
        floating ones are checked).

    Returns: True when every gradient matches.
    Raises: GradcheckError naming the input and its element, the output and its element, and
        the two Jacobian values; ValueError when no input requires grad; TypeError when a
        checked input is not float64.
    """
    return _check("gradcheck", fn, inputs, eps, atol, rtol, raise_exception, fast_mode, seed)


def _check(op, fn, inputs, eps, atol, rtol, raise_exception, fast_mode, seed) -> bool:
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    problem = _Problem(op, fn, inputs)
    if fast_mode and _projections_match(problem, eps, atol, rtol, seed):
        return True
    message = _full_check(op, problem, eps, atol, rtol)
    if message is None:
        return True
    if raise_exception:
        raise GradcheckError(message)
    return False


def gradgradcheck(fn, inputs, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, fast_mode: bool = False,
                  seed: int = 0) -> bool:
    """Check the second derivatives of ``fn`` at ``inputs`` against finite differences of its
    gradients: ``gradcheck`` of (inputs, v) -> grad(fn(inputs), inputs, v, create_graph=True).

    Args:
        fn, inputs, eps, atol, rtol, raise_exception, fast_mode, seed: as ``gradcheck``.
        grad_outputs: the vectors v of the backward, one float64 Tensor per floating output of
            ``fn``; random (seeded by ``seed``) when None. They are checked too (the backward is
            linear in them), and in messages they are numbered after the inputs.

    Returns: True when every second derivative matches.
    Raises: GradcheckError naming the entry, as ``gradcheck``.
    """
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        with enable_grad():  # which outputs are differentiable (the values are not needed)
            outs = _float_outputs(fn(*inputs))
        grad_outputs = [Tensor._wrap(rng.standard_normal(o.shape)) for o in outs
                        if o.requires_grad]
    else:
        grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    grad_outputs = [Tensor._wrap(v.data.astype(np.float64, copy=True)).requires_grad_()
                    for v in grad_outputs]
    n = len(inputs)

    def backward_of_fn(*args):
        # The finite differences call this with plain arrays under no_grad; the backward it
        # computes needs leaves and a graph all the same.
        args = [Tensor._wrap(a.data).requires_grad_() if i in checked and not a.requires_grad
                else a for i, a in enumerate(args)]
        with enable_grad():
            outs = [o for o in _float_outputs(fn(*args[:n])) if o.requires_grad]
            if len(outs) != len(args[n:]):
                raise ValueError(f"gradgradcheck: fn has {len(outs)} differentiable outputs, "
                                 f"got {len(args[n:])} grad_outputs")
            leaves = [args[i] for i in checked]
            grads = grad(outs, leaves, list(args[n:]), create_graph=True, allow_unused=True)
        return tuple(Tensor._wrap(np.zeros_like(leaf.data)) if g is None else g
                     for leaf, g in zip(leaves, grads))

    return _check("gradgradcheck", backward_of_fn, inputs + tuple(grad_outputs), eps, atol,
                  rtol, raise_exception, fast_mode, seed)
