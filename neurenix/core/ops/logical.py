"""Tests and logic: comparisons as functions (eq, ne, lt, le, gt, ge), isnan, isinf,
isfinite, logical_and/or/not/xor, bitwise_and/or/xor/not (the operators ``& | ^ ~``), isclose,
and the whole-tensor answers allclose and equal.

None of these is differentiable: each returns a bool tensor (or a Python bool) that never
requires grad, as in PyTorch.
"""
import numpy as np

from .._shapes import broadcast_shapes
from ..tensor import Tensor
from .arithmetic import _array, compare, promote


def _tensor(op: str, name: str, v) -> Tensor:
    if not isinstance(v, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(v).__name__}")
    return v


def eq(input: Tensor, other) -> Tensor:
    """``input == other`` elementwise (``other`` a tensor or a number), as a bool tensor.

    Shape: the broadcast of both shapes.
    Raises: ValueError naming both shapes when they do not broadcast.

    Examples: ``nx.eq(nx.tensor([1, 2]), 2)`` is ``tensor([False,  True])``.
    """
    return compare("eq", _tensor("eq", "input", input), other)


def ne(input: Tensor, other) -> Tensor:
    """``input != other`` elementwise, as a bool tensor.  Shape: the broadcast of both shapes.

    Examples: ``nx.ne(x, y)``, ``x.ne(0)``.
    """
    return compare("ne", _tensor("ne", "input", input), other)


def lt(input: Tensor, other) -> Tensor:
    """``input < other`` elementwise, as a bool tensor.  Shape: the broadcast of both shapes.

    Examples: ``nx.lt(x, 0.5)``, ``x.lt(y)``.
    """
    return compare("lt", _tensor("lt", "input", input), other)


def le(input: Tensor, other) -> Tensor:
    """``input <= other`` elementwise, as a bool tensor.  Shape: the broadcast of both shapes.

    Examples: ``nx.le(x, y)``, ``x.le(1)``.
    """
    return compare("le", _tensor("le", "input", input), other)


def gt(input: Tensor, other) -> Tensor:
    """``input > other`` elementwise, as a bool tensor.  Shape: the broadcast of both shapes.

    Examples: ``nx.gt(x, 0)``, ``x.gt(y)``.
    """
    return compare("gt", _tensor("gt", "input", input), other)


def ge(input: Tensor, other) -> Tensor:
    """``input >= other`` elementwise, as a bool tensor.  Shape: the broadcast of both shapes.

    Examples: ``nx.ge(x, y)``, ``x.ge(0)``.
    """
    return compare("ge", _tensor("ge", "input", input), other)


def _float_test(op: str, test, input, fill: bool) -> Tensor:
    """``test`` (np.isnan, ...) on a floating ``input``; integers and bools are all ``fill``."""
    a = _tensor(op, "input", input).data
    if a.dtype.kind == "f":
        return Tensor._wrap(np.asarray(test(a)))
    return Tensor._wrap(np.full(a.shape, fill))


def isnan(input: Tensor) -> Tensor:
    """True where ``input`` is nan (never for integers).

    Shape: (*) -> (*), bool.

    Examples: ``nx.isnan(nx.tensor([1.0, float("nan")]))`` is ``tensor([False,  True])``.
    """
    return _float_test("isnan", np.isnan, input, False)


def isinf(input: Tensor) -> Tensor:
    """True where ``input`` is +inf or -inf (never for integers).

    Shape: (*) -> (*), bool.

    Examples: ``nx.isinf(nx.tensor([1.0, float("-inf")]))`` is ``tensor([False,  True])``.
    """
    return _float_test("isinf", np.isinf, input, False)


def isfinite(input: Tensor) -> Tensor:
    """True where ``input`` is neither nan nor infinite (always for integers).

    Shape: (*) -> (*), bool.

    Examples: ``nx.isfinite(nx.tensor([1.0, float("nan")]))`` is ``tensor([ True, False])``.
    """
    return _float_test("isfinite", np.isfinite, input, True)


def _logical(op: str, ufunc, input, other) -> Tensor:
    """``ufunc`` (np.logical_and, ...) on two tensors of any dtypes, nonzero counting as true."""
    a, b = _tensor(op, "input", input).data, _tensor(op, "other", other).data
    broadcast_shapes(op, a.shape, b.shape)
    return Tensor._wrap(np.asarray(ufunc(a, b)))


def logical_and(input: Tensor, other: Tensor) -> Tensor:
    """True where both ``input`` and ``other`` are nonzero (any dtypes).

    Shape: the broadcast of both shapes, bool.
    Raises: ValueError naming both shapes when they do not broadcast.

    Examples: ``nx.logical_and(nx.tensor([1, 0, 2]), nx.tensor([True, True, False]))`` is
        ``tensor([ True, False, False])``.
    """
    return _logical("logical_and", np.logical_and, input, other)


def logical_or(input: Tensor, other: Tensor) -> Tensor:
    """True where ``input`` or ``other`` is nonzero.  Shape: the broadcast of both, bool.

    Examples: ``nx.logical_or(mask_a, mask_b)``, ``a.logical_or(b)``.
    """
    return _logical("logical_or", np.logical_or, input, other)


def logical_xor(input: Tensor, other: Tensor) -> Tensor:
    """True where exactly one of ``input`` and ``other`` is nonzero.
    Shape: the broadcast of both, bool.

    Examples: ``nx.logical_xor(mask_a, mask_b)``.
    """
    return _logical("logical_xor", np.logical_xor, input, other)


def logical_not(input: Tensor) -> Tensor:
    """True where ``input`` is zero (any dtype).

    Shape: (*) -> (*), bool.

    Examples: ``nx.logical_not(nx.tensor([0, 3]))`` is ``tensor([ True, False])``.
    """
    return Tensor._wrap(np.logical_not(_tensor("logical_not", "input", input).data))


def _bitwise(op: str, ufunc, input, other) -> Tensor:
    """``ufunc`` (np.bitwise_and, ...) on bool or integer operands (a tensor and a tensor or an
    int), in their common dtype: on bools it is the logical op."""
    x, y = promote(op, input, other)
    a, b = _array(x), _array(y)
    for v in (a, b):
        if np.asarray(v).dtype.kind not in "biu":
            raise TypeError(f"{op}: needs bool or integer operands, got dtype "
                            f"{np.asarray(v).dtype} (shapes {np.shape(a)} and {np.shape(b)})")
    broadcast_shapes(op, np.shape(a), np.shape(b))
    return Tensor._wrap(np.asarray(ufunc(a, b)))


def bitwise_and(input: Tensor, other) -> Tensor:
    """Elementwise ``input & other`` for bool or integer tensors (logical and for bools).

    Shape: the broadcast of both shapes.  dtype: the common one.
    Raises: TypeError for floating operands.

    Examples: ``mask & (x > 0)``, ``nx.bitwise_and(nx.tensor([12]), 10)`` is ``tensor([8])``.
    """
    return _bitwise("bitwise_and", np.bitwise_and, input, other)


def bitwise_or(input: Tensor, other) -> Tensor:
    """Elementwise ``input | other`` for bool or integer tensors.  Shape: the broadcast of both.

    Examples: ``mask_a | mask_b``.
    """
    return _bitwise("bitwise_or", np.bitwise_or, input, other)


def bitwise_xor(input: Tensor, other) -> Tensor:
    """Elementwise ``input ^ other`` for bool or integer tensors.  Shape: the broadcast of both.

    Examples: ``mask_a ^ mask_b``.
    """
    return _bitwise("bitwise_xor", np.bitwise_xor, input, other)


def bitwise_not(input: Tensor) -> Tensor:
    """Elementwise ``~input``: logical not for bools, two's-complement not for integers.

    Shape: (*) -> (*), dtype kept.
    Raises: TypeError for a floating tensor.

    Examples: ``~mask``, ``nx.bitwise_not(nx.tensor([0]))`` is ``tensor([-1])``.
    """
    a = _tensor("bitwise_not", "input", input).data
    if a.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: needs a bool or integer tensor, got dtype {a.dtype} "
                        f"(shape {a.shape}); for a float mask use logical_not")
    return Tensor._wrap(np.asarray(np.invert(a)))


def _close(op: str, input, other, rtol, atol, equal_nan) -> np.ndarray:
    """isclose's bool array, for ``op`` (isclose or allclose): tensors of one dtype (PyTorch
    does not promote here) whose shapes broadcast, and tolerances >= 0."""
    a, b = _tensor(op, "input", input).data, _tensor(op, "other", other).data
    if a.dtype != b.dtype:
        raise RuntimeError(f"{op}: input has dtype {a.dtype} and other {b.dtype}; they must "
                           "match")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"{op}: rtol and atol must be >= 0, got rtol={rtol}, atol={atol}")
    broadcast_shapes(op, a.shape, b.shape)
    if a.dtype == np.bool_:  # no difference of bools: close means equal
        return np.asarray(a == b)
    return np.asarray(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """True where ``|input - other| <= atol + rtol * |other|`` elementwise (equal infinities
    are close; nan is close to nan only with ``equal_nan``).

    Args:  input, other: tensors of the same dtype.  rtol, atol: relative and absolute
        tolerances (>= 0).  equal_nan: count two nans as close.
    Shape: the broadcast of both shapes, bool.
    Raises: RuntimeError naming the dtypes when they differ, or for a negative tolerance;
        ValueError naming the shapes when they do not broadcast.

    Examples: ``nx.isclose(nx.tensor([1.0, 2.0]), nx.tensor([1.0 + 1e-9, 2.1]))`` is
        ``tensor([ True, False])``.
    """
    return Tensor._wrap(_close("isclose", input, other, rtol, atol, equal_nan))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element of ``input`` is close to ``other``'s (see ``isclose``).

    Shape: input and other broadcast together.
    Returns: a Python bool.
    Raises: as ``isclose``.

    Examples: ``nx.allclose(x, y, atol=1e-6)``.
    """
    return bool(_close("allclose", input, other, rtol, atol, equal_nan).all())


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether ``input`` and ``other`` have the same shape and the same elements (dtypes may
    differ; nan equals nothing, not even nan).

    Shape: any; different shapes give False.
    Returns: a Python bool.

    Examples: ``nx.equal(nx.tensor([1, 2]), nx.tensor([1.0, 2.0]))`` is True.
    """
    a, b = _tensor("equal", "input", input).data, _tensor("equal", "other", other).data
    return a.shape == b.shape and bool(np.array_equal(a, b))
