"""Containers: Sequential (a pipeline), ModuleList and ModuleDict (registered collections)."""
import math
from collections import OrderedDict

from ..core import autograd
from ..core.checkpoint import checkpoint, is_checkpointing_enabled
from .module import Module, _addindent


def _index(container: Module, idx: int) -> int:
    """``idx`` (negatives allowed) as a position in ``container``, or an IndexError."""
    n = len(container._modules)
    if not -n <= idx < n:
        raise IndexError(f"{type(container).__name__}: index {idx} is out of range "
                         f"(length {n})")
    return idx % n


def _renumber(container: Module, modules: list) -> None:
    """Re-register ``modules`` under the keys "0", "1", ... (after a delete or insert)."""
    for key in list(container._modules):
        delattr(container, key)
    for i, module in enumerate(modules):
        container.add_module(str(i), module)


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: members keyed "0", "1", ... in order, and the
    list operations on them."""

    def __delitem__(self, idx) -> None:
        modules = list(self._modules.values())
        del modules[idx if isinstance(idx, slice) else _index(self, idx)]
        _renumber(self, modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module: Module):
        """Add ``module`` at the end (key ``str(len(self))``); returns this container."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Append each of the iterable ``modules``; returns this container."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module):
        """Put ``module`` before position ``index`` (as ``list.insert``; the keys are
        renumbered "0", "1", ...); returns this container."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        _renumber(self, modules)
        return self


class Sequential(_ModuleSequence):
    """Runs its modules in order, each on the previous one's output.

    Args:
        *args: modules (``Sequential(conv, bn, relu)``, keyed "0", "1", ...), or one
            OrderedDict (or dict) from names to modules.

    Supports indexing (an int gives the module, a slice a new Sequential), ``len``, iteration,
    ``append``, ``extend`` and ``insert``.

    Under ``nx.enable_gradient_checkpointing()`` (with grad mode on) the modules run in about
    sqrt(n) checkpoint segments of about sqrt(n) consecutive modules each (Chen et al., 2016):
    only the segments' inputs are kept, and each segment's intermediates are recomputed during
    backward, one segment at a time. (A segment per module would keep every module's input,
    which is more than the plain graph keeps: a convolution saves only its input, a ReLU only
    its output.)

    Shape: whatever its first module takes -> whatever its last module returns (dtypes as the
        modules leave them).
    Raises: IndexError naming the index and the length for an index out of range.
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (OrderedDict, dict)):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input):
        if is_checkpointing_enabled() and autograd.is_grad_enabled():
            n = len(self._modules)
            size = math.ceil(math.sqrt(n))
            for start in range(0, n, size):
                input = checkpoint(self[start:start + size], input)
            return input
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, idx):
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return type(self)(OrderedDict(items[idx]))
        return items[_index(self, idx)][1]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, list(self._modules)[_index(self, idx)], module)


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters are registered ("0.weight", "1.weight", ...).

    Args: modules: an optional iterable of modules.

    Indexing, ``len``, iteration, ``append``, ``extend``, ``insert`` and ``+=`` work as on a
    list. It has no forward (so no Shape): the owner decides how to call its members.
    Raises: IndexError naming the index and the length for an index out of range.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        modules = list(self._modules.values())
        if isinstance(idx, slice):
            return type(self)(modules[idx])
        return modules[_index(self, idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        setattr(self, str(_index(self, idx)), module)

    def __iadd__(self, modules) -> "ModuleList":
        return self.extend(modules)

    def __repr__(self) -> str:
        """As PyTorch: runs of identical members print once, as "(0-3): 4 x Block(...)"."""
        reprs = [repr(module) for module in self]
        if not reprs:
            return "ModuleList()"
        runs = []  # [first index, last index, repr]
        for i, text in enumerate(reprs):
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [_addindent(f"({a}): {text}" if a == b else f"({a}-{b}): {b - a + 1} x {text}", 2)
                 for a, b, text in runs]
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """An ordered dict of modules whose parameters are registered under their keys
    ("encoder.weight"). Supports ``[key]``, ``in``, ``len``, iteration over keys, ``keys()``,
    ``values()``, ``items()``, ``update()``, ``pop()`` and ``clear()``.

    Args: modules: an optional mapping, or iterable of (key, module) pairs; keys are strings
        without ".".
    It has no forward (so no Shape): the owner decides how to call its members.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self):
        """The keys, in insertion order."""
        return self._modules.keys()

    def values(self):
        """The modules, in insertion order."""
        return self._modules.values()

    def items(self):
        """(key, module) pairs, in insertion order."""
        return self._modules.items()

    def clear(self) -> None:
        """Remove every module."""
        for key in list(self._modules):
            delattr(self, key)

    def pop(self, key: str) -> Module:
        """Remove the module under ``key`` and return it; KeyError if there is none."""
        module = self._modules[key]
        delattr(self, key)
        return module

    def update(self, modules) -> None:
        """Add modules from a mapping or an iterable of (key, module) pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, module in pairs:
            self[key] = module
