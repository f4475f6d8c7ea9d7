"""Reverse-mode automatic differentiation: Function, the backward walk, and grad mode.

Every differentiable op is a ``Function`` subclass with a ``forward`` and a ``backward`` written
side by side on NumPy arrays. ``Function.apply`` runs the forward and, when grad mode is on and an
input requires grad, keeps the instance as the graph node of the result (``ctx`` *is* the node).

A node remembers its parents (the nodes that made its inputs, or the leaf tensors themselves),
never the intermediate input tensors: an activation stays alive only if an op saved it for its
backward. ``backward`` works on arrays, so the gradients it computes are first-order only: there
is no differentiating through a backward pass.

``Tensor.backward`` sorts the graph topologically without recursion (a chain of 100,000 ops
works), walks it in reverse, pops each node's gradient as it is used, sums the gradients that
reach each leaf and adds them to its ``.grad``, and frees each node's saved arrays unless
``retain_graph=True``.
"""
import contextlib
import os
import traceback

import numpy as np

from .tensor import Tensor

_grad_enabled = True
_anomaly_enabled = False
_FREED = object()  # saved_tensors of a node whose backward already ran without retain_graph
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # neurenix/


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
    whose backward produced it and the line of user code that ran its forward.

    Slower: every op records the stack it was created from, and every gradient is checked. Use
    it to find where a nan loss comes from::

        with nx.detect_anomaly():
            loss = model(x).sqrt().sum()
            loss.backward()

        RuntimeError: detect_anomaly: Sqrt.backward returned a gradient for input 0 that
        contains inf; its forward was called at train.py:12 (loss = model(x).sqrt().sum())
    """
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

    __slots__ = ("parents", "needs_input_grad", "saved_tensors", "out_meta", "hooks", "retained",
                 "creation", "__weakref__")

    def save_for_backward(self, *arrays) -> None:
        """Keep ``arrays`` (NumPy arrays) as ``ctx.saved_tensors`` for ``backward``; freed after
        it unless ``retain_graph``."""
        self.saved_tensors = arrays

    @property
    def metas(self) -> tuple:
        """(shape, dtype) of each input that requires grad, None for the others: what each
        gradient ``backward`` returns must match."""
        return tuple(None if p is None else p.out_meta if isinstance(p, Function)
                     else (p.data.shape, p.data.dtype) for p in self.parents)

    @classmethod
    def apply(cls, *args) -> Tensor:
        """Run ``forward`` on the arrays of ``args`` and, when grad mode is on and a tensor
        argument requires grad, record this call as the graph node of the result."""
        ctx = object.__new__(cls)
        ctx.saved_tensors = ()
        # One pass over the arguments: the arrays forward sees, and which inputs need a gradient.
        # (A plain loop: this runs for every op, and it is faster than two comprehensions.)
        arrays, needs = [], []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                needs.append(a.requires_grad)
            else:
                arrays.append(a)
                needs.append(False)
        out = cls.forward(ctx, *arrays)
        if type(out) is not np.ndarray:  # NumPy turns 0-d results into scalars; keep arrays
            out = np.asarray(out)
        result = Tensor._wrap(out)
        if not _grad_enabled or True not in needs:
            return result
        needs = tuple(needs)
        ctx.needs_input_grad = needs
        ctx.parents = tuple([(a._node or a) if n else None for a, n in zip(args, needs)])
        ctx.out_meta = (out.shape, out.dtype)
        ctx.hooks = ctx.retained = None
        ctx.creation = traceback.extract_stack()[:-2] if _anomaly_enabled else None
        result.requires_grad = True
        result._node = ctx
        return result

    @staticmethod
    def forward(ctx, *args):
        """The op on NumPy arrays (tensor arguments arrive as arrays, others unchanged);
        returns the output array."""
        raise NotImplementedError  # abstract: every op defines its forward

    @staticmethod
    def backward(ctx, grad_out):
        """From ``grad_out`` (the output's shape and dtype), one gradient array per forward
        argument, each of its input's shape and dtype, or None (non-tensors, or where
        ``ctx.needs_input_grad[i]`` is False)."""
        raise NotImplementedError  # abstract: every op defines its backward


def _topological_order(root: Function) -> list:
    """Nodes reachable from ``root``, each after every node it depends on. No recursion: an
    explicit stack of (node, iterator over its parents) resumes where it left off."""
    order, seen, stack = [], {root}, [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for p in parents:
            if isinstance(p, Function) and p not in seen:
                seen.add(p)
                stack.append((p, iter(p.parents)))
                break
        else:  # every parent is placed: place the node
            stack.pop()
            order.append(node)
    return order


def _run_hooks(hooks, grad: np.ndarray) -> np.ndarray:
    """``grad`` after each ``register_hook`` hook in turn; a hook may return a replacement of
    the same shape and dtype (anything else would be silently broadcast further down)."""
    for hook in hooks:
        replaced = hook(Tensor._wrap(grad))
        if replaced is not None:
            new = replaced.data if isinstance(replaced, Tensor) else np.asarray(replaced)
            if new.shape != grad.shape or new.dtype != grad.dtype:
                raise RuntimeError(f"register_hook: hook {getattr(hook, '__name__', hook)!r} "
                                   f"returned a gradient of shape {new.shape} and dtype "
                                   f"{new.dtype}, expected shape {grad.shape} and dtype "
                                   f"{grad.dtype}")
            grad = new
    return grad


def _accumulate_leaf(leaf: Tensor, grad: np.ndarray) -> None:
    """Add the total gradient of one backward to ``leaf.grad``, after the leaf's hooks."""
    if leaf._hooks:
        grad = _run_hooks(leaf._hooks, grad)
    if leaf.grad is None:
        # A fresh, writable array the leaf owns: the incoming one may be shared with another
        # leaf (Add passes one gradient to both inputs) or be a read-only broadcast view.
        leaf.grad = Tensor._wrap(np.array(grad, copy=True))
    else:
        leaf.grad.data += grad


def _where(node: Function) -> str:
    """Where the forward of ``node`` was called: the innermost frame outside neurenix."""
    if not node.creation:
        return ""
    frames = [f for f in node.creation if not f.filename.startswith(_PACKAGE_DIR)]
    f = (frames or node.creation)[-1]
    return f"; its forward was called at {f.filename}:{f.lineno} ({f.line})"


def _wrong_grad(node: Function, index: int, grad: np.ndarray) -> RuntimeError:
    shape, dtype = node.metas[index]
    return RuntimeError(f"{type(node).__name__}.backward: gradient {index} has shape "
                        f"{grad.shape} and dtype {grad.dtype}, expected shape {shape} and dtype "
                        f"{dtype} like its input")


def _check_finite(node: Function, what: str, grad: np.ndarray) -> None:
    if not np.isfinite(grad).all():
        bad = "nan" if np.isnan(grad).any() else "inf"
        raise RuntimeError(f"detect_anomaly: {type(node).__name__}.backward {what} contains "
                           f"{bad}{_where(node)}")


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
    # The gradient arriving at each node, and at each leaf, summed over the paths that reach it.
    # Nodes pop theirs as they run; what is left at the end belongs to the leaves.
    grads = {root: grad}
    for node in reversed(_topological_order(root)):
        grad_out = grads.pop(node, None)
        if grad_out is None:  # no path from the root carried a gradient here
            continue
        if node.saved_tensors is _FREED:
            raise RuntimeError(f"{type(node).__name__}.backward: graph already freed; "
                               "pass retain_graph=True to the first backward")
        if node.hooks:
            grad_out = _run_hooks(node.hooks, grad_out)
        if node.retained is not None:
            kept = node.retained()
            if kept is not None:
                kept.grad = (Tensor._wrap(grad_out.copy()) if kept.grad is None
                             else Tensor._wrap(kept.grad.data + grad_out))
        if _anomaly_enabled:
            _check_finite(node, "received a gradient that", grad_out)
        in_grads = node.backward(node, grad_out)
        if not retain_graph:
            node.saved_tensors = _FREED
        if len(in_grads) != len(node.parents):
            raise RuntimeError(f"{type(node).__name__}.backward returned {len(in_grads)} "
                               f"gradients for {len(node.parents)} forward arguments")
        for i, (parent, g) in enumerate(zip(node.parents, in_grads)):
            if parent is None or g is None:
                continue
            if type(g) is not np.ndarray:  # a 0-d result of NumPy arithmetic is a scalar
                g = np.asarray(g)
            # The engine never reshapes a gradient: a wrong one is the op's bug, reported here.
            if isinstance(parent, Function):
                shape, dtype = parent.out_meta
            else:
                shape, dtype = parent.data.shape, parent.data.dtype
            if g.shape != shape or (g.dtype is not dtype and g.dtype != dtype):  # `is`: fast path
                raise _wrong_grad(node, i, g)
            if _anomaly_enabled:
                _check_finite(node, f"returned a gradient for input {i} that", g)
            previous = grads.get(parent)
            grads[parent] = g if previous is None else previous + g
    for leaf, g in grads.items():
        _accumulate_leaf(leaf, g)
