"""Tensor: a NumPy array, its gradient, and the graph node that produced it.

This file holds no math: every operator and method below calls a differentiable op from
``neurenix/core/ops``. The ops are imported at the bottom because they in turn build Tensors.
"""
import weakref

import numpy as np

from . import dtypes


class Tensor:
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

    __slots__ = ("data", "grad", "requires_grad", "_node", "_hooks", "__weakref__")
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
            target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.infer_dtype(data)
            array = np.array(data, dtype=target)
        self.data = array
        self.grad = None
        self.requires_grad = False
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
        t.requires_grad = False
        t._node = None
        t._hooks = None
        return t

    # ----- attributes -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (not by a recorded op)."""
        return self._node is None

    @property
    def grad_fn(self):
        """The graph node (a Function) that produced this tensor, or None for a leaf."""
        return self._node

    @property
    def T(self) -> "Tensor":
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim=None):
        """The shape, or its length along ``dim``."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self) -> int:
        return self.data.ndim

    def numel(self) -> int:
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
        return self.data.tolist()

    def detach(self) -> "Tensor":
        """The same array, cut from the graph."""
        return Tensor._wrap(self.data)

    def clone(self) -> "Tensor":
        """A copy that stays in the graph."""
        return _shape.clone(self)

    def to(self, dtype) -> "Tensor":
        """This tensor in ``dtype`` (differentiable; itself when the dtype already matches)."""
        return _arith.cast(self, dtype)

    def type(self, dtype) -> "Tensor":
        return self.to(dtype)

    def float(self) -> "Tensor":
        return self.to(dtypes.float32)

    def double(self) -> "Tensor":
        return self.to(dtypes.float64)

    def long(self) -> "Tensor":
        return self.to(dtypes.int64)

    def int(self) -> "Tensor":
        return self.to(dtypes.int32)

    def bool(self) -> "Tensor":
        return self.to(dtypes.bool_)

    # ----- autograd ---------------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and not dtypes.is_floating(self.data.dtype):
            raise RuntimeError(f"requires_grad: only floating tensors can require gradients, "
                               f"this one has dtype {self.dtype}")
        if not requires_grad and self._node is not None:
            raise RuntimeError("requires_grad_: cannot turn off requires_grad of a non-leaf; "
                               "use detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Accumulate the gradient of this tensor with respect to every leaf that requires grad
        into the leaf's ``.grad``. A non-scalar tensor needs ``gradient`` of its shape."""
        _autograd.backward(self, gradient, retain_graph)

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

    # ----- in-place updates (no graph: for optimizers, init and no_grad code) -------------------
    def _check_inplace(self, op: str) -> None:
        if self.requires_grad and _autograd._grad_enabled:
            raise RuntimeError(f"{op}: a tensor that requires grad cannot be changed in place "
                               "while grad mode is on; wrap the update in nx.no_grad()")

    def _other_array(self, other):
        """``other`` (a Tensor, array or number) as something NumPy combines with ``self.data``
        in place; the in-place ufunc casts it to this tensor's dtype."""
        return other.data if isinstance(other, Tensor) else other

    def copy_(self, src) -> "Tensor":
        self._check_inplace("copy_")
        src = np.asarray(self._other_array(src))
        _shapes.broadcast_shapes("copy_", src.shape, self.shape)
        self.data[...] = src
        return self

    def zero_(self) -> "Tensor":
        return self.fill_(0)

    def fill_(self, value) -> "Tensor":
        self._check_inplace("fill_")
        self.data.fill(value)
        return self

    def add_(self, other, alpha=1) -> "Tensor":
        self._check_inplace("add_")
        other = self._other_array(other)
        self.data += other if alpha == 1 else other * alpha
        return self

    def sub_(self, other, alpha=1) -> "Tensor":
        self._check_inplace("sub_")
        other = self._other_array(other)
        self.data -= other if alpha == 1 else other * alpha
        return self

    def mul_(self, other) -> "Tensor":
        self._check_inplace("mul_")
        self.data *= self._other_array(other)
        return self

    def div_(self, other) -> "Tensor":
        self._check_inplace("div_")
        self.data /= self._other_array(other)
        return self

    def clamp_(self, min=None, max=None) -> "Tensor":
        self._check_inplace("clamp_")
        np.clip(self.data, min, max, out=self.data)
        return self

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __setitem__(self, index, value) -> None:
        self._check_inplace("__setitem__")
        index = index.data if isinstance(index, Tensor) else index
        self.data[index] = self._other_array(value)

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

    # ----- methods ----------------------------------------------------------------------------
    def add(self, other):
        return _arith.add(self, other)

    def sub(self, other):
        return _arith.sub(self, other)

    def mul(self, other):
        return _arith.mul(self, other)

    def div(self, other):
        return _arith.div(self, other)

    def pow(self, exponent):
        return _arith.pow(self, exponent)

    def neg(self):
        return _arith.neg(self)

    def maximum(self, other):
        return _arith.maximum(self, other)

    def minimum(self, other):
        return _arith.minimum(self, other)

    def matmul(self, other):
        return _matmul.matmul(self, other)

    def exp(self):
        return _unary.exp(self)

    def log(self):
        return _unary.log(self)

    def sqrt(self):
        return _unary.sqrt(self)

    def abs(self):
        return _unary.abs(self)

    def clamp(self, min=None, max=None):
        return _unary.clamp(self, min, max)

    clip = clamp

    def relu(self):
        return _act.relu(self)

    def sigmoid(self):
        return _act.sigmoid(self)

    def tanh(self):
        return _act.tanh(self)

    def softmax(self, dim):
        return _act.softmax(self, dim)

    def log_softmax(self, dim):
        return _act.log_softmax(self, dim)

    def sum(self, dim=None, keepdim=False):
        return _reduce.sum(self, dim, keepdim)

    def mean(self, dim=None, keepdim=False):
        return _reduce.mean(self, dim, keepdim)

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None):
        return _reduce.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None):
        return _reduce.std(self, dim, unbiased, keepdim, correction=correction)

    def max(self, dim=None, keepdim=False):
        return _reduce.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return _reduce.min(self, dim, keepdim)

    def amax(self, dim=None, keepdim=False):
        return _reduce.amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        return _reduce.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return _reduce.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _reduce.argmin(self, dim, keepdim)

    def logsumexp(self, dim, keepdim=False):
        return _reduce.logsumexp(self, dim, keepdim)

    def reshape(self, *shape):
        return _shape.reshape(self, *shape)

    def view(self, *shape):
        return _shape.reshape(self, *shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return _shape.flatten(self, start_dim, end_dim)

    def transpose(self, dim0, dim1):
        return _shape.transpose(self, dim0, dim1)

    def permute(self, *dims):
        return _shape.permute(self, *dims)

    def t(self):
        return _shape.transpose(self, 0, 1) if self.ndim == 2 else self

    def unsqueeze(self, dim):
        return _shape.unsqueeze(self, dim)

    def squeeze(self, dim=None):
        return _shape.squeeze(self, dim)

    def expand(self, *sizes):
        return _shape.expand(self, *sizes)

    def expand_as(self, other):
        return _shape.expand(self, *other.shape)

    def reshape_as(self, other):
        return _shape.reshape(self, *other.shape)

    view_as = reshape_as

    def contiguous(self):
        return self

    def chunk(self, chunks, dim=0):
        return _shape.chunk(self, chunks, dim)

    def split(self, split_size, dim=0):
        return _shape.split(self, split_size, dim)


class _HookHandle:
    __slots__ = ("hooks", "hook")

    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self) -> None:
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)


from . import _shapes  # noqa: E402  (the ops below build Tensors, so they come after the class)
from . import autograd as _autograd  # noqa: E402
from .ops import activation as _act  # noqa: E402
from .ops import arithmetic as _arith  # noqa: E402
from .ops import index as _index  # noqa: E402
from .ops import matmul as _matmul  # noqa: E402
from .ops import reduce as _reduce  # noqa: E402
from .ops import shape as _shape  # noqa: E402
from .ops import unary as _unary  # noqa: E402
