"""Probes: which numbers of a traced forward follow the dynamic axes.

A trace sees sizes as Python ints: ``x.reshape(1, N * C, -1)`` reaches the op as (1, 6, 99).
To leave an axis of an input dynamic, the exporter must know which of the numbers it writes
change with that axis. So for each group of dynamic axes (those that must stay equal, as the
batch axes of a loss's input and target) it runs the forward once more with those axes doubled,
the inputs repeated along them, and keeps every op call of that run (a ``Probe``). The graph
then compares each call with the probe's call at the same position (``Graph.across``):

* a number equal in both runs is a constant of the graph;
* one that doubles (or halves) is written as a product with the axis' length read at run time
  (``Graph.sizes``, ``Graph.number``): 6 = 3 N becomes 3 * Shape(input)[0];
* anything else (a resize table built for the size, a loop that runs once per sample) fixes
  the axis, and export refuses the dynamic axis, naming the op and its layer.

A probe keeps what it compares: the arguments of each call with every Tensor replaced by its
shape and dtype (``Shape``), and the other arguments (sizes, index tables) as they are.
"""
import numpy as np

from ..core.random import get_rng_state, set_rng_state
from ..core.tensor import Tensor
from ..core.tracing import Call


class Shape:
    """A Tensor argument of a probed call: its shape and dtype, all a probe compares."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: tuple, dtype):
        self.shape, self.dtype = shape, dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)


def _summary(value):
    if isinstance(value, Tensor):
        return Shape(value.shape, value.dtype)
    if isinstance(value, (tuple, list)):
        return tuple(_summary(v) for v in value)
    return value


def same(a, b) -> bool:
    """Whether two arguments (or parts of them), one from each run, are equal: Tensors by shape
    and dtype, arrays by content, tuples entry by entry, anything else by ``==``."""
    if isinstance(a, (Tensor, Shape)) or isinstance(b, (Tensor, Shape)):
        return isinstance(a, (Tensor, Shape)) and isinstance(b, (Tensor, Shape)) and \
            a.shape == b.shape and a.dtype == b.dtype
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and \
            a.shape == b.shape and a.dtype == b.dtype and \
            bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)) and \
            len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # nan
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


class Probe:
    """The op calls of one more run of the forward, with one group of dynamic axes doubled.

    Args:
        axes: the group, as (input name, axis) pairs; the first is read at run time.
        size: the traced length of those axes (the probe's is twice that).
        calls: (op class, summarised arguments) of each call, in order.
    """

    def __init__(self, axes: list, size: int, calls: list):
        self.axes, self.size, self.calls = axes, size, calls
        self.diverged = False  # the probe ran other ops from some call on

    def describe(self) -> str:
        return " and ".join(f"axis {axis} of {name!r}" for name, axis in self.axes)


def _doubled(args: tuple, flat_axes: dict):
    """``args`` (Tensors, or lists of them) with flat input i repeated along each axis of
    ``flat_axes[i]``."""
    position = 0

    def double(value):
        nonlocal position
        if isinstance(value, Tensor):
            array = value.data
            for axis in flat_axes.get(position, ()):
                array = np.concatenate([array, array], axis=axis)
            position += 1
            return Tensor._wrap(array)
        return type(value)(double(v) for v in value)

    return tuple(double(a) for a in args)


def run(trace, args: tuple, axes: list, flat_axes: dict, size: int) -> Probe:
    """Run ``trace(args, listener)`` (the exporter's traced forward) on ``args`` doubled along
    ``flat_axes`` ({flat input index: [axis, ...]}), keeping its calls. The random generator is
    put back afterwards, so the exported run draws what it would have drawn.

    Raises: ValueError naming the axes when the forward fails at the doubled size (the model
        cannot take another length there, so the axis cannot be dynamic)."""
    calls = []

    def listen(event) -> None:
        if isinstance(event, Call):  # an Alias changes no op
            calls.append((event.op, _summary(event.args)))

    probe = Probe(axes, size, calls)
    state = get_rng_state()
    try:
        trace(_doubled(args, flat_axes), listen)
    except Exception as e:
        raise ValueError(f"onnx.export: dynamic_axes makes {probe.describe()} dynamic, but the "
                         f"model fails when that length is {2 * size} instead of {size} "
                         f"({type(e).__name__}: {e}); export without that dynamic axis") from e
    finally:
        set_rng_state(state)
    return probe
