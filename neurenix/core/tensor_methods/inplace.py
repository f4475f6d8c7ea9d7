"""In-place updates: ``add_``, ``mul_``, ``x += y``, ``x[i] = v``, ``relu_``...

Each update has two paths. When no graph is recorded (grad mode off, as in an optimizer step,
or no tensor involved requires grad) it writes straight into the tensor's array with NumPy, the
fast path. When a graph is recorded (a residual block's ``out += identity``), the same change
is computed out of place by the differentiable op, from a snapshot of the tensor as it was, and
the result is written back into the tensor's array; the tensor then stands for that op's output
in the graph, as in PyTorch. Either way the memory's version is bumped (``versions.py``), so a
backward that saved the old values refuses to run with the new ones.
"""
import numpy as np

from .. import ops as _ops
from .. import versions
from .._grad_state import state as _grad_state
from ..tracing import slot as _tracing


class InplaceMethods:
    """Mixed into ``Tensor``."""

    __slots__ = ()

    def _records(self, *others) -> bool:
        """Whether an in-place update of this tensor with ``others`` must be recorded: in a
        graph, or in an exporter's trace, which sees only ops (``core/tracing.py``)."""
        if _grad_state.enabled and (self._requires_grad or
                                    any(getattr(o, "_requires_grad", False) for o in others)):
            return True
        return _tracing.trace is not None

    def _check_writable(self, op: str, graph: bool) -> None:
        if not self.data.flags.writeable:
            # expand (and detach or indexing of its result) shares one element across many
            # positions through a read-only broadcast view: writing one would write them all.
            raise RuntimeError(f"{op}: the tensor of shape {self.shape} is a read-only "
                               "broadcast view (made by expand); clone() it before changing it "
                               "in place")
        if graph and self._node is None and self._requires_grad:
            raise RuntimeError(f"{op}: a leaf tensor that requires grad cannot be changed in "
                               "place while grad mode is on (its gradient would belong to "
                               "values it no longer holds); change it under nx.no_grad(), as "
                               "optimizers do, or use an out-of-place op")
        if graph and self.data.base is not None:
            raise RuntimeError(f"{op}: the tensor of shape {self.shape} is a view of another "
                               "tensor's memory (a reshape, transpose or slice), whose graph "
                               "would not see this change; clone() it first, or use an "
                               "out-of-place op")

    def _refused(self, op: str, other, error: Exception, target=None) -> Exception:
        """The error for an in-place update NumPy refused, naming the op, shapes and dtypes;
        ``target`` is the shape written to (the whole tensor unless indexed)."""
        if isinstance(error, TypeError):  # NumPy's UFuncTypeError: the result needs a wider dtype
            return TypeError(f"{op}: the result (with other of dtype {np.asarray(other).dtype}) "
                             f"cannot be stored in place in a tensor of dtype {self.dtype}")
        written = "the tensor's shape" if target is None else "the indexed shape"
        return ValueError(f"{op}: other of shape {np.shape(other)} does not broadcast to "
                          f"{written} {self.shape if target is None else target}")

    def _become(self, op: str, result) -> "InplaceMethods":
        """Write the recorded out-of-place ``result`` into this tensor's array and make this
        tensor stand for it in the graph."""
        if result.shape != self.shape:
            raise ValueError(f"{op}: the result has shape {result.shape}, which cannot be "
                             f"stored in place in a tensor of shape {self.shape}")
        if result.dtype != self.dtype:
            if not np.can_cast(result.dtype, self.dtype, casting="same_kind"):
                raise TypeError(f"{op}: the result of dtype {result.dtype} cannot be stored in "
                                f"place in a tensor of dtype {self.dtype}")
            result = result.to(self.dtype)
        np.copyto(self.data, result.data)
        versions.bump(self.data)
        self._node, self._requires_grad = result._node, result._requires_grad
        if _tracing.trace is not None:
            _tracing.trace.same_value(self, result)
        return self

    def _snapshot(self):
        """This tensor as it is now, on the graph where it is, in an array of its own: the
        input of a recorded update, which the update then overwrites."""
        before = type(self)._wrap(self.data.copy())
        before._node, before._requires_grad = self._node, self._requires_grad
        if _tracing.trace is not None:
            _tracing.trace.same_value(before, self)
        return before

    def _update(self, op: str, ufunc, other, recorded):
        """``self = ufunc(self, other)`` in place: with NumPy's ``out=`` when nothing is
        recorded, else by ``recorded(before, other)`` (the differentiable out-of-place op)."""
        graph = self._records(other)
        self._check_writable(op, graph)
        if graph:
            return self._become(op, recorded(self._snapshot(), other))
        value = other.data if isinstance(other, InplaceMethods) else other
        try:
            ufunc(self.data, value, out=self.data)
        except (ValueError, TypeError) as e:
            raise self._refused(op, value, e) from None
        versions.bump(self.data)
        return self

    def copy_(self, src) -> "InplaceMethods":
        """Copy ``src`` (a Tensor, array or number broadcastable to this shape) into this
        tensor, cast to its dtype; returns this tensor. Recorded (the gradient flows to
        ``src``) when grad mode is on and ``src`` requires grad.

        Raises: ValueError naming both shapes when ``src`` does not broadcast; RuntimeError,
            as every in-place method, for a leaf that requires grad while grad mode is on, or a
            read-only view made by ``expand``.
        """
        src_shape = np.shape(src.data if isinstance(src, InplaceMethods) else src)
        _ops.arithmetic.broadcast_shapes("copy_", src_shape, self.shape)
        return self._update("copy_", _assign, src,
                            lambda before, s: before * 0 + _ops.shape.expand(
                                s if isinstance(s, InplaceMethods) else type(self)(s),
                                *self.shape))

    def zero_(self) -> "InplaceMethods":
        """Fill with 0 in place; returns this tensor."""
        return self.fill_(0)

    def fill_(self, value) -> "InplaceMethods":
        """Fill with the number ``value`` (cast to this dtype) in place; returns this tensor."""
        return self._update("fill_", _assign, value, lambda before, v: before * 0 + v)

    def add_(self, other, alpha=1) -> "InplaceMethods":
        """In place ``self += alpha * other`` (``other`` broadcast to this shape, cast to its
        dtype); returns this tensor."""
        if alpha != 1:
            other = other * alpha
        return self._update("add_", np.add, other, _ops.arithmetic.add)

    def sub_(self, other, alpha=1) -> "InplaceMethods":
        """In place ``self -= alpha * other`` (``other`` broadcast to this shape, cast to its
        dtype); returns this tensor."""
        if alpha != 1:
            other = other * alpha
        return self._update("sub_", np.subtract, other, _ops.arithmetic.sub)

    def mul_(self, other) -> "InplaceMethods":
        """In place ``self *= other`` (``other`` broadcast to this shape, cast to its dtype);
        returns this tensor."""
        return self._update("mul_", np.multiply, other, _ops.arithmetic.mul)

    def div_(self, other) -> "InplaceMethods":
        """In place ``self /= other`` (``other`` broadcast to this shape; floating tensors only);
        returns this tensor."""
        return self._update("div_", np.true_divide, other, _ops.arithmetic.div)

    def clamp_(self, min=None, max=None) -> "InplaceMethods":
        """Clamp into [min, max] in place (either bound None for none); returns this tensor."""
        return self._update("clamp_", lambda a, bounds, out: np.clip(a, *bounds, out=out),
                            (min, max), lambda before, bounds: _ops.unary.clamp(before, *bounds))

    def relu_(self) -> "InplaceMethods":
        """max(x, 0) in place; returns this tensor."""
        return self._update("relu_", lambda a, _, out: np.maximum(a, 0, out=out), None,
                            lambda before, _: _ops.activation.relu(before))

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __setitem__(self, index, value) -> None:
        graph = self._records(value)
        self._check_writable("__setitem__", graph)
        if graph:
            self._become("__setitem__", _ops.index.index_put(self._snapshot(), index, value))
            return
        index = index.data if isinstance(index, InplaceMethods) else index
        value = value.data if isinstance(value, InplaceMethods) else value
        try:
            self.data[index] = value
        except IndexError as e:
            raise IndexError(f"__setitem__: index {index!r} does not fit a tensor of shape "
                             f"{self.shape}: {e}") from None
        except (ValueError, TypeError) as e:
            raise self._refused("__setitem__", value, e, np.shape(self.data[index])) from None
        versions.bump(self.data)



def _assign(array, value, out):
    """``out[...] = value``, in the signature of a ufunc called with ``out=``."""
    out[...] = value
