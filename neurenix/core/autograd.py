"""Reverse-mode automatic differentiation to any order: Function, the backward walk, grad mode.

Every differentiable op is a ``Function`` subclass with a ``forward`` on NumPy arrays and a
``backward`` written side by side with it in neurenix's own Tensor ops. ``Function.apply`` runs
the forward and, when grad mode is on and an input requires grad, keeps the instance as the
graph node of the result (``ctx`` *is* the node).

Because a backward is made of ordinary ops, running it with grad mode on records a graph of the
gradient itself: ``backward(create_graph=True)`` or ``grad(..., create_graph=True)`` gives
gradients that can be differentiated again, to any order (a Hessian-vector product, a gradient
penalty). Without ``create_graph`` the same code runs with grad mode off and records nothing.

Saving for backward. A forward calls ``ctx.save_for_backward(*arrays)`` with the arrays it
needs later. ``apply`` then looks at each one: the array of an input becomes that input
Tensor, the output array becomes the output Tensor (rebuilt on each ``saved_tensors`` read, so
the node holds no reference to its own result), anything else a constant Tensor. A backward
therefore computes with Tensors on the graph, and a second derivative flows through them.

A node remembers its parents (the nodes that made its inputs, or the leaf tensors themselves),
never the intermediate input tensors: an activation stays alive only if an op saved it.
"""
import functools
import os
import sys
import traceback

import numpy as np

from . import versions
from ._grad_state import state as _state
from .tensor import Tensor
from .tracing import slot as _tracing

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # neurenix/
_FREED = object()   # the saved tensors of a node whose backward ran without retain_graph
_OUTPUT = object()  # stands for the node's own output among its saved tensors


# ----- grad mode (per thread) -----------------------------------------------------------------
_anomaly_enabled = False  # global, as PyTorch's anomaly mode


def is_grad_enabled() -> bool:
    """True when ops record a graph in this thread (the default), False inside ``no_grad``."""
    return _state.enabled


class _GradMode:
    """A context manager that sets this thread's grad mode and restores it on exit; also a
    decorator, with or without parentheses (``@nx.no_grad`` and ``@nx.no_grad()``)."""

    mode = True

    def __new__(cls, func=None):
        if func is None:
            return super().__new__(cls)
        return cls()(func)  # used bare as a decorator: ``@no_grad`` on ``func``

    def __enter__(self):
        self.previous, _state.enabled = _state.enabled, self.mode

    def __exit__(self, *exc_info):
        _state.enabled = self.previous

    def __call__(self, func):
        @functools.wraps(func)
        def in_mode(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)
        return in_mode


class no_grad(_GradMode):
    """Context (or decorator) in which ops record nothing: for inference and optimizer steps."""

    mode = False


class enable_grad(_GradMode):
    """Context (or decorator) that turns graph recording back on inside ``no_grad``."""

    mode = True


class inference_mode(_GradMode):
    """Context (or decorator) for inference: ops record nothing, as under ``no_grad``.

    Args: mode: True (the default) turns recording off; ``inference_mode(False)`` leaves grad
        mode as it is. (PyTorch also marks the tensors made inside as unusable for autograd
        later; neurenix records nothing for them either way, so they are ordinary tensors.)
    """

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode):  # ``@nx.inference_mode`` without parentheses: decorate ``mode``
            self.__init__(True)
            return self(mode)
        return self

    def __init__(self, mode: bool = True):
        self.inference = bool(mode)

    def __enter__(self):
        self.previous = _state.enabled
        if self.inference:
            _state.enabled = False

    def __call__(self, func):
        @functools.wraps(func)
        def in_mode(*args, **kwargs):
            with inference_mode(self.inference):
                return func(*args, **kwargs)
        return in_mode


class set_grad_enabled(_GradMode):
    """Set grad mode to ``mode``: at once when called (``nx.set_grad_enabled(False)``), until the
    end of the block when used as a context, or around each call when used as a decorator."""

    def __new__(cls, mode):
        return super().__new__(cls)

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self.previous, _state.enabled = _state.enabled, self.mode

    def __enter__(self):
        pass  # the mode was set by the call itself

    def __call__(self, func):
        _state.enabled = self.previous  # decorating does not change the mode now

        @functools.wraps(func)
        def in_mode(*args, **kwargs):
            with set_grad_enabled(self.mode):
                return func(*args, **kwargs)
        return in_mode


class detect_anomaly:
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

    def __enter__(self):
        global _anomaly_enabled
        self.previous, _anomaly_enabled = _anomaly_enabled, True

    def __exit__(self, *exc_info):
        global _anomaly_enabled
        _anomaly_enabled = self.previous


# ----- Function: one op, one graph node -------------------------------------------------------
class Function:
    """One differentiable op; an instance is one node of the graph (the ``ctx``).

    Subclasses define ``forward(ctx, *args)`` on NumPy arrays (tensor arguments arrive as their
    arrays, other arguments unchanged) and ``backward(ctx, grad_out)`` on Tensors, returning one
    gradient Tensor per argument, ``None`` where there is none.
    """

    __slots__ = ("parents", "needs_input_grad", "_saved", "_saved_versions", "_out",
                 "out_meta", "hooks", "retained", "creation", "__weakref__")

    def save_for_backward(self, *arrays) -> None:
        """Called by ``forward``: keep ``arrays`` for ``backward``, which reads them as Tensors
        from ``ctx.saved_tensors`` (see the module docstring). Freed after the backward unless
        ``retain_graph``."""
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        """What ``forward`` saved, as Tensors: inputs and the output on the graph, so that a
        backward written with them can itself be differentiated."""
        saved = self._saved
        if saved is _FREED:
            raise _freed(self)
        tensors = tuple(self._output() if s is _OUTPUT else s for s in saved)
        for i, (t, seen) in enumerate(zip(tensors, self._saved_versions)):
            if isinstance(t, Tensor) and versions.version(t.data) != seen:
                raise RuntimeError(
                    f"{type(self).__name__}.backward: saved tensor {i} (shape {t.shape}, dtype "
                    f"{t.dtype}) was changed in place after the forward (version "
                    f"{versions.version(t.data)}, saved at version {seen}), so the gradient "
                    "would be computed from the wrong values; use an out-of-place op "
                    "(x = x + y rather than x += y) or clone() it before changing it")
        return tensors

    def _output(self) -> Tensor:
        """The output of this node as a Tensor on the graph (a new wrapper of the same array)."""
        out = Tensor._wrap(self._out)
        out._requires_grad = True
        out._node = self
        return out

    def _keep_saved(self, args, raw, out: np.ndarray) -> None:
        """Turn the arrays ``forward`` saved into Tensors: an input's array into that input,
        the output (``raw`` as forward returned it, ``out`` as an array) into the ``_OUTPUT``
        mark, any other array into a constant Tensor."""
        kept = []
        for s in self._saved:
            if s is raw or s is out:
                kept.append(_OUTPUT)
                self._out = out
                continue
            for a in args:
                if isinstance(a, Tensor) and a.data is s:
                    kept.append(a)
                    break
            else:  # an array of the forward's own, or a number, which stays a number
                kept.append(Tensor._wrap(np.asarray(s)) if isinstance(s, (np.ndarray, np.generic))
                            else s)
        self._saved = tuple(kept)
        self._saved_versions = tuple(versions.version(out if k is _OUTPUT else
                                                      k.data if isinstance(k, Tensor) else k)
                                     for k in kept)

    @classmethod
    def apply(cls, *args) -> Tensor:
        """Run ``forward`` on the arrays of ``args`` and, when grad mode is on and a tensor
        argument requires grad, record this call as the graph node of the result. While an
        exporter traces this thread (``tracing.py``), the call is also handed to its trace."""
        ctx = object.__new__(cls)
        ctx._saved = ctx._saved_versions = ()
        if not _state.enabled:  # no graph (inference, or a backward without create_graph)
            ctx.needs_input_grad = (False,) * len(args)
            raw = cls.forward(ctx, *[a.data if isinstance(a, Tensor) else a for a in args])
            result = Tensor._wrap(raw if type(raw) is np.ndarray else np.asarray(raw))
            if _tracing.trace is not None:  # an exporter is recording this forward (tracing.py)
                _tracing.trace.record(ctx, args, result)
            return result
        # One pass over the arguments: the arrays forward sees, and which inputs need a gradient.
        # (A plain loop: this runs for every op, and it is faster than two comprehensions.)
        arrays, needs = [], []
        for a in args:
            if isinstance(a, Tensor):
                arrays.append(a.data)
                needs.append(a._requires_grad)
            else:
                arrays.append(a)
                needs.append(False)
        record = True in needs
        ctx.needs_input_grad = tuple(needs) if record else (False,) * len(args)
        raw = cls.forward(ctx, *arrays)
        # NumPy turns 0-d results into scalars; a Tensor always holds an array
        out = raw if type(raw) is np.ndarray else np.asarray(raw)
        result = Tensor._wrap(out)
        if _tracing.trace is not None:
            _tracing.trace.record(ctx, args, result)
        if not record:
            return result
        if ctx._saved:
            ctx._keep_saved(args, raw, out)
        ctx.parents = tuple([(a._node or a) if n else None for a, n in zip(args, needs)])
        ctx.out_meta = (out.shape, out.dtype)
        ctx.hooks = ctx.retained = None
        ctx.creation = traceback.extract_stack()[:-2] if _anomaly_enabled else None
        result._requires_grad = True
        result._node = ctx
        return result

    @staticmethod
    def forward(ctx, *args):
        """The op on NumPy arrays (tensor arguments arrive as arrays, others unchanged);
        returns the output array."""
        raise NotImplementedError  # abstract: every op defines its forward

    @staticmethod
    def backward(ctx, grad_out):
        """From ``grad_out`` (a Tensor of the output's shape and dtype), one gradient Tensor per
        forward argument, each of its input's shape and dtype, or None (non-tensors, or where
        ``ctx.needs_input_grad[i]`` is False). Written in Tensor ops, so it is differentiable."""
        raise NotImplementedError  # abstract: every op defines its backward


# ----- the backward walk ----------------------------------------------------------------------
def _topological_order(roots) -> list:
    """Nodes reachable from ``roots``, each after every node it depends on. No recursion: a
    node is pushed twice, once to push its parents and once, after them, to be placed."""
    order, done, stack = [], set(), [(root, False) for root in roots]
    while stack:
        node, parents_placed = stack.pop()
        if node in done:
            continue
        if parents_placed:
            done.add(node)
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((p, False) for p in node.parents if isinstance(p, Function))
    return order


def _leading_to(order: list, targets: set) -> list:
    """The nodes of ``order`` whose backward is needed to reach the ``targets`` (nodes or
    leaves): those with a target or a needed node among their parents. A target's own backward
    runs only when another target lies below it, as in ``torch.autograd.grad``."""
    needed = set()
    for node in order:  # parents come first, so each parent is decided before its children
        if any(p is not None and (p in needed or p in targets) for p in node.parents):
            needed.add(node)
    return [node for node in order if node in needed]


def _run_hooks(hooks, grad: Tensor) -> Tensor:
    """``grad`` after each ``register_hook`` hook in turn; a hook may return a replacement of
    the same shape and dtype (anything else would be silently broadcast further down)."""
    for hook in hooks:
        replaced = hook(grad)
        if replaced is not None:
            new = replaced if isinstance(replaced, Tensor) else Tensor(np.asarray(replaced))
            if new.shape != grad.shape or new.dtype != grad.dtype:
                raise RuntimeError(f"register_hook: hook {getattr(hook, '__name__', hook)!r} "
                                   f"returned a gradient of shape {new.shape} and dtype "
                                   f"{new.dtype}, expected shape {grad.shape} and dtype "
                                   f"{grad.dtype}")
            grad = new
    return grad


def _where(node: Function) -> str:
    """Where the forward of ``node`` was called: the innermost frame outside neurenix."""
    if not node.creation:
        return ""
    frames = [f for f in node.creation if not f.filename.startswith(_PACKAGE_DIR)]
    f = (frames or node.creation)[-1]
    return f"; its forward was called at {f.filename}:{f.lineno} ({f.line})"


def _check_finite(node: Function, what: str, grad: Tensor) -> None:
    if not np.isfinite(grad.data).all():
        bad = "nan" if np.isnan(grad.data).any() else "inf"
        raise RuntimeError(f"detect_anomaly: {type(node).__name__}.backward {what} contains "
                           f"{bad}{_where(node)}")


def _freed(node: Function) -> RuntimeError:
    return RuntimeError(f"{type(node).__name__}.backward: graph already freed; pass "
                        "retain_graph=True to the first backward")


def _receive(node: Function, grad_out: Tensor, create_graph: bool) -> Tensor:
    """What happens to the total gradient of a node's output before its backward runs: the
    check that the graph is still there (an op that saved nothing never reads
    ``saved_tensors``), the tensor's hooks, ``retain_grad``, and anomaly detection."""
    if node._saved is _FREED:
        raise _freed(node)
    if node.hooks:
        grad_out = _run_hooks(node.hooks, grad_out)
    if node.retained is not None:
        kept = node.retained()
        if kept is not None:
            g = grad_out if create_graph else grad_out.detach()
            kept.grad = g if kept.grad is None else kept.grad + g
    if _anomaly_enabled:
        _check_finite(node, "received a gradient that", grad_out)
    return grad_out


def _checked(node: Function, in_grads) -> list:
    """(parent, gradient) for each gradient ``node.backward`` returned, after checking that it
    has its input's shape and dtype: the engine never reshapes a gradient, so a wrong one is
    the op's bug, reported here."""
    if len(in_grads) != len(node.parents):
        raise RuntimeError(f"{type(node).__name__}.backward returned {len(in_grads)} "
                           f"gradients for {len(node.parents)} forward arguments")
    pairs = []
    for i, (parent, g) in enumerate(zip(node.parents, in_grads)):
        if parent is None or g is None:
            continue
        shape, dtype = parent.out_meta if isinstance(parent, Function) else (
            parent.data.shape, parent.data.dtype)
        if g.data.shape != shape or g.data.dtype != dtype:
            raise RuntimeError(f"{type(node).__name__}.backward: gradient {i} has shape "
                               f"{g.data.shape} and dtype {g.data.dtype}, expected shape {shape} "
                               f"and dtype {dtype} like its input")
        if _anomaly_enabled:
            _check_finite(node, f"returned a gradient for input {i} that", g)
        pairs.append((parent, g))
    return pairs


def _backward_pass(seeds, retain_graph: bool, create_graph: bool, targets=None) -> dict:
    """Propagate the ``seeds`` ((tensor, gradient) pairs) back through the graph.

    Returns the total gradient reaching each leaf (all of them, or only ``targets``: a set of
    leaf tensors and nodes, whose gradients are captured as they pass). Runs in grad mode
    ``create_graph``, so the backward ops record a graph of the gradients exactly when asked.
    """
    grads = {}
    for tensor, g in seeds:
        key = tensor._node or tensor
        grads[key] = g if key not in grads else grads[key] + g
    order = _topological_order([t._node for t, _ in seeds if t._node is not None])
    if targets is not None:
        order = _leading_to(order, targets)
    captured = {}
    with set_grad_enabled(create_graph):
        for node in reversed(order):
            grad_out = grads.pop(node, None)
            if grad_out is None:  # no path from the roots carried a gradient here
                continue
            grad_out = _receive(node, grad_out, create_graph)
            if targets is not None and node in targets:
                captured[node] = grad_out
            in_grads = node.backward(node, grad_out)
            if not retain_graph:
                node._saved = _FREED
            for parent, g in _checked(node, in_grads):
                grads[parent] = g if parent not in grads else grads[parent] + g
    if targets is None:
        return grads  # what is left belongs to the leaves
    captured.update((k, g) for k, g in grads.items() if k in targets)
    return captured


def _accumulate(tensor: Tensor, grad: Tensor, create_graph: bool) -> None:
    """Add ``grad`` to ``tensor.grad``, after the leaf's hooks. With ``create_graph`` the sum
    stays on the graph; without it ``.grad`` is a fresh array the tensor owns (the incoming one
    may be shared with another leaf, or a read-only broadcast view) updated in place."""
    if tensor._hooks:
        grad = _run_hooks(tensor._hooks, grad)
    if create_graph:
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad
    elif tensor.grad is None:
        adopt = not tensor._hooks and _unshared(grad)
        tensor.grad = Tensor._wrap(grad.data if adopt else np.array(grad.data, copy=True))
    else:
        tensor.grad.data += grad.data


def _unshared(grad: Tensor) -> bool:
    """True when ``grad``'s array can become a leaf's ``.grad`` as it is, instead of a copy: it
    owns its memory, is writeable, and nothing else refers to it or to ``grad`` (CPython's
    reference counts: the backward pass's result dict, the caller's loop variable,
    ``_accumulate``'s and this function's arguments). A weight gradient is almost always such a
    fresh array, and copying it would be one more pass over every parameter per step; a seed
    given by the user, a gradient shared by two leaves or kept by a hook is copied. PyTorch
    adopts a gradient the same way when its use count is 1."""
    data = grad.data
    return (data.base is None and data.flags.writeable and hasattr(sys, "getrefcount")
            and sys.getrefcount(data) == 3 and sys.getrefcount(grad) == 6)


def _seed(tensor: Tensor, gradient, op: str) -> Tensor:
    """The gradient a backward starts from: ones for a one-element tensor, else ``gradient``."""
    if not tensor.requires_grad:
        raise RuntimeError(f"{op}: the tensor does not require grad and has no graph (was it "
                           "made under no_grad, or from tensors without requires_grad?)")
    if gradient is None:
        if tensor.data.size != 1:
            raise RuntimeError(f"{op}: grad can be implicitly created only for scalar outputs; "
                               f"the tensor has shape {tensor.shape}, pass a gradient")
        return Tensor._wrap(np.ones_like(tensor.data))
    g = gradient if isinstance(gradient, Tensor) else Tensor._wrap(np.asarray(gradient))
    if g.shape != tensor.shape:
        raise RuntimeError(f"{op}: gradient has shape {g.shape}, the tensor has shape "
                           f"{tensor.shape}")
    return g if g.dtype == tensor.dtype else g.to(tensor.dtype)


def _as_list(tensors) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph: bool = False,
             inputs=None) -> None:
    """Accumulate d(tensors)/d(leaf) * grad_tensors into the ``.grad`` of every leaf.

    Args:
        tensors: a Tensor or a sequence of them, each one-element or given a gradient.
        grad_tensors: the gradient for each of ``tensors`` (None for a one-element tensor).
        retain_graph: keep the graph for another backward (defaults to ``create_graph``).
        create_graph: record the backward as a graph of its own, so the gradients in ``.grad``
            can be differentiated again.
        inputs: accumulate only into these tensors (leaves or not); default every leaf.
    """
    tensors = _as_list(tensors)
    grads = [None] * len(tensors) if grad_tensors is None else _as_list(grad_tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"backward: got {len(grads)} gradients for {len(tensors)} tensors")
    seeds = [(t, _seed(t, g, "backward")) for t, g in zip(tensors, grads)]
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        for leaf, g in _backward_pass(seeds, keep, create_graph).items():
            _accumulate(leaf, g, create_graph)
        return
    inputs = _as_list(inputs)
    if not inputs:
        raise RuntimeError("backward: inputs= is an empty sequence; pass None for every leaf")
    found = _backward_pass(seeds, keep, create_graph, {t._node or t for t in inputs})
    for t in inputs:
        g = found.get(t._node or t)
        if g is not None:
            _accumulate(t, g, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, returned instead of being
    accumulated into ``.grad``, as ``torch.autograd.grad``.

    Args:
        outputs: a Tensor or a sequence of them.
        inputs: a Tensor or a sequence of them (leaves or not), each requiring grad.
        grad_outputs: the vector of the vector-Jacobian product, one per output (None for a
            one-element output, which gets 1).
        retain_graph: keep the graph for another backward (defaults to ``create_graph``).
        create_graph: record the gradients' own graph, for higher derivatives.
        allow_unused: give None for an input the outputs do not depend on (else an error).

    Returns: a tuple with one gradient per input, of the input's shape and dtype.
    Raises: RuntimeError naming an input that does not require grad, or that was not used.
    """
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    grads = [None] * len(outputs) if grad_outputs is None else _as_list(grad_outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"grad: got {len(grads)} grad_outputs for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad")
    seeds = [(t, _seed(t, g, "grad")) for t, g in zip(outputs, grads)]
    keep = create_graph if retain_graph is None else retain_graph
    found = _backward_pass(seeds, keep, create_graph, {t._node or t for t in inputs})
    result = []
    for i, t in enumerate(inputs):
        g = found.get(t._node or t)
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) was not used to compute the "
                               "outputs; pass allow_unused=True to get None for it")
        result.append(g if g is None or create_graph else g.detach())
    return tuple(result)
