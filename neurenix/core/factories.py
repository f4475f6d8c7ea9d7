"""Functions that make tensors: from data, filled with a value, random, a range, an identity, a
grid; and the tests ``is_tensor``.

Each takes ``dtype=`` (default float32 for floating results: ``nx.get_default_dtype()``),
``device=`` (the CPU, the only device neurenix has: anything else is refused with an error
naming it) and, except for the integer ones, ``requires_grad=`` (which needs a floating dtype).
Sizes are given as ``zeros(2, 3)`` or ``zeros((2, 3))``, as in PyTorch; a negative size raises a
ValueError naming the op and the size. ``generator`` is a ``numpy.random.Generator``; by default
neurenix's one generator (seeded by ``nx.manual_seed``).
"""
import numpy as np

from . import dtypes, placeholders, random
from ._shapes import int_args
from .device import as_device
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


def _make(op: str, array: np.ndarray, device, requires_grad: bool) -> Tensor:
    """A new tensor around ``array`` on ``device`` (checked: the CPU), requiring grad if asked."""
    if device is not None:
        as_device(op, device)
    t = Tensor._wrap(array)
    return t.requires_grad_(True) if requires_grad else t


def _float(dtype) -> np.dtype:
    return dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()


def _random_dtype(op: str, dtype) -> np.dtype:
    """``dtype`` (default float32) for uniform or normal samples: floating only, as PyTorch."""
    dtype = _float(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{op}: samples need a floating dtype, got {dtype}")
    return dtype


def _like(x: Tensor, dtype) -> np.dtype:
    return x.dtype if dtype is None else dtypes.as_dtype(dtype)


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor copied from ``data`` (nested lists, an array, a number or a Tensor).

    Shape: that of ``data``.  dtype: ``dtype``, else inferred: Python floats the default float
    (float32), ints int64, bools bool; NumPy arrays keep theirs.

    Examples: ``nx.tensor([[1.0, 2.0]], requires_grad=True)``, ``nx.tensor(3)``.
    """
    if device is not None:
        as_device("tensor", device)
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, without a copy where possible: a Tensor of the right dtype is
    returned itself (another dtype: the differentiable ``data.to(dtype)``), a NumPy array of a
    supported dtype is shared (writes to one show in the other), anything else is copied as
    ``nx.tensor`` does.

    Shape: that of ``data``.  dtype: ``dtype``, else that of ``data`` (NumPy arrays keep theirs).

    Examples: ``nx.as_tensor(np.arange(3.0))`` (float64, shared), ``nx.as_tensor([1, 2])``.
    """
    if device is not None:
        as_device("as_tensor", device)
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if (isinstance(data, np.ndarray) and data.dtype.kind in "biuf" and data.dtype.isnative
            and dtype in (None, data.dtype)):
        return Tensor._wrap(data)
    return Tensor(data, dtype=dtype)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor that shares ``ndarray``'s memory: writes to either show in the other (as
    ``torch.from_numpy``). The dtype is the array's (float64 stays float64).

    Shape: that of ``ndarray``.
    Raises: TypeError for anything but an ndarray of bools, integers or floats; ValueError for
        a non-native byte order.

    Examples: ``a = np.zeros(3); t = nx.from_numpy(a); a[0] = 1`` makes ``t[0]`` 1 too.
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(ndarray).__name__}")
    if ndarray.dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: cannot share an array of dtype {ndarray.dtype}; the "
                        "supported dtypes are bool, integers and floats")
    if not ndarray.dtype.isnative:
        raise ValueError(f"from_numpy: the array's byte order ({ndarray.dtype.str}) is not the "
                         "machine's; convert it with ndarray.astype(ndarray.dtype.newbyteorder("
                         "'='))")
    return Tensor._wrap(ndarray)


def is_tensor(obj) -> bool:
    """True when ``obj`` is a neurenix Tensor (a Parameter included).

    Shape: ``obj`` may be anything; returns a Python bool.

    Examples: ``nx.is_tensor(nx.zeros(2))`` is True, ``nx.is_tensor(np.zeros(2))`` False.
    """
    return isinstance(obj, Tensor)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of shape ``size``, in ``dtype`` (default float32).

    Shape: ``size``.

    Examples: ``nx.zeros(2, 3)``, ``nx.zeros((2, 3), dtype=nx.int64)``.
    """
    return _make("zeros", _filled("zeros", size, 0, _float(dtype)), device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of shape ``size``, in ``dtype`` (default float32).

    Shape: ``size``.

    Examples: ``nx.ones(4)``, ``nx.ones(2, 2, device="cpu")``.
    """
    return _make("ones", _filled("ones", size, 1, _float(dtype)), device, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` (a tuple or an int) filled with ``fill_value``; the dtype is
    inferred from it as in PyTorch (float -> float32, int -> int64, bool -> bool) unless
    given.

    Shape: ``size``.

    Examples: ``nx.full((2, 2), 1.5)``, ``nx.full((3,), 7)`` (int64).
    """
    dtype = dtypes.as_dtype(dtype) if dtype is not None else dtypes.infer_dtype(fill_value)
    return _make("full", _filled("full", (size,), fill_value, dtype), device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of shape ``size`` in ``dtype`` (default float32); neurenix fills it with zeros,
    so nothing is undefined.

    Shape: ``size``.

    Examples: ``nx.empty(2, 3)``.
    """
    return _make("empty", _filled("empty", size, 0, _float(dtype)), device, requires_grad)


def eye(n: int, m=None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The identity matrix: ones on the main diagonal, zeros elsewhere.

    Args:  n: the number of rows.  m: the number of columns (default ``n``).
    Shape: (n, m).  dtype: ``dtype`` (default float32).

    Examples: ``nx.eye(3)``, ``nx.eye(2, 3, dtype=nx.int64)``.
    """
    n, m = _size("eye", (n, n if m is None else m))
    return _make("eye", np.eye(n, m, dtype=_float(dtype)), device, requires_grad)


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``input``'s shape and dtype (or ``dtype``).

    Shape: that of ``input``.

    Examples: ``nx.zeros_like(x)``.
    """
    return _make("zeros_like", np.zeros(input.shape, _like(input, dtype)), device,
                 requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones with ``input``'s shape and dtype (or ``dtype``).

    Shape: that of ``input``.

    Examples: ``nx.ones_like(x, dtype=nx.float64)``.
    """
    return _make("ones_like", np.ones(input.shape, _like(input, dtype)), device, requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` with ``input``'s shape and dtype (or ``dtype``).

    Shape: that of ``input``.

    Examples: ``nx.full_like(x, 3.0)``.
    """
    return _make("full_like", np.full(input.shape, fill_value, _like(input, dtype)), device,
                 requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor with ``input``'s shape and dtype (or ``dtype``); neurenix fills it with zeros.

    Shape: that of ``input``.

    Examples: ``nx.empty_like(x)``.
    """
    return _make("empty_like", np.zeros(input.shape, _like(input, dtype)), device,
                 requires_grad)


def rand(*size, dtype=None, device=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Uniform samples from [0, 1) of shape ``size``, in ``dtype`` (default float32).

    Shape: ``size``.
    Raises: TypeError for an integer or bool dtype, as PyTorch.

    Examples: ``nx.rand(2, 3)``.
    """
    gen = generator or random.default_generator()
    return _make("rand", gen.random(_size("rand", size)).astype(_random_dtype("rand", dtype)),
                 device, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Standard normal samples of shape ``size``, in ``dtype`` (default float32).

    Shape: ``size``.
    Raises: TypeError for an integer or bool dtype, as PyTorch.

    Examples: ``nx.randn(4, 3, dtype=nx.float64)``.
    """
    gen = generator or random.default_generator()
    return _make("randn", gen.standard_normal(_size("randn", size)).astype(
        _random_dtype("randn", dtype)), device, requires_grad)


def rand_like(input: Tensor, *, generator=None, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    """Uniform samples from [0, 1) with ``input``'s shape and dtype (or ``dtype``: floating).

    Shape: that of ``input``.
    Raises: TypeError for an integer or bool dtype, as PyTorch.

    Examples: ``nx.rand_like(x)``.
    """
    gen = generator or random.default_generator()
    dtype = _random_dtype("rand_like", _like(input, dtype))
    return _make("rand_like", gen.random(input.shape).astype(dtype), device, requires_grad)


def randn_like(input: Tensor, *, generator=None, dtype=None, device=None,
               requires_grad: bool = False) -> Tensor:
    """Standard normal samples with ``input``'s shape and dtype (or ``dtype``: floating).

    Shape: that of ``input``.
    Raises: TypeError for an integer or bool dtype, as PyTorch.

    Examples: ``noise = nx.randn_like(x)``.
    """
    gen = generator or random.default_generator()
    dtype = _random_dtype("randn_like", _like(input, dtype))
    return _make("randn_like", gen.standard_normal(input.shape).astype(dtype), device,
                 requires_grad)


def randint(low, high=None, size=None, *, dtype=None, device=None, generator=None) -> Tensor:
    """Integers from [low, high) of shape ``size`` (a tuple or an int), int64 unless ``dtype`` says
    otherwise; ``randint(high, size)`` draws from [0, high), as torch.randint.

    Shape: ``size``.
    Raises: TypeError when no size is given.

    Examples: ``nx.randint(0, 10, (3,))``, ``nx.randint(5, (2, 2))``.
    """
    if size is None:
        if not isinstance(high, (tuple, list)):
            raise TypeError("randint: size is required, as in randint(low, high, size) or "
                            "randint(high, size)")
        low, high, size = 0, low, high
    gen = generator or random.default_generator()
    return _make("randint", gen.integers(low, high, size=_size("randint", (size,))).astype(
        dtypes.as_dtype(dtype) if dtype is not None else dtypes.int64), device, False)


def randperm(n: int, *, generator=None, device=None) -> Tensor:
    """A random permutation of 0 .. n-1, int64.

    Shape: (n,).

    Examples: ``nx.randperm(5)``.
    """
    gen = generator or random.default_generator()
    return _make("randperm", gen.permutation(int(n)).astype(np.int64), device, False)


def arange(start, end=None, step=1, *, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Values from ``start`` to ``end`` (exclusive) by ``step``; ``arange(n)`` is 0 .. n-1.

    Shape: (ceil((end - start) / step),).  dtype: ``dtype``, else int64 when all three are ints
    and the default float (float32) otherwise.

    Examples: ``nx.arange(5)``, ``nx.arange(0.0, 1.0, 0.25)``.
    """
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError(f"arange: step must be nonzero, got start={start}, end={end}, step=0")
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if ints else dtypes.get_default_dtype()
    return _make("arange", np.arange(start, end, step).astype(dtypes.as_dtype(dtype)), device,
                 requires_grad)


def linspace(start, end, steps: int, *, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive, in ``dtype``
    (default float32).

    Shape: (steps,).

    Examples: ``nx.linspace(0, 1, 5)``.
    """
    return _make("linspace", np.linspace(start, end, int(steps)).astype(_float(dtype)), device,
                 requires_grad)


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids from 1-d tensors: output k repeats ``tensors[k]`` along every other
    dimension. Differentiable (each output is an ``expand`` of its input).

    Args:
        tensors: 0-d or 1-d tensors of one dtype, as arguments or one list (a 0-d tensor counts
            as one element).
        indexing: ``"ij"`` (the default, as PyTorch's): dimension k is tensor k's;
            ``"xy"`` (NumPy's and MATLAB's): the first two dimensions are swapped, so for
            ``x``, ``y`` the grids have shape (len(y), len(x)).
    Shape: N tensors of lengths n1..nN -> N tensors of shape (n1, ..., nN) ("ij") or
        (n2, n1, n3, ..., nN) ("xy").
    Returns: a tuple of tensors (read-only broadcast views, as PyTorch's expanded views).
    Raises: ValueError for no tensors, a tensor of 2 or more dimensions (naming its shape),
        or another indexing; TypeError for mixed dtypes.

    Examples: ``xs, ys = nx.meshgrid(nx.arange(3), nx.arange(2), indexing="xy")`` (each (2, 3)).
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise ValueError("meshgrid: expects at least one tensor")
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"meshgrid: tensor {i} is a {type(t).__name__}, not a Tensor")
        if t.ndim > 1:
            raise ValueError(f"meshgrid: expects 0-d or 1-d tensors, tensor {i} has shape "
                             f"{t.shape}")
        if t.dtype != tensors[0].dtype:
            raise TypeError(f"meshgrid: expects tensors of one dtype, tensor 0 has "
                            f"{tensors[0].dtype} and tensor {i} {t.dtype}")
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        axes[0], axes[1] = 1, 0  # tensor 0 varies along dimension 1, tensor 1 along 0
    shape = [0] * len(tensors)
    for t, axis in zip(tensors, axes):
        shape[axis] = t.numel()
    grids = []
    for t, axis in zip(tensors, axes):
        view = [1] * len(tensors)
        view[axis] = t.numel()
        grids.append(t.reshape(view).expand(shape))
    return tuple(grids)
