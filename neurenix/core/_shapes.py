"""Shape helpers shared by every op: the only copy of each."""
import numpy as np

from . import ops as _ops  # for unbroadcast; the op modules are loaded by tensor.py


def unbroadcast(grad, shape: tuple):
    """Sum ``grad`` (a Tensor) down to ``shape``: the adjoint of broadcasting ``shape`` up to
    ``grad.shape``. Written in Tensor ops, so it is differentiable again."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)  # axes that broadcasting prepended
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1)
    # the ops' own apply: these axes are valid by construction, so the public sum and reshape
    # would only check them again on every backward of every broadcasting op
    summed = _ops.reduce.Sum.apply(grad, axes, True)
    return _ops.shape.Reshape.apply(summed, shape) if summed.shape != shape else summed


def normalize_dims(op: str, dim, ndim: int) -> tuple:
    """``dim`` (None, an int or a sequence of ints, negatives allowed) as a sorted tuple of
    non-negative axes of an ``ndim``-dimensional tensor. None means every axis."""
    if dim is None:
        return tuple(range(ndim))
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    out = []
    for d in dims:
        if not isinstance(d, (int, np.integer)):
            raise TypeError(f"{op}: dim must be an int or a sequence of ints, got {dim!r}")
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"{op}: dim {d} is out of range for a tensor of {ndim} dimensions")
        out.append(int(d) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dim {dim!r} repeats an axis")
    return tuple(sorted(out))


def normalize_dim(op: str, dim: int, ndim: int) -> int:
    """One axis ``dim`` of an ``ndim``-dimensional tensor, negatives allowed."""
    return normalize_dims(op, int(dim), ndim)[0]


def broadcast_shapes(op: str, *shapes: tuple) -> tuple:
    """The broadcast shape of ``shapes``, or a ValueError naming the op and the shapes."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"{op}: shapes {', '.join(str(tuple(s)) for s in shapes)} "
                         "cannot be broadcast together") from None


def pair(op: str, name: str, value) -> tuple:
    """An int, a one-element sequence or a pair of ints as a pair: kernel_size=3 -> (3, 3),
    padding=(1,) -> (1, 1) (PyTorch's functional forms expand a single value too)."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value), int(value))
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(value) != 2 or not all(isinstance(v, (int, np.integer)) for v in value):
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    return (int(value[0]), int(value[1]))


def single(op: str, name: str, value) -> int:
    """An int or a one-element sequence of ints as an int: kernel_size=(3,) -> 3 (1-D ops)."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{op}: {name} must be an int or a one-element tuple of ints, got "
                         f"{value!r}")
    return int(value)


def int_args(op: str, name: str, values: tuple) -> tuple:
    """Integers given as ``f(2, 3)`` or ``f((2, 3))`` (a size, a shape, dims) as a tuple of ints;
    a float or other non-integer is refused rather than truncated (``zeros(2.5)`` is an error,
    as in PyTorch)."""
    if len(values) == 1 and isinstance(values[0], (tuple, list)):
        values = values[0]
    values = tuple(values)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{op}: {name} must be integers, got {values!r}")
    return tuple(int(v) for v in values)
