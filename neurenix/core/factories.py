"""Functions that make tensors: from data, filled with a value, random, or a range.

Each takes ``dtype=`` (default float32 for floating results: ``nx.get_default_dtype()``) and,
except for the integer ones, ``requires_grad=`` (which needs a floating dtype). Sizes are given
as ``zeros(2, 3)`` or ``zeros((2, 3))``, as in PyTorch; a negative size raises a ValueError
naming the op and the size. ``generator`` is a ``numpy.random.Generator``; by default neurenix's
one generator (seeded by ``nx.manual_seed``).
"""
import numpy as np

from . import dtypes, placeholders, random
from ._shapes import int_args
from .tensor import Tensor


def _size(op: str, size) -> tuple:
    """The shape given as ``f(2, 3)`` or ``f((2, 3))``, checked to be non-negative integers."""
    size = int_args(op, "size", size)
    if any(s < 0 for s in size):
        raise ValueError(f"{op}: size {size} has a negative dimension")
    return size


def _filled(op: str, size, value, dtype: np.dtype) -> np.ndarray:
    """A new array of ``size`` filled with ``value``; while ``nx.load`` rebuilds a module, a
    placeholder of it (see placeholders.py), since the file's tensor replaces it."""
    shape = _size(op, size)
    if placeholders.enabled():
        return placeholders.placeholder(shape, value, dtype)
    return np.full(shape, value, dtype)


def _make(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(array)
    return t.requires_grad_(True) if requires_grad else t


def _float(dtype) -> np.dtype:
    return dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()


def tensor(data, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """A new tensor copied from ``data`` (nested lists, an array, a number or a Tensor).

    Shape: that of ``data``.  dtype: ``dtype``, else inferred: Python floats the default float
    (float32), ints int64, bools bool; NumPy arrays keep theirs.
    """
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def zeros(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of shape ``size``, in ``dtype`` (default float32)."""
    return _make(_filled("zeros", size, 0, _float(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of shape ``size``, in ``dtype`` (default float32)."""
    return _make(_filled("ones", size, 1, _float(dtype)), requires_grad)


def full(size, fill_value, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` (a tuple or an int) filled with ``fill_value``; the dtype is
    inferred from it as in PyTorch (float -> float32, int -> int64, bool -> bool) unless
    given."""
    dtype = dtypes.as_dtype(dtype) if dtype is not None else dtypes.infer_dtype(fill_value)
    return _make(_filled("full", (size,), fill_value, dtype), requires_grad)


def empty(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` in ``dtype`` (default float32); neurenix fills it with zeros,
    so nothing is undefined."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def zeros_like(x: Tensor, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``x``'s shape and dtype (or ``dtype``)."""
    return _make(np.zeros(x.shape, dtypes.as_dtype(dtype) if dtype else x.dtype), requires_grad)


def ones_like(x: Tensor, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """Ones with ``x``'s shape and dtype (or ``dtype``)."""
    return _make(np.ones(x.shape, dtypes.as_dtype(dtype) if dtype else x.dtype), requires_grad)


def full_like(x: Tensor, fill_value, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` with ``x``'s shape and dtype (or ``dtype``)."""
    return _make(np.full(x.shape, fill_value, dtypes.as_dtype(dtype) if dtype else x.dtype),
                 requires_grad)


def rand(*size, dtype=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Uniform samples from [0, 1) of shape ``size``, in ``dtype`` (default float32)."""
    gen = generator or random.default_generator()
    return _make(gen.random(_size("rand", size)).astype(_float(dtype)), requires_grad)


def randn(*size, dtype=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Standard normal samples of shape ``size``, in ``dtype`` (default float32)."""
    gen = generator or random.default_generator()
    return _make(gen.standard_normal(_size("randn", size)).astype(_float(dtype)), requires_grad)


def randint(low, high=None, size=None, *, dtype=None, generator=None) -> Tensor:
    """Integers from [low, high) of shape ``size`` (a tuple or an int), int64 unless ``dtype`` says
    otherwise; ``randint(high, size)`` draws from [0, high), as torch.randint.

    Raises: TypeError when no size is given.
    """
    if size is None:
        if not isinstance(high, (tuple, list)):
            raise TypeError("randint: size is required, as in randint(low, high, size) or "
                            "randint(high, size)")
        low, high, size = 0, low, high
    gen = generator or random.default_generator()
    return Tensor._wrap(gen.integers(low, high, size=_size("randint", (size,))).astype(
        dtypes.as_dtype(dtype) if dtype else dtypes.int64))


def randperm(n: int, *, generator=None) -> Tensor:
    """A random permutation of 0 .. n-1: shape (n,), int64."""
    gen = generator or random.default_generator()
    return Tensor._wrap(gen.permutation(int(n)).astype(np.int64))


def arange(start, end=None, step=1, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; ``arange(n)`` is 0 .. n-1.

    Shape: (ceil((end - start) / step),).  dtype: ``dtype``, else int64 when all three are ints
    and the default float (float32) otherwise.
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError(f"arange: step must be nonzero, got start={start}, end={end}, step=0")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if ints else dtypes.get_default_dtype()
    return _make(np.arange(start, end, step).astype(dtypes.as_dtype(dtype)), requires_grad)


def linspace(start, end, steps: int, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive: shape (steps,),
    in ``dtype`` (default float32)."""
    return _make(np.linspace(start, end, int(steps)).astype(_float(dtype)), requires_grad)
