"""Placeholder tensors: a shape and a dtype without the memory, for rebuilding a model whose
weights are about to be replaced.

``nx.load`` rebuilds a model by calling its constructors with the arguments its file records,
before it knows that the file's tensors fit them: a 300-byte file that claims
``Linear(16384, 16384)`` must be refused without first allocating (and randomly initialising)
a gigabyte. So the rebuild runs inside ``shapes_only()``, where

- ``zeros``, ``ones``, ``full`` and ``empty`` (how every neurenix layer makes its parameters
  and buffers) return a read-only array that repeats its one value through zero strides
  (``np.broadcast_to``): any shape, the bytes of one element;
- the ``nn.init`` functions leave their tensor alone, as the file's values replace it.

The rebuilt module then has every parameter and buffer at its true shape, to be checked against
the file's tensors before any memory is spent on them. PyTorch's "meta" device plays this role.
The mode is per thread, like grad mode, so a model built in another thread meanwhile is real.
"""
import contextlib
import threading

import numpy as np

_mode = threading.local()


def enabled() -> bool:
    """Whether this thread is inside ``shapes_only()``."""
    return getattr(_mode, "enabled", False)


@contextlib.contextmanager
def shapes_only():
    """Within: the filling factories make placeholders and initialisation does nothing."""
    previous = enabled()
    _mode.enabled = True
    try:
        yield
    finally:
        _mode.enabled = previous


def placeholder(shape: tuple, value, dtype) -> np.ndarray:
    """A read-only array of ``shape`` and ``dtype`` that reads as ``value`` everywhere and
    holds one element."""
    return np.broadcast_to(np.array(value, dtype), shape)
