"""Tracing: a record of every op one forward pass runs, for exporters such as ``nx.onnx``.

Every op goes through ``Function.apply``, so that is the one place to watch. ``apply`` asks
this thread's ``slot.trace`` after each forward: it is ``None`` (one attribute read, the whole
cost when nothing is traced), or a ``Trace``, which then keeps the call:

    Call(ctx, args, out, layer)
        ctx    the op's graph node: its class is the op, and it holds what forward set on it
               (stride, padding, the saved dim...), as the op's backward would read it
        args   the arguments exactly as apply received them: Tensors, arrays, numbers, tuples
        out    the output Tensor
        layer  the module the op ran in, when the exporter names them (``enter`` / ``leave``)

A value is known by its array (``tensor.data``): ``detach`` or a second Tensor around the
same array is the same value. An in-place update (``x += y``, ``x[i] = v``) is recorded as the
out-of-place op it runs while tracing, and ``same_value`` tells the trace that the snapshot of
``x`` taken before it, and then ``x`` itself, hold the values it already knows under other
arrays (see ``tensor_methods/inplace.py``).

Tracing is per thread, as grad mode is: a trace in one thread never sees another's ops.
"""
import threading


class Call:
    """One op of a traced forward (see the module docstring)."""

    __slots__ = ("ctx", "args", "out", "layer")

    def __init__(self, ctx, args: tuple, out, layer: str):
        self.ctx, self.args, self.out, self.layer = ctx, args, out, layer

    @property
    def op(self) -> type:
        """The op's ``Function`` subclass."""
        return type(self.ctx)


class Alias:
    """``new`` holds the value the trace knows as ``old`` (an in-place update's bookkeeping)."""

    __slots__ = ("new", "old")

    def __init__(self, new, old):
        self.new, self.old = new, old


class Trace:
    """The ops of one forward, in the order they ran, as ``Call`` and ``Alias`` events.

    Use it as a context: ``with Trace() as trace: out = model(x)``. Nested traces in one
    thread are refused (an op would belong to two of them).

    Args:
        listener: called with each event as it happens, instead of keeping it in ``events``.
            An exporter converts each op at once, while every array it reads still holds what
            the op saw: a constant (a tensor built by ``nx.zeros`` in forward) may be updated
            in place later in the same forward.
    """

    def __init__(self, listener=None):
        self.events = []
        self._listener = self.events.append if listener is None else listener
        self._layers = [""]

    def __enter__(self) -> "Trace":
        if slot.trace is not None:
            raise RuntimeError("Trace: this thread is already tracing")
        slot.trace = self
        return self

    def __exit__(self, *exc_info) -> None:
        slot.trace = None

    def record(self, ctx, args: tuple, out) -> None:
        """Called by ``Function.apply`` after each forward."""
        self._listener(Call(ctx, args, out, self._layers[-1]))

    def same_value(self, new, old) -> None:
        """From now on the array of Tensor ``new`` holds the value of Tensor ``old``."""
        self._listener(Alias(new, old))

    def enter(self, layer: str) -> None:
        """Ops from now until ``leave`` ran in ``layer`` (a module's path and class)."""
        self._layers.append(layer)

    def leave(self) -> None:
        self._layers.pop()


class _Slot(threading.local):
    """Every thread starts without a trace."""

    trace = None


slot = _Slot()
