"""Gradient checkpointing: keep a segment's inputs, not its intermediates, and recompute them.

``checkpoint(fn, *inputs)`` runs ``fn`` under ``no_grad``, so none of the arrays its ops would
save for backward stay alive: the graph keeps one ``Checkpoint`` node holding the inputs. When
the backward walk reaches that node, it replays ``fn`` with grad on, from the saved inputs and
the saved random state (so dropout draws the same masks), and backpropagates the incoming
gradient through that fresh graph. Memory falls from every intermediate of every segment to the
segment inputs plus the intermediates of one segment; the price is one more forward per segment.

``with enable_gradient_checkpointing():`` sets the flag that containers (``nn.Sequential``, the
multiscale models) read through ``is_checkpointing_enabled()`` to run each of their stages as a
checkpoint segment.
"""
from . import autograd
from .autograd import Function, enable_grad, no_grad
from .random import get_rng_state, set_rng_state
from .tensor import Tensor

_enabled = False


def is_checkpointing_enabled() -> bool:
    """True inside ``enable_gradient_checkpointing()``: containers then checkpoint their stages."""
    return _enabled


class enable_gradient_checkpointing:
    """Turn checkpointing of container stages on (or off, with ``False``).

    As a context, ``with nx.enable_gradient_checkpointing(): loss = model(x) ...`` restores the
    previous setting on exit. As a plain call, ``nx.enable_gradient_checkpointing()`` turns it on
    until ``nx.enable_gradient_checkpointing(False)``. Only the forward needs to run inside: the
    backward recomputes whatever was checkpointed, wherever it runs.
    """

    def __init__(self, enabled: bool = True):
        global _enabled
        self._previous, _enabled = _enabled, bool(enabled)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        global _enabled
        _enabled = self._previous


def _owner(fn):
    """The Module whose parameters and buffers ``fn`` uses: ``fn`` itself, or the instance of a
    bound method. None for any other callable."""
    for candidate in (fn, getattr(fn, "__self__", None)):
        if callable(getattr(candidate, "parameters", None)) and callable(
                getattr(candidate, "buffers", None)):
            return candidate
    return None


class _Slot:
    """Where ``_flatten`` took a tensor out of the arguments: its index in the flat list."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


def _flatten(value, tensors: list):
    """Replace every Tensor in ``value`` (an argument, possibly a list or tuple holding tensors)
    by its index in ``tensors``, to which it is appended; returns the template."""
    if isinstance(value, Tensor):
        tensors.append(value)
        return _Slot(len(tensors) - 1)
    if type(value) in (list, tuple):
        return type(value)(_flatten(v, tensors) for v in value)
    return value


def _fill(template, tensors: list):
    """Inverse of ``_flatten``: the argument with each slot replaced by its tensor."""
    if isinstance(template, _Slot):
        return tensors[template.index]
    if type(template) in (list, tuple):
        return type(template)(_fill(v, tensors) for v in template)
    return template


class Checkpoint(Function):
    """out = fn(*inputs) with no intermediate kept.  backward: replay fn with grad on from the
    saved inputs and random state, then backpropagate grad_out through the replayed graph.

    ``apply(fn, template, n_inputs, *input_tensors, *parameters)``: the parameters are passed only
    so a node is recorded when they alone require grad (the first layer of a network sees an
    image); their gradients are accumulated by the inner backward, so this node returns None
    for them.
    """

    __slots__ = ("fn", "template", "rng_state")

    @staticmethod
    def forward(ctx, fn, template, n_inputs, *arrays):
        inputs = arrays[:n_inputs]
        ctx.fn, ctx.template = fn, template
        ctx.rng_state = get_rng_state()
        ctx.save_for_backward(*inputs)
        with no_grad():
            out = fn(*_fill(template, [Tensor._wrap(a) for a in inputs]))
        if not isinstance(out, Tensor):
            raise TypeError(f"checkpoint: {_name(fn)} returned {type(out).__name__}; a "
                            "checkpointed function must return one Tensor")
        return out.data

    @staticmethod
    def backward(ctx, grad_out):
        if autograd.is_grad_enabled():
            # The replay below starts from detached copies, so a gradient of the gradient
            # could not reach the inputs: refuse rather than return a wrong one.
            raise RuntimeError(f"checkpoint: {_name(ctx.fn)} was checkpointed, and a second "
                               "derivative through a checkpointed segment is not supported (as "
                               "in PyTorch's reentrant checkpoint); run it without "
                               "checkpointing for create_graph=True")
        inputs = [t.detach().requires_grad_(needs)  # the replayed graph ends here
                  for t, needs in zip(ctx.saved_tensors, ctx.needs_input_grad[3:])]
        out = _replay(ctx.fn, _fill(ctx.template, inputs), ctx.rng_state)
        if out.requires_grad:
            autograd.backward(out, grad_out)
        n_parameters = len(ctx.needs_input_grad) - 3 - len(inputs)
        return (None, None, None) + tuple(t.grad for t in inputs) + (None,) * n_parameters


def _replay(fn, args, rng_state):
    """fn(*args) with grad on, drawing the random numbers the forward drew, and leaving the random
    state and the owner's buffers as they were: the recomputation must not consume random numbers
    that code after this backward expects, nor update BatchNorm's running statistics twice."""
    owner = _owner(fn)
    buffers = [(b, b.data.copy()) for b in owner.buffers()] if owner is not None else []
    state_now = get_rng_state()
    set_rng_state(rng_state)
    try:
        # The segment is the unit of recomputation: containers inside it record their graph
        # in full instead of checkpointing again (explicit nested checkpoint calls still do).
        with enable_grad(), enable_gradient_checkpointing(False):
            return fn(*args)
    finally:
        set_rng_state(state_now)
        for buffer, data in buffers:
            buffer.data = data


def _name(fn) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def checkpoint(fn, *inputs) -> Tensor:
    """``fn(*inputs)``, computed without keeping its intermediates for backward.

    The backward pass re-runs ``fn`` on the saved inputs (with the random state of the forward, so
    dropout masks replay) and backpropagates through that recomputation, so every gradient equals
    the one without checkpointing, for the cost of a second forward through ``fn``.

    Args:
        fn: a callable returning one Tensor. When it is a Module (or a bound method of one), the
            module's parameters get gradients even if no input requires grad, and its buffers
            (BatchNorm's running statistics) are updated once, not again by the recomputation.
            Any other callable gets gradients for the tensors it closes over only through inputs
            that require grad, as in PyTorch's reentrant checkpoint.
        inputs: arguments of ``fn``; tensors among them (or in lists/tuples among them) are saved.

    Shape: whatever ``fn`` takes and returns.

    Returns: ``fn(*inputs)``; under ``no_grad`` (or when nothing requires grad) exactly that call.
    Raises: TypeError when ``fn`` returns something other than one Tensor and a graph is needed.
    """
    if not autograd.is_grad_enabled():
        return fn(*inputs)
    tensors = []
    template = _flatten(inputs, tensors)
    owner = _owner(fn)
    seen = {id(t) for t in tensors}
    parameters = [p for p in (owner.parameters() if owner is not None else ())
                  if p.requires_grad and id(p) not in seen]
    if not parameters and not any(t.requires_grad for t in tensors):
        return fn(*inputs)  # no graph would be recorded: nothing to save
    return Checkpoint.apply(fn, template, len(tensors), *tensors, *parameters)
