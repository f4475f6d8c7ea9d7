"""Modules in a neurenix file: described by their classes and constructor arguments, rebuilt
from them without materialising a parameter until the file's tensors are checked against it.

A module built from neurenix classes alone is described by its class (only classes defined
under ``neurenix.`` are ever resolved) and the constructor arguments its ``Module.__new__``
recorded, in the JSON forms of ``values.py`` plus three tags of its own::

    {"__module__": {"class": "neurenix.nn.conv:Conv2d", "args": [3, 8, 3],
                    "kwargs": {"padding": 1}}, "id": 0}     a sub-module passed as an argument
    {"__ref__": 0}                                          the same sub-module passed again
    {"__state__": "weight"}                                 a tensor the module keeps as its
                                                            own state (a loss's class weights)

The manifest also records the train/eval mode of every sub-module path, the frozen parameters
and the tied tensors (``ties.py``). Loading imports those neurenix modules and calls the
constructors with that plain data, in ``placeholders.shapes_only()``: each parameter and buffer
then has its shape but no memory. Before anything walks the rebuilt tree, the number of paths
through it and of its state-dict entries are counted once per distinct module and compared with
the manifest and the file (a sub-module reused twice per level, 40 levels deep, would make 2**40
paths). Only then are the file's tensors checked against the placeholders and put in their
place. Nothing in the file is ever executed.
"""
import importlib
import re

from ..core import placeholders
from ..core.tensor import Tensor
from ..nn import Module, Parameter
from . import ties
from .layout import SerializationError, error, preview
from .values import Decoder, Encoder, Unencodable


# ----- describing a module ------------------------------------------------------------------

class _Describer(Encoder):
    """Turns a module into the JSON description its rebuild needs."""

    def __init__(self, root: Module):
        self.numbers = {}  # id(nested module) -> its number, so a shared module stays shared
        self.state_names = {id(t): k for k, t in root.state_dict(keep_vars=True).items()}

    def describe(self, module: Module, path: tuple = ()) -> dict:
        """{"class": "neurenix.<module>:<QualName>", "args": [...], "kwargs": {...}}."""
        cls = type(module)
        if not _is_neurenix_class(cls):
            raise Unencodable(f"{cls.__module__}.{cls.__qualname__} is not a neurenix class")
        args, kwargs = module._init_args
        return {"class": f"{cls.__module__}:{cls.__qualname__}",
                "args": [self.encode(a, path + (i,)) for i, a in enumerate(args)],
                "kwargs": {k: self.encode(v, path + (k,)) for k, v in kwargs.items()}}

    def where(self, path: tuple) -> str:
        return "a constructor argument"  # the position in nested constructors would not help

    def other(self, value, path: tuple):
        if isinstance(value, Module):
            if id(value) in self.numbers:
                return {"__ref__": self.numbers[id(value)]}
            description = self.describe(value, path)
            self.numbers[id(value)] = len(self.numbers)
            return {"__module__": description, "id": self.numbers[id(value)]}
        if isinstance(value, Tensor) and id(value) in self.state_names:
            return {"__state__": self.state_names[id(value)]}
        return super().other(value, path)


def _is_neurenix_class(cls) -> bool:
    return ((cls.__module__ == "neurenix" or cls.__module__.startswith("neurenix."))
            and "<locals>" not in cls.__qualname__)


def describe(path: str, module: Module, arrays: dict, tied: list) -> dict:
    """The manifest entries that rebuild ``module``: "module", "training" and "frozen".

    Args: path: the file being saved, for messages.  module: what is saved.  arrays: its state
        dict's arrays, by key.  tied: its tied state-dict keys (``ties.groups``).
    Raises: Unencodable when a class is not neurenix's, an argument has no JSON form, or the
        module was changed after construction (``seq.append(...)``, a replaced layer): a module
        rebuilt from the description now would not match it, so the file would not load.
    """
    entries = {"module": _Describer(module).describe(module),
               "training": {name: m.training
                            for name, m in module.named_modules(remove_duplicate=False)},
               "frozen": [name for name, p in module.named_parameters(remove_duplicate=False)
                          if not p.requires_grad]}
    try:
        rebuilt = _rebuild_shapes(path, {**entries, "tied": tied}, arrays)
    except SerializationError as e:
        raise Unencodable(f"it was changed after construction, or its recorded constructor "
                          f"arguments do not rebuild it ({e})") from None
    shapes = {k: t.shape for k, t in rebuilt.state_dict(keep_vars=True).items()}
    if shapes != {k: a.shape for k, a in arrays.items()} or repr(rebuilt) != repr(module):
        raise Unencodable("it was changed after construction (a module built from its "
                          "constructor arguments has another state dict or repr)")
    return entries


# ----- rebuilding a module ------------------------------------------------------------------

# A class path as recorded: "neurenix.a.b:Outer.Inner", no part a dunder (never neurenix.__main__).
_NAME = r"(?!__)[A-Za-z_]\w*"
_CLASS_PATH = re.compile(rf"neurenix(\.{_NAME})*:{_NAME}(\.{_NAME})*")


class _Builder(Decoder):
    """Rebuilds modules from descriptions, refusing anything ``_Describer`` would not write."""

    def __init__(self, path: str, arrays: dict):
        super().__init__(path)
        self.arrays = arrays
        self.built = {}  # number -> nested module, for "__ref__"

    def build(self, description, depth: int = 0) -> Module:
        """A module constructed from ``description`` (in the caller's placeholder mode)."""
        if not (isinstance(description, dict)
                and description.keys() == {"class", "args", "kwargs"}
                and isinstance(description["args"], list)
                and isinstance(description["kwargs"], dict)):
            raise error(self.path, f"the manifest describes a module as "
                                   f"{preview(description)}; expected class, args and kwargs")
        cls = self.resolve(description["class"])
        args = [self.decode(a, depth + 1) for a in description["args"]]
        kwargs = {k: self.decode(v, depth + 1) for k, v in description["kwargs"].items()}
        try:
            return cls(*args, **kwargs)
        except Exception as e:  # a constructor refusing its arguments: the file is at fault
            raise error(self.path, f"cannot rebuild {description['class']} from the recorded "
                                   f"arguments: {type(e).__name__}: {e}") from None

    def resolve(self, spec) -> type:
        """The Module subclass a manifest names, found only by importing a neurenix module and
        looking the name up in it; anything else is refused before anything runs."""
        if not (isinstance(spec, str) and _CLASS_PATH.fullmatch(spec)):
            raise error(self.path, f"the manifest names class {preview(spec)}; only neurenix "
                                   "Module classes (neurenix.<module>:<Class>) are loaded")
        module_path, qualname = spec.split(":")
        try:
            found = importlib.import_module(module_path)
        except ImportError:
            raise error(self.path, f"the manifest names class {spec!r}, but neurenix has no "
                                   f"module {module_path} (saved by another version?)") from None
        for part in qualname.split("."):
            found = getattr(found, part, None)
        if not (isinstance(found, type) and issubclass(found, Module)
                and found.__module__ == module_path and found.__qualname__ == qualname):
            raise error(self.path, f"the manifest names class {spec!r}, which is not a "
                                   f"neurenix Module class defined in {module_path}")
        return found

    def other(self, value, depth: int):
        if isinstance(value, dict) and len(value) == 1:
            (tag, body), = value.items()
            if tag == "__ref__" and type(body) is int and body in self.built:
                return self.built[body]
            if tag == "__state__" and isinstance(body, str) and body in self.arrays:
                return Tensor._wrap(self.arrays[body].copy())
        if (isinstance(value, dict) and value.keys() == {"__module__", "id"}
                and type(value["id"]) is int):
            module = self.build(value["__module__"], depth)
            if value["id"] not in self.built:  # (the modules inside it are numbered first)
                self.built[value["id"]] = module
                return module
        return super().other(value, depth)


def _walk_sizes(module: Module) -> tuple:
    """(paths, entries): how many (name, module) pairs ``named_modules(remove_duplicate=False)``
    yields and how many keys ``state_dict()`` has, computed once per distinct module, so in time
    linear in the distinct modules however often they are reused."""
    sizes = {}

    def size(m: Module) -> tuple:
        if id(m) not in sizes:
            paths = 1
            entries = (sum(p is not None for p in m._parameters.values())
                       + sum(b is not None and name not in m._non_persistent_buffers
                             for name, b in m._buffers.items()))
            for child in m._modules.values():
                if child is not None:
                    child_paths, child_entries = size(child)
                    paths, entries = paths + child_paths, entries + child_entries
            sizes[id(m)] = (paths, entries)
        return sizes[id(m)]

    return size(module)


def _rebuild_shapes(path: str, manifest: dict, arrays: dict) -> Module:
    """The module the manifest describes, its tensors placeholders and its tied tensors tied,
    checked to have as many paths as the manifest has modes and as many state-dict entries as
    the file has tensors before anything walks it."""
    with placeholders.shapes_only():
        module = _Builder(path, arrays).build(manifest["module"])
    name = type(module).__name__
    paths, entries = _walk_sizes(module)
    if paths != len(manifest["training"]) or entries != len(arrays):
        raise error(path, f"the rebuilt {name} has {paths} sub-module paths and {entries} "
                          f"state-dict entries; the manifest records {len(manifest['training'])} "
                          f"and the file holds {len(arrays)} tensors")
    state = module.state_dict(keep_vars=True)
    for group in manifest["tied"]:
        if not all(key in state for key in group):
            raise error(path, f"the manifest ties {preview(group)}, which are not all state-dict "
                              f"keys of the rebuilt {name}")
        head = state[group[0]]
        for key in group[1:]:
            if isinstance(state[key], Parameter) != isinstance(head, Parameter):
                raise error(path, f"the manifest ties {group[0]!r} and {key!r}, a parameter "
                                  "and a buffer")
            if state[key].shape != head.shape:
                raise error(path, f"the manifest ties {group[0]!r} and {key!r}, of shapes "
                                  f"{head.shape} and {state[key].shape} in the rebuilt {name}")
            owner, _, attribute = key.rpartition(".")
            setattr(module.get_submodule(owner), attribute, state[group[0]])
    if ties.groups(module.state_dict(keep_vars=True)) != manifest["tied"]:
        raise error(path, f"the rebuilt {name} ties other tensors than the manifest records")
    return module


def rebuild(path: str, manifest: dict, arrays: dict) -> Module:
    """The module a checked manifest describes, holding the file's tensors (their dtypes as
    saved), with its tied tensors shared, its frozen parameters frozen and each sub-module in
    its saved train/eval mode.

    Raises: SerializationError naming the file when anything in the manifest disagrees with
        the rebuilt module or with the file's tensors.
    """
    ties.first_names(path, manifest["tied"], arrays)
    module = _rebuild_shapes(path, manifest, arrays)
    try:
        # assign: each tensor takes the file's array and dtype (a float64 model stays float64).
        module.load_state_dict(arrays, strict=True, assign=True)
    except RuntimeError as e:
        raise error(path, f"the tensors do not fit the rebuilt {type(module).__name__}: "
                          f"{e}") from None
    modes, named = manifest["training"], list(module.named_modules(remove_duplicate=False))
    if {name for name, _ in named} != modes.keys():
        raise error(path, "the manifest's train/eval modes do not match the rebuilt module's "
                          "sub-modules")
    for name, m in named:
        m.training = modes[name]
    if not all(m.training is modes[name] for name, m in named):  # one module, two modes
        raise error(path, "the manifest gives a sub-module used at two places two train/eval "
                          "modes")
    parameters = dict(module.named_parameters(remove_duplicate=False))
    if not all(name in parameters for name in manifest["frozen"]):
        raise error(path, "the manifest's frozen parameters are not parameters of the rebuilt "
                          "module")
    for name in manifest["frozen"]:
        parameters[name].requires_grad_(False)
    return module
