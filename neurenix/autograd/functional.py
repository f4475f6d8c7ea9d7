"""Jacobians, Hessians and their products, built from ``grad``: ``torch.autograd.functional``.

Each function takes ``func`` and ``inputs`` (a Tensor or a tuple of Tensors) and differentiates
``func`` at ``inputs``. The results mirror the structure of the arguments, as in PyTorch: a
Tensor where ``inputs`` (or the output) is a Tensor, a tuple where it is a tuple. Inputs are
detached first, so nothing accumulates into any ``.grad`` and the results carry no graph, unless
``create_graph=True`` (then results stay differentiable with respect to inputs that require
grad). Where the output does not depend on an input, the derivative is zeros, or a
RuntimeError with ``strict=True``.

Reverse mode gives vector-Jacobian products (one ``grad`` each). The others follow:
``jacobian`` is one vjp per output element, ``hessian`` the Jacobian of the gradient, ``vhp``
the vjp of the gradient, and ``jvp`` and ``hvp`` use the double-vjp trick (below).
"""
import numpy as np

from ..core.autograd import enable_grad, grad
from ..core.ops.shape import stack
from ..core.tensor import Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _as_tuple(op: str, what: str, value) -> tuple:
    """(was it a tuple, the value as a tuple of Tensors)."""
    is_tuple = isinstance(value, (tuple, list))
    items = tuple(value) if is_tuple else (value,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {what} must be a Tensor or a tuple of Tensors, element {i} "
                            f"is a {type(t).__name__}")
    return is_tuple, items


def _shaped_like(result: tuple, is_tuple: bool):
    return result if is_tuple else result[0]


def _leaves(op: str, inputs: tuple, create_graph: bool) -> tuple:
    """The inputs as tensors to differentiate with respect to: themselves when ``create_graph``
    keeps the results connected to them, else detached leaves over the same arrays."""
    out = []
    for i, t in enumerate(inputs):
        if t.dtype.kind != "f":
            raise TypeError(f"{op}: input {i} has dtype {t.dtype}; only floating inputs can be "
                            "differentiated")
        out.append(t if create_graph and t.requires_grad else t.detach().requires_grad_())
    return tuple(out)


def _check_like(op: str, what: str, vs: tuple, like: tuple, like_name: str) -> None:
    if len(vs) != len(like):
        raise RuntimeError(f"{op}: {what} has {len(vs)} tensors, {like_name} has {len(like)}")
    for i, (v, t) in enumerate(zip(vs, like)):
        if v.shape != t.shape:
            raise RuntimeError(f"{op}: {what}[{i}] has shape {v.shape}, {like_name}[{i}] has "
                               f"shape {t.shape}")


def _grads(op, outputs, inputs, grad_outputs, create_graph, strict, what="output") -> tuple:
    """``grad`` with zeros (or, with ``strict``, an error) for inputs that were not used."""
    needed = [o for o in outputs if o.requires_grad]
    if needed:
        seeds = [g for o, g in zip(outputs, grad_outputs) if o.requires_grad]
        found = grad(needed, inputs, seeds, retain_graph=True, create_graph=create_graph,
                     allow_unused=True)
    else:
        found = (None,) * len(inputs)
    result = []
    for i, (g, t) in enumerate(zip(found, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{op}: the {what} does not depend on input {i} (strict=True)")
            g = Tensor._wrap(np.zeros(t.shape, t.dtype))
        result.append(g if create_graph else g.detach())
    return tuple(result)


def _finish(tensors: tuple, create_graph: bool) -> tuple:
    return tensors if create_graph else tuple(t.detach() for t in tensors)


def _call(op: str, func, inputs: tuple) -> tuple:
    with enable_grad():
        out = func(*inputs)
    is_tuple, outs = _as_tuple(op, "the output of func", out)
    return is_tuple, outs


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The vector-Jacobian product v^T J of ``func`` at ``inputs``.

    Args:
        func: a function of the inputs returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        v: the vector, shaped like the output (a tuple for a tuple output); may be None only for
            a one-element output.
        create_graph: keep the result differentiable.  strict: error for an unused input.

    Returns: (func_output, vjp), vjp shaped like ``inputs``.
    """
    is_tuple_in, inputs = _as_tuple("vjp", "inputs", inputs)
    inputs = _leaves("vjp", inputs, create_graph)
    is_tuple_out, outs = _call("vjp", func, inputs)
    vs = _vectors("vjp", v, outs)
    result = _grads("vjp", outs, inputs, vs, create_graph, strict)
    return (_shaped_like(_finish(outs, create_graph), is_tuple_out),
            _shaped_like(result, is_tuple_in))


def _vectors(op: str, v, outs: tuple) -> tuple:
    """``v`` as one tensor per output; None only for a single one-element output."""
    if v is None:
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError(f"{op}: v can be None only when func returns a single "
                               "one-element Tensor")
        return (Tensor._wrap(np.ones(outs[0].shape, outs[0].dtype)),)
    _, vs = _as_tuple(op, "v", v)
    _check_like(op, "v", vs, outs, "the output")
    return vs


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The Jacobian-vector product J v of ``func`` at ``inputs``.

    Reverse mode has no direct J v, so this uses the double-vjp trick: u -> J^T u is linear in
    a dummy u, and its own vjp with v is (J^T)^T v = J v. It costs two backward passes.

    Args:
        func, inputs, create_graph, strict: as ``vjp``.
        v: the vector, shaped like ``inputs``; may be None only for a single one-element input.

    Returns: (func_output, jvp), jvp shaped like the output.
    """
    is_tuple_in, inputs = _as_tuple("jvp", "inputs", inputs)
    inputs = _leaves("jvp", inputs, create_graph)
    is_tuple_out, outs = _call("jvp", func, inputs)
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("jvp: v can be None only when the input is a single "
                               "one-element Tensor")
        vs = (Tensor._wrap(np.ones(inputs[0].shape, inputs[0].dtype)),)
    else:
        vs = _as_tuple("jvp", "v", v)[1]
        _check_like("jvp", "v", vs, inputs, "inputs")
    dummies = tuple(Tensor._wrap(np.zeros(o.shape, o.dtype)).requires_grad_() for o in outs)
    with enable_grad():
        transposed = _grads("jvp", outs, inputs, dummies, True, strict)  # J^T u, linear in u
        result = _grads("jvp", transposed, dummies, vs, create_graph, False)
    return (_shaped_like(_finish(outs, create_graph), is_tuple_out),
            _shaped_like(result, is_tuple_out))


def _jacobian_rows(op, out: Tensor, inputs: tuple, create_graph, strict) -> tuple:
    """d out / d input for each input, of shape out.shape + input.shape: one vjp per element
    of ``out`` with a one-hot vector, stacked."""
    rows = []
    for k in range(out.numel()):
        onehot = np.zeros(out.numel(), out.dtype)
        onehot[k] = 1
        rows.append(_grads(op, (out,), inputs, (Tensor._wrap(onehot.reshape(out.shape)),),
                           create_graph, strict))
    return tuple((stack([r[i] for r in rows]) if rows else
                  Tensor._wrap(np.zeros((0,) + t.shape, t.dtype))).reshape(out.shape + t.shape)
                 for i, t in enumerate(inputs))


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``.

    Args:
        func: a function of the inputs returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of Tensors.
        create_graph, strict: as ``vjp``.
        vectorize: accepted for PyTorch's signature; the rows are computed one by one.
        strategy: only "reverse-mode" (one vjp per output element).

    Shape: d output i / d input j has shape output_i.shape + input_j.shape.
    Returns: a Tensor for a Tensor input and output; a tuple over inputs for tuple inputs; a
        tuple over outputs (of those) for a tuple output.
    """
    if strategy != "reverse-mode":
        raise ValueError(f"jacobian: strategy {strategy!r} is not supported; neurenix "
                         "differentiates in reverse mode only")
    is_tuple_in, inputs = _as_tuple("jacobian", "inputs", inputs)
    inputs = _leaves("jacobian", inputs, create_graph)
    is_tuple_out, outs = _call("jacobian", func, inputs)
    per_output = tuple(_shaped_like(_jacobian_rows("jacobian", o, inputs, create_graph, strict),
                                    is_tuple_in) for o in outs)
    return _shaped_like(per_output, is_tuple_out)


def _single_element(op: str, func):
    """``func`` checked to return one one-element Tensor, as a function of the inputs."""
    def checked(*inputs):
        out = func(*inputs)
        if not isinstance(out, Tensor):
            raise RuntimeError(f"{op}: func must return a single Tensor, got "
                               f"{type(out).__name__}")
        if out.numel() != 1:
            raise RuntimeError(f"{op}: func must return a one-element Tensor, got shape "
                               f"{out.shape}")
        return out
    return checked


def hessian(func, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar ``func`` at ``inputs``: the Jacobian of its gradient.

    Args: func: returns a one-element Tensor.  inputs, create_graph, strict, vectorize: as
        ``jacobian``.  outer_jacobian_strategy: only "reverse-mode".

    Shape: d2 f / d input i d input j has shape input_i.shape + input_j.shape.
    Returns: a Tensor for a Tensor input, else a tuple of tuples.
    """
    is_tuple_in, inputs = _as_tuple("hessian", "inputs", inputs)
    scalar = _single_element("hessian", func)

    def gradient(*xs):
        (out,) = _call("hessian", scalar, xs)[1]
        return _grads("hessian", (out,), xs, (Tensor._wrap(np.ones(out.shape, out.dtype)),),
                      True, strict)

    result = jacobian(gradient, _shaped_like(inputs, is_tuple_in), create_graph, strict,
                      vectorize, outer_jacobian_strategy)
    return result if is_tuple_in else result[0]


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The vector-Hessian product v^T H of a scalar ``func``: the vjp of its gradient with v.

    Args: func: returns a one-element Tensor.  v: shaped like ``inputs`` (None only for a
        single one-element input).  inputs, create_graph, strict: as ``vjp``.
    Returns: (func_output, vhp), vhp shaped like ``inputs``.
    """
    return _hessian_product("vhp", func, inputs, v, create_graph, strict, double_vjp=False)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """The Hessian-vector product H v of a scalar ``func``, by the double-vjp trick as in
    PyTorch (for a twice continuously differentiable func, H is symmetric and this equals
    ``vhp``).

    Args and returns: as ``vhp``, with hvp shaped like ``inputs``.
    """
    return _hessian_product("hvp", func, inputs, v, create_graph, strict, double_vjp=True)


def _hessian_product(op, func, inputs, v, create_graph, strict, double_vjp: bool):
    is_tuple_in, inputs = _as_tuple(op, "inputs", inputs)
    inputs = _leaves(op, inputs, create_graph)
    (out,) = _call(op, _single_element(op, func), inputs)[1]
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError(f"{op}: v can be None only when the input is a single "
                               "one-element Tensor")
        vs = (Tensor._wrap(np.ones(inputs[0].shape, inputs[0].dtype)),)
    else:
        vs = _as_tuple(op, "v", v)[1]
        _check_like(op, "v", vs, inputs, "inputs")
    with enable_grad():
        one = (Tensor._wrap(np.ones(out.shape, out.dtype)),)
        gradient = _grads(op, (out,), inputs, one, True, strict)
        if double_vjp:  # u -> H^T u is linear in u; its vjp with v is H v
            dummies = tuple(Tensor._wrap(np.zeros(t.shape, t.dtype)).requires_grad_()
                            for t in inputs)
            transposed = _grads(op, gradient, inputs, dummies, True, strict, "gradient")
            result = _grads(op, transposed, dummies, vs, create_graph, False)
        else:
            result = _grads(op, gradient, inputs, vs, create_graph, strict, "gradient")
    return _finish((out,), create_graph)[0], _shaped_like(result, is_tuple_in)
