"""Tensor: a NumPy array, its gradient, and the graph node that produced it.

This file holds no math: every operator and method below calls a differentiable op from
``neurenix/core/ops``. The ops are imported at the bottom because they in turn build Tensors.
"""
import weakref

import numpy as np

from . import device as _device
from . import dtypes
from .tensor_methods import (CreationMethods, ElementwiseMethods, IndexMethods, InplaceMethods,
                             LogicalMethods, MathMethods, ReductionMethods, ShapeMethods)


class Tensor(ElementwiseMethods, MathMethods, LogicalMethods, ReductionMethods, ShapeMethods,
             IndexMethods, InplaceMethods, CreationMethods):
    """An n-dimensional array that can record the ops applied to it for backpropagation.

    Args:
        data: array-like (nested lists, a NumPy array, a scalar) or None. Python floats become
            the default dtype (float32), Python ints int64, NumPy arrays keep their dtype.
        shape: with ``data=None``, make a tensor of zeros of this shape.
        dtype: convert to this dtype (``nx.float32``, ``nx.float64`` or any NumPy dtype).
        requires_grad: record ops on this tensor so ``backward`` fills its ``.grad``. Only
            floating tensors can require grad.

    Shape: any; ``Tensor(shape=(1, 3, 224, 224))`` is a zero image batch.
    """

    __slots__ = ("data", "grad", "_requires_grad", "_node", "_hooks", "__weakref__")
    __array_ufunc__ = None  # np.float32(2) * t must call Tensor.__rmul__, not NumPy's multiply

    def __init__(self, data=None, *, shape=None, dtype=None, requires_grad=False):
        if data is None:
            if shape is None:
                raise ValueError("Tensor: give data or shape=")
            dtype = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(dtype)
            array = np.zeros(tuple(shape), dtype=dtype)
        else:
            if shape is not None:
                raise ValueError("Tensor: give either data or shape=, not both")
            if isinstance(data, Tensor):
                data = data.data
            try:
                target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.infer_dtype(data)
                array = np.array(data, dtype=target)
            except ValueError as e:  # ragged nested lists, or a string for a number
                raise ValueError(f"Tensor: cannot make a tensor from {type(data).__name__} "
                                 f"data: {e}") from None
            if array.dtype.kind not in "biuf":
                raise TypeError(f"Tensor: data must be numbers or bools, got dtype {array.dtype} "
                                f"from {type(data).__name__}")
        self._adopt(array, requires_grad)

    def _adopt(self, array: np.ndarray, requires_grad: bool) -> None:
        """Make this new tensor (or Parameter) hold ``array``, uncopied, with no graph."""
        self.data = array
        self.grad = None
        self._requires_grad = False
        self._node = None
        self._hooks = None
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array: np.ndarray) -> "Tensor":
        """A tensor around ``array`` (no copy, no checks): the fast path ops use."""
        t = object.__new__(Tensor)
        t.data = array
        t.grad = None
        t._requires_grad = False
        t._node = None
        t._hooks = None
        return t

    # ----- attributes -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        """The shape, a tuple of ints (``size()`` without a dim)."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the elements (``nx.float32`` by default for floats)."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """The number of axes: 0 for a scalar tensor."""
        return self.data.ndim

    @property
    def requires_grad(self) -> bool:
        """Whether ops on this tensor are recorded so ``backward`` can reach it. Setting it is
        ``requires_grad_``: only floating tensors may require grad."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by a recorded op)."""
        return self._node is None

    @property
    def grad_fn(self):
        """The graph node (a Function) that produced this tensor, or None for a leaf."""
        return self._node

    def size(self, dim=None):
        """The shape, or its length along ``dim``."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self) -> int:
        """The number of axes, as ``ndim``."""
        return self.data.ndim

    def numel(self) -> int:
        """The number of elements, the product of ``shape``."""
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    # __eq__ is elementwise, so hashing must be restored explicitly: by identity, as in PyTorch
    # (the C-level object.__hash__, as the backward walk keys a dict by leaf tensors).
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = f", size={self.shape}" if self.data.size == 0 and self.ndim != 1 else ""
        if self.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool_):
            extra += f", dtype={self.dtype}"  # as PyTorch: the dtypes data infers go unsaid
        if self._node is not None:
            extra += f", grad_fn=<{type(self._node).__name__}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(f"bool() of a tensor with {self.data.size} elements is ambiguous")
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(f"only integer tensors of one element can be used as an index, "
                            f"got dtype {self.dtype} and shape {self.shape}")
        return int(self.data)

    # ----- conversion -------------------------------------------------------------------------
    def item(self):
        """The Python number held by a one-element tensor."""
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to a Python "
                             f"number, the tensor has shape {self.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied), like torch's ``Tensor.numpy``."""
        return self.data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """``np.asarray(t)``, and nested lists of tensors in ``nx.tensor``, see the array."""
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def tolist(self):
        """The elements as nested Python lists (a Python number for a 0-d tensor)."""
        return self.data.tolist()

    def detach(self) -> "Tensor":
        """The same array, cut from the graph."""
        return Tensor._wrap(self.data)

    def clone(self) -> "Tensor":
        """A copy that stays in the graph."""
        return _shape.clone(self)

    @property
    def device(self):
        """Where the tensor lives: always ``nx.device("cpu")``, as neurenix runs on the CPU."""
        return _device.CPU

    def cpu(self) -> "Tensor":
        """This tensor itself: it is on the CPU already."""
        return self

    def cuda(self, device=None, non_blocking: bool = False) -> "Tensor":
        """Refused with a RuntimeError: neurenix runs on the CPU only."""
        raise RuntimeError(f"cuda: neurenix runs on the CPU only; the tensor of shape "
                           f"{self.shape} stays there (use .to('cpu') or leave it)")

    def to(self, *args, dtype=None, device=None, non_blocking: bool = False,
           copy: bool = False) -> "Tensor":
        """This tensor in another dtype (differentiable), on the CPU: PyTorch's three forms.

        Args:
            args: ``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(other)`` (a
                tensor whose dtype to take).
            dtype, device: the same as keywords; the device must be the CPU.
            non_blocking: accepted and ignored (there is no transfer to wait for).
            copy: return a new tensor even when nothing changes (a differentiable clone).
        Returns: this tensor itself when the dtype already matches and ``copy`` is False.
        Raises: RuntimeError naming any device but the CPU; TypeError for more than two
            positional arguments.

        Examples: ``x.to(nx.float64)``, ``x.to("cpu")``, ``x.to(device="cpu", dtype=nx.float16)``,
            ``x.to(y)``.
        """
        dtype = _device.to_dtype("to", args, dtype, device,
                                 lambda a: a.dtype if isinstance(a, Tensor) else None)
        out = self if dtype is None else _arith.cast(self, dtype)
        return _shape.clone(out) if copy and out is self else out

    def type(self, dtype) -> "Tensor":
        """This tensor in ``dtype``; see ``to``."""
        return self.to(dtype)

    def float(self) -> "Tensor":
        """This tensor as float32; see ``to``."""
        return self.to(dtypes.float32)

    def double(self) -> "Tensor":
        """This tensor as float64; see ``to``."""
        return self.to(dtypes.float64)

    def long(self) -> "Tensor":
        """This tensor as int64 (out of the graph: integers carry no gradient); see ``to``."""
        return self.to(dtypes.int64)

    def int(self) -> "Tensor":
        """This tensor as int32 (out of the graph: integers carry no gradient); see ``to``."""
        return self.to(dtypes.int32)

    def bool(self) -> "Tensor":
        """This tensor as bool (out of the graph); see ``to``."""
        return self.to(dtypes.bool_)

    # ----- autograd ---------------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set ``requires_grad`` in place and return this tensor.

        Raises: RuntimeError for a non-floating dtype, or when turning it off on a
            non-leaf (use ``detach``).
        """
        if requires_grad and not dtypes.is_floating(self.data.dtype):
            raise RuntimeError(f"requires_grad: only floating tensors can require gradients, "
                               f"this one has dtype {self.dtype}")
        if not requires_grad and self._node is not None:
            raise RuntimeError("requires_grad_: cannot turn off requires_grad of a non-leaf; "
                               "use detach()")
        self._requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient=None, retain_graph=None, create_graph: bool = False,
                 inputs=None) -> None:
        """Accumulate the gradient of this tensor with respect to every leaf that requires grad
        (or only ``inputs``) into its ``.grad``. A non-scalar tensor needs ``gradient`` of its
        shape. With ``create_graph=True`` the gradients carry a graph of their own, so they can
        be differentiated again; see ``nx.autograd.backward``."""
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in ``.grad`` during backward."""
        if self._node is not None:
            self._node.retained = weakref.ref(self)
        elif not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")

    def register_hook(self, hook):
        """Call ``hook(grad)`` with this tensor's gradient during backward; a returned tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: the tensor does not require grad")
        if self._node is not None:
            if self._node.hooks is None:
                self._node.hooks = []
            hooks = self._node.hooks
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    # ----- operators --------------------------------------------------------------------------
    def __add__(self, other):
        return _arith.add(self, other)

    def __radd__(self, other):
        return _arith.add(other, self)

    def __sub__(self, other):
        return _arith.sub(self, other)

    def __rsub__(self, other):
        return _arith.sub(other, self)

    def __mul__(self, other):
        return _arith.mul(self, other)

    def __rmul__(self, other):
        return _arith.mul(other, self)

    def __truediv__(self, other):
        return _arith.div(self, other)

    def __rtruediv__(self, other):
        return _arith.div(other, self)

    def __pow__(self, other):
        return _arith.pow(self, other)

    def __rpow__(self, other):
        return _arith.pow(other, self)

    def __neg__(self):
        return _arith.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _unary.abs(self)

    def __matmul__(self, other):
        return _matmul.matmul(self, other)

    def __rmatmul__(self, other):
        return _matmul.matmul(other, self)

    def __getitem__(self, index):
        return _index.getitem(self, index)

    def __lt__(self, other):
        return _arith.compare("lt", self, other)

    def __le__(self, other):
        return _arith.compare("le", self, other)

    def __gt__(self, other):
        return _arith.compare("gt", self, other)

    def __ge__(self, other):
        return _arith.compare("ge", self, other)

    def __eq__(self, other):
        if other is None:  # Python then compares identities: x == None is False, as PyTorch
            return NotImplemented
        return _arith.compare("eq", self, other)

    def __ne__(self, other):
        if other is None:
            return NotImplemented
        return _arith.compare("ne", self, other)



class _HookHandle:
    __slots__ = ("hooks", "hook")

    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        """Unregister the hook; removing it twice is harmless."""
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


from . import autograd as _autograd  # noqa: E402  (the ops below build Tensors: after the class)
from .ops import activation, conv, interpolate, pad, pool  # noqa: E402,F401  (loaded for the methods)
from .ops import gather, norm, scan, sort, truth  # noqa: E402,F401  (loaded for the methods)
from .ops import arithmetic as _arith  # noqa: E402
from .ops import index as _index  # noqa: E402
from .ops import matmul as _matmul  # noqa: E402
from .ops import reduce as _reduce  # noqa: E402
from .ops import shape as _shape  # noqa: E402
from .ops import unary as _unary  # noqa: E402
from .ops import tile, views  # noqa: E402,F401  (loaded for the methods)
from .ops import exp_log, lerp, logical, powers  # noqa: E402,F401  (loaded for the methods)
from .ops import rounding, triangular, trig  # noqa: E402,F401  (loaded for the methods)
