"""Module: the base class of every layer and model.

A Module registers what is assigned to its attributes: a ``Parameter`` becomes a learnable
weight, a ``Module`` a sub-module, and ``register_buffer`` adds state that is saved but not
learned (BatchNorm's running statistics). Names join with dots into PyTorch's state-dict keys
("0.weight", "bn.running_mean"), so weights move between neurenix and PyTorch as NumPy arrays.
"""
import itertools
from collections import OrderedDict, namedtuple

import numpy as np

from ..core import dtypes
from ..core.device import to_dtype
from ..core.tensor import Tensor
from .parameter import Parameter


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict(strict=False)`` could not match, as PyTorch returns it."""

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


_hook_ids = itertools.count()  # unique, so a stale handle never removes another hook


def _as_array(value, key: str) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.data
    try:
        return np.asarray(value)
    except Exception as e:  # e.g. a foreign tensor that still requires grad
        raise TypeError(f"load_state_dict: value for {key!r} is a {type(value).__name__}, "
                        f"expected a Tensor or a NumPy array ({e})") from None


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module:
    """Base class for layers and models: subclass it, build sub-modules and Parameters in
    ``__init__``, and compute the output in ``forward``. Call the module, not ``forward``.

    Example::

        class MLP(nx.nn.Module):
            def __init__(self, d_in, d_hidden, d_out):
                super().__init__()
                self.fc1 = nx.nn.Linear(d_in, d_hidden)
                self.fc2 = nx.nn.Linear(d_hidden, d_out)

            def forward(self, x):
                return self.fc2(self.fc1(x).relu())

    Constructor arguments: ``Module.__new__`` records the arguments a module was constructed
    with as ``self._init_args = (args, kwargs)`` before ``__init__`` runs, so a module built
    from neurenix classes can be rebuilt from its class and those arguments (``nx.save`` writes
    them in its manifest; ``nx.load`` calls the class with them, then loads the weights).

    Attributes: ``training`` (set by ``train()`` / ``eval()``).
    """

    def __new__(cls, *args, **kwargs):
        self = super().__new__(cls)
        set_ = object.__setattr__
        set_(self, "_init_args", (args, kwargs))
        # The registries live here rather than in __init__, so a subclass that assigns an
        # attribute before calling super().__init__() still registers it.
        set_(self, "_parameters", OrderedDict())
        set_(self, "_buffers", OrderedDict())
        set_(self, "_non_persistent_buffers", set())
        set_(self, "_modules", OrderedDict())
        set_(self, "_hooks", None)
        set_(self, "training", True)
        return self

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() passed arguments to "
                            f"Module.__init__(), which takes none")

    def forward(self, *args, **kwargs):
        message = f'Module [{type(self).__name__}] is missing the required "forward" function'
        raise NotImplementedError(message)  # abstract: every Module defines its forward

    def __call__(self, *args, **kwargs):
        if self._hooks is None:  # the hot path: one attribute test, then forward
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args, kwargs):
        pre_hooks, hooks = self._hooks
        for hook in list(pre_hooks.values()):
            replaced = hook(self, args)
            if replaced is not None:
                args = replaced if isinstance(replaced, tuple) else (replaced,)
        out = self.forward(*args, **kwargs)
        for hook in list(hooks.values()):
            replaced = hook(self, args, out)
            if replaced is not None:
                out = replaced
        return out

    def register_forward_pre_hook(self, hook):
        """Call ``hook(module, args)`` before each forward; a returned value replaces the
        positional arguments. Returns a handle with ``remove()``."""
        return self._add_hook(0, hook)

    def register_forward_hook(self, hook):
        """Call ``hook(module, args, output)`` after each forward; a returned value replaces
        the output. Returns a handle with ``remove()``."""
        return self._add_hook(1, hook)

    def _add_hook(self, which: int, hook):
        if self._hooks is None:
            object.__setattr__(self, "_hooks", ({}, {}))
        key = next(_hook_ids)
        self._hooks[which][key] = hook
        return _RemovableHandle(self, which, key)

    # ----- registration ---------------------------------------------------------------------
    def __setattr__(self, name: str, value) -> None:
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            self._forget(name, keep=params)
            params[name] = value
        elif isinstance(value, Module):
            self._forget(name, keep=modules)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(nn.Parameter or None expected)")
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module "
                                f"'{name}' (nn.Module or None expected)")
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                "(Tensor or None expected)")
            buffers[name] = value
        # Every registered value is also a plain attribute, so reading self.weight in a
        # forward is an ordinary (fast) attribute lookup.
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._forget(name)
        object.__delattr__(self, name)

    def _forget(self, name: str, keep: dict = None) -> None:
        """Drop ``name`` from every registry but ``keep``: re-registering a name of the same
        kind leaves it in its place, so state-dict and parameter order stay PyTorch's."""
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def _check_new_name(self, kind: str, name: str, registry: dict) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f"{kind} name can't be empty or contain \".\", got {name!r}")
        if hasattr(self, name) and name not in registry:  # also refuses to shadow a method
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name: str, param) -> None:
        """Add ``param`` (a Parameter, or None for an absent one such as ``bias=False``)."""
        self._check_new_name("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (nn.Parameter or None required)")
        self._forget(name, keep=self._parameters)
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, tensor, persistent: bool = True) -> None:
        """Add a tensor that is state but not a parameter (e.g. a running mean).

        Args:
            name: attribute name.  tensor: a Tensor (a NumPy array is wrapped) or None.
            persistent: whether ``state_dict()`` includes it.
        """
        self._check_new_name("buffer", name, self._buffers)
        if isinstance(tensor, np.ndarray):
            tensor = Tensor(tensor)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (Tensor or None required)")
        self._forget(name, keep=self._buffers)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)
        object.__setattr__(self, name, tensor)

    def add_module(self, name: str, module) -> None:
        """Add a child module under ``name`` (what attribute assignment does)."""
        self._check_new_name("module", name, self._modules)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name, keep=self._modules)
        self._modules[name] = module
        object.__setattr__(self, name, module)

    register_module = add_module

    def get_submodule(self, target: str) -> "Module":
        """The sub-module at dotted path ``target`` ("" is the module itself)."""
        module = self
        for part in target.split(".") if target else ():
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule '{part}' "
                                     f"(looking up '{target}')")
            module = child
        return module

    # ----- traversal --------------------------------------------------------------------------
    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """Yield (dotted name, module) for this module and every descendant, each once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if self in memo:
                return
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, prefix + ("." if prefix else "") + name,
                                                remove_duplicate)

    def modules(self):
        """Yield this module and every descendant, each once (``named_modules`` without names)."""
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """Yield (name, module) for the direct children, each once."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        """Yield the direct child modules, each once."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool):
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        seen = set()
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True):
        """Yield (dotted name, Parameter); a parameter shared by two layers comes once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True):
        """Yield every Parameter (of descendants too, unless ``recurse=False``), each once: what
        an optimizer takes."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True):
        """Yield (dotted name, buffer tensor)."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True):
        """Yield every buffer tensor (of descendants too, unless ``recurse=False``)."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ----- state dict -------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False):
        """An OrderedDict from PyTorch-style keys to tensors: each module's parameters, then its
        persistent buffers, then its children's entries. The tensors share memory with the
        module (detached, unless ``keep_vars``)."""
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy parameters and buffers from ``state_dict`` (Tensors or NumPy arrays, keyed as
        ``state_dict()`` keys them) into this module, converting to each tensor's dtype.

        Args:
            state_dict: a mapping such as ``other.state_dict()``, ``nx.load(path)``, or
                ``{k: v.numpy() for k, v in torch_model.state_dict().items()}``; a Module
                stands for its state dict, because ``nx.load`` of a module file returns the
                rebuilt module and ``model.load_state_dict(nx.load(path))`` must still work.
            strict: raise if a key is missing or unexpected.
            assign: replace the arrays instead of copying into them (the loaded dtype wins).

        Returns: a named tuple ``(missing_keys, unexpected_keys)``.
        Raises: RuntimeError listing every missing / unexpected key (when ``strict``) and every
        shape mismatch (always), named by key and shapes.
        """
        if isinstance(state_dict, Module):
            state_dict = state_dict.state_dict()
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"load_state_dict: expected a mapping of names to tensors, got "
                            f"{type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict.keys() if k not in own]
        errors = []
        loads = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            array = _as_array(state_dict[key], key)
            if array.shape != target.data.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{array.shape} from checkpoint, the shape in current model is "
                              f"{target.data.shape}.")
            else:
                loads.append((target, array))
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                                 + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                                 + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for target, array in loads:  # nothing is copied unless every key fits
            if assign:
                target.data = np.array(array)
            else:
                target.data[...] = array
        return _IncompatibleKeys(missing, unexpected)

    # ----- modes, gradients, dtype --------------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) here and below."""
        if not isinstance(mode, bool):
            raise ValueError(f"train: training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        """Set evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Turn gradient recording for every parameter on or off (freezing a layer)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters: to None (the default) or to zeros."""
        for param in self.parameters():
            if param.grad is not None:
                if set_to_none:
                    param.grad = None
                else:
                    param.grad.data[...] = 0

    def to(self, *args, dtype=None, device=None) -> "Module":
        """Convert floating parameters and buffers in place to ``dtype`` (integer buffers such
        as ``num_batches_tracked`` keep theirs), with PyTorch's forms (dtype, device, both, or
        a tensor). The CPU device is accepted, any other refused: neurenix runs on the CPU only.
        Returns the module.

        Example: ``model.to(nx.float64)``, ``model.to("cpu")``, ``model.to(nx.device("cpu"),
        nx.float64)``, ``model.to(dtype=nx.float64)``.
        """
        dtype = to_dtype("to", args, dtype, device,
                         lambda a: a.dtype if isinstance(a, Tensor) else None)
        if dtype is None:
            return self
        dtype = dtypes.as_dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"to: nn.Module.to only accepts floating point dtypes, got {dtype}")
        seen = set()
        for module in self.modules():
            for tensor in list(module._parameters.values()) + list(module._buffers.values()):
                if tensor is None or id(tensor) in seen or tensor.dtype.kind != "f":
                    continue
                seen.add(id(tensor))
                tensor.data = tensor.data.astype(dtype)
                if tensor.grad is not None:
                    tensor.grad.data = tensor.grad.data.astype(dtype)
        return self

    def double(self) -> "Module":
        """Floating parameters and buffers to float64, in place: ``to(nx.float64)``."""
        return self.to(dtypes.float64)

    def float(self) -> "Module":
        """Floating parameters and buffers to float32, in place: ``to(nx.float32)``."""
        return self.to(dtypes.float32)

    def cpu(self) -> "Module":
        """The module itself: neurenix runs on the CPU only."""
        return self

    def apply(self, fn) -> "Module":
        """Call ``fn(module)`` on every child (recursively) and then on this module, e.g. a
        custom initialisation. Returns the module."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ----- repr -------------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The layer's settings shown inside its repr; layers override it."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): {_addindent(repr(module), 2)}"
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{type(self).__name__}({body})"


class _RemovableHandle:
    __slots__ = ("module", "which", "key")

    def __init__(self, module, which, key):
        self.module, self.which, self.key = module, which, key

    def remove(self) -> None:
        """Unregister the hook; removing it twice is harmless."""
        hooks = self.module._hooks
        if hooks is None:
            return
        hooks[self.which].pop(self.key, None)
        if not hooks[0] and not hooks[1]:
            object.__setattr__(self.module, "_hooks", None)
