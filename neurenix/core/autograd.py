"""Reverse-mode automatic differentiation: Function, the backward walk, and grad mode.

Every differentiable op is a ``Function`` subclass with a ``forward`` and a ``backward`` written
side by side on NumPy arrays. ``Function.apply`` runs the forward and, when grad mode is on and an
input requires grad, keeps the instance as the graph node of the result (``ctx`` *is* the node).

A node remembers its parents (the nodes that made its inputs, or the leaf tensors themselves),
never the intermediate input tensors: an activation stays alive only if an op saved it for its
backward. ``backward`` works on arrays, so the gradients it computes are first-order only: there
is no differentiating through a backward pass.

``Tensor.backward`` sorts the graph topologically without recursion (a chain of 100,000 ops
works), walks it in reverse, pops each node's gradient as it is used, accumulates into the
``.grad`` of leaves, and frees each node's saved arrays unless ``retain_graph=True``.
"""
import contextlib
import traceback

import numpy as np

from .tensor import Tensor

_grad_enabled = True
_anomaly_enabled = False
_FREED = object()  # saved_tensors of a node whose backward already ran without retain_graph


def is_grad_enabled() -> bool:
    """True when ops record a graph (the default), False inside ``no_grad``."""
    return _grad_enabled


@contextlib.contextmanager
def set_grad_enabled(mode: bool):
    """Context (or decorator) that turns graph recording on or off."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, bool(mode)
    try:
        yield
    finally:
        _grad_enabled = previous


def no_grad():
    """Context (or decorator, ``@nx.no_grad()``) in which ops record nothing."""
    return set_grad_enabled(False)


def enable_grad():
    """Context (or decorator) that turns graph recording back on inside ``no_grad``."""
    return set_grad_enabled(True)


@contextlib.contextmanager
def detect_anomaly():
    """Context in which a NaN or inf produced by a backward raises a RuntimeError naming the op
    and the line of user code that created it. Slower: every op records its creation stack."""
    global _anomaly_enabled
    previous, _anomaly_enabled = _anomaly_enabled, True
    try:
        yield
    finally:
        _anomaly_enabled = previous


class Function:
    """One differentiable op; an instance is one node of the graph (the ``ctx``).

    Subclasses define ``forward(ctx, *args)`` on NumPy arrays (tensor arguments arrive as their
    arrays, other arguments unchanged) and ``backward(ctx, grad_out)`` returning one gradient
    array per argument, ``None`` where there is none.
    """

    __slots__ = ("parents", "metas", "needs_input_grad", "saved_tensors", "hooks", "retained",
                 "creation", "__weakref__")

    def save_for_backward(self, *arrays) -> None:
        self.saved_tensors = arrays

    @classmethod
    def apply(cls, *args) -> Tensor:
        ctx = object.__new__(cls)
        ctx.saved_tensors = ()
        out = cls.forward(ctx, *[a.data if isinstance(a, Tensor) else a for a in args])
        if type(out) is not np.ndarray:  # NumPy turns 0-d results into scalars; keep arrays
            out = np.asarray(out)
        result = Tensor._wrap(out)
        if not _grad_enabled:
            return result
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        if True not in needs:
            return result
        ctx.needs_input_grad = needs
        ctx.parents = tuple((a._node or a) if n else None for a, n in zip(args, needs))
        ctx.metas = tuple((a.data.shape, a.data.dtype) if n else None for a, n in zip(args, needs))
        ctx.hooks = None
        ctx.retained = None
        ctx.creation = traceback.extract_stack()[:-2] if _anomaly_enabled else None
        result.requires_grad = True
        result._node = ctx
        return result

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError  # abstract: every op defines its forward

    @staticmethod
    def backward(ctx, grad_out):
        raise NotImplementedError  # abstract: every op defines its backward


def _topological_order(root: Function) -> list:
    """Nodes reachable from ``root``, each after every node it depends on. No recursion."""
    order, done, stack = [], set(), [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if node in done:
            continue
        if inputs_done:  # second visit: all its inputs are placed
            done.add(node)
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents
                         if isinstance(p, Function) and p not in done)
    return order


def _accumulate_leaf(leaf: Tensor, grad: np.ndarray) -> None:
    for hook in leaf._hooks or ():
        replaced = hook(Tensor._wrap(grad))
        if replaced is not None:
            grad = replaced.data
    if leaf.grad is None:
        # A fresh, writable array the leaf owns: the incoming one may be shared with another
        # leaf (Add passes one gradient to both inputs) or be a read-only broadcast view.
        leaf.grad = Tensor._wrap(np.array(grad, copy=True))
    else:
        leaf.grad.data += grad


def _where(node: Function) -> str:
    if not node.creation:
        return ""
    frames = [f for f in node.creation if "/neurenix/" not in f.filename] or node.creation
    f = frames[-1]
    return f"; the forward op was created at {f.filename}:{f.lineno} ({f.line})"


def _check_grad(node: Function, index: int, grad, meta) -> None:
    name = type(node).__name__
    if grad.shape != meta[0] or grad.dtype != meta[1]:
        raise RuntimeError(f"{name}.backward: gradient {index} has shape {grad.shape} and dtype "
                           f"{grad.dtype}, expected shape "
                           f"{meta[0]} and dtype {meta[1]} like its input")
    if _anomaly_enabled and not np.isfinite(grad).all():
        raise RuntimeError(f"{name}.backward returned a non-finite gradient for input {index} "
                           f"(nan or inf){_where(node)}")


def backward(tensor: Tensor, gradient=None, retain_graph: bool = False) -> None:
    """Accumulate d(tensor)/d(leaf) * gradient into the ``.grad`` of every leaf that requires it."""
    if not tensor.requires_grad:
        raise RuntimeError("backward: the tensor does not require grad and has no graph "
                           "(was it made under no_grad, or from tensors without requires_grad?)")
    if gradient is None:
        if tensor.data.size != 1:
            raise RuntimeError(f"backward: grad can be implicitly created only for scalar outputs; "
                               f"the tensor has shape {tensor.shape}, pass gradient=")
        grad = np.ones_like(tensor.data)
    else:
        grad = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient)
        if grad.shape != tensor.data.shape:
            raise RuntimeError(f"backward: gradient has shape {grad.shape}, "
                               f"the tensor has shape {tensor.data.shape}")
        grad = grad.astype(tensor.data.dtype, copy=False)
    root = tensor._node
    if root is None:  # a leaf: its gradient is the seed itself
        _accumulate_leaf(tensor, grad)
        return
    grads = {root: grad}
    for node in reversed(_topological_order(root)):
        grad_out = grads.pop(node, None)
        if grad_out is None:  # no path from the root carried a gradient here
            continue
        if node.saved_tensors is _FREED:
            raise RuntimeError(f"{type(node).__name__}.backward: graph already freed; "
                               "pass retain_graph=True to the first backward")
        for hook in node.hooks or ():
            replaced = hook(Tensor._wrap(grad_out))
            if replaced is not None:
                grad_out = replaced.data
        if node.retained is not None:
            kept = node.retained()
            if kept is not None:
                kept.grad = (Tensor._wrap(grad_out.copy()) if kept.grad is None
                             else Tensor._wrap(kept.grad.data + grad_out))
        if _anomaly_enabled and not np.isfinite(grad_out).all():
            raise RuntimeError(f"{type(node).__name__}: the gradient flowing into its backward "
                               f"is not finite{_where(node)}")
        in_grads = node.backward(node, grad_out)
        if not retain_graph:
            node.saved_tensors = _FREED
        for i, (parent, g) in enumerate(zip(node.parents, in_grads)):
            if parent is None or g is None:
                continue
            if type(g) is not np.ndarray:  # a 0-d result of NumPy arithmetic is a scalar
                g = np.asarray(g)
            _check_grad(node, i, g, node.metas[i])
            if isinstance(parent, Function):
                previous = grads.get(parent)
                grads[parent] = g if previous is None else previous + g
            else:
                _accumulate_leaf(parent, g)
