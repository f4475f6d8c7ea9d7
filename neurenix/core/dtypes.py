"""The dtype policy, decided in one place.

float32 is the default; float64 is kept end to end when asked for. Python and
NumPy scalars take the dtype of the tensor they meet, so ``x * 2`` never
promotes a float32 tensor. Tensor-with-tensor arithmetic promotes as PyTorch
does: the wider float wins, and any float beats any integer or bool.
"""
import numpy as np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
bool_ = np.dtype(np.bool_)

# PyTorch's other names. ``nx.float`` (float32), ``nx.int`` (int32) and ``nx.bool`` are given in
# core/__init__.py: named so here they would hide the builtins this module uses.
half = float16
double = float64
long = int64

_default_dtype = float32


def get_default_dtype() -> np.dtype:
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Make ``dtype`` (float32 or float64) the dtype of new floating tensors."""
    global _default_dtype
    dtype = as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dtype}")
    _default_dtype = dtype


def as_dtype(dtype) -> np.dtype:
    """Normalise a neurenix / NumPy / Python dtype spelling to a NumPy dtype."""
    if dtype is float:
        return _default_dtype
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype: {dtype!r} is not a dtype") from None


def is_floating(dtype: np.dtype) -> bool:
    """True for the float dtypes (float16/32/64): the only ones that can require grad."""
    return dtype.kind == "f"


def _category(dtype: np.dtype) -> int:
    return 2 if dtype.kind == "f" else 0 if dtype.kind == "b" else 1


def result_dtype(a: np.dtype, b: np.dtype, a_0d: bool = False, b_0d: bool = False) -> np.dtype:
    """Promotion of two tensor dtypes: floats beat integers (int64 + float32 is float32, as in
    PyTorch, where NumPy would say float64); otherwise NumPy's rule.

    ``a_0d`` / ``b_0d`` say a 0-d tensor meets one with dimensions. As in PyTorch it then acts
    as a scalar and decides the dtype only from a higher category (bool < integer < float):
    float32 with a 0-d float64 stays float32, int32 with a 0-d float64 is float64.
    """
    if a == b:
        return a
    if a_0d != b_0d:
        zero_d, other = (a, b) if a_0d else (b, a)
        return zero_d if _category(zero_d) > _category(other) else other
    if a.kind == "f" and b.kind != "f":
        return a
    if b.kind == "f" and a.kind != "f":
        return b
    return np.result_type(a, b)


def infer_dtype(data) -> np.dtype:
    """dtype of a tensor made from ``data``: NumPy arrays keep theirs, Python floats become the
    default dtype, Python ints int64 and bools bool."""
    if isinstance(data, np.ndarray):
        return data.dtype
    if isinstance(data, np.generic):
        return data.dtype
    arr = np.asarray(data)
    if arr.dtype.kind == "f":
        return _default_dtype
    if arr.dtype.kind in "iu":
        return int64
    return arr.dtype
