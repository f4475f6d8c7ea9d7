"""Saving and loading: a module or a state dict in one safetensors file; nothing in it runs code.

The file is a safetensors file (layout in ``_safetensors.py``) whose tensors carry their
state-dict names (PyTorch's), so ``safetensors.torch.load_file(path)`` hands a neurenix model to
PyTorch as a state dict. ``__metadata__["neurenix"]`` holds the manifest, a JSON string::

    {"format": "neurenix", "version": 1, "kind": "module" | "state_dict",
     "sha256": <hash of every tensor's name, dtype, shape and bytes>,
     "module": {"class": "neurenix.nn.container:Sequential",
                "args": [{"__module__": {"class": "neurenix.nn.conv:Conv2d", "args": [3, 8, 3],
                                         "kwargs": {"padding": 1}}, "id": 0}, ...],
                "kwargs": {}},
     "training": {"": true, "0": true, ...},
     "frozen": [names of parameters with requires_grad=False]}

A module built from neurenix classes alone is described by its class (only classes defined
under ``neurenix.`` are ever resolved) and the constructor arguments its ``Module.__new__``
recorded, as JSON: numbers, strings, booleans, None and lists as themselves; tuples, dicts,
dtypes, non-finite floats, nested modules (``__ref__`` for one passed twice) and tensors that
are the module's own parameters or buffers (``__state__``, by state-dict name) as tagged
objects. Loading imports those neurenix modules, calls the constructors with that plain data,
copies the tensors in and restores each sub-module's train/eval mode and which parameters
are frozen (``requires_grad=False``): nothing in the file is ever executed.
"""
import collections
import hashlib
import importlib
import json
import math
import os
import re
import warnings

import numpy as np

from ._safetensors import (DTYPES, SerializationError, dtype_code, error, little_endian,
                           read_file, strict_json, write_file)
from .random import get_rng_state, set_rng_state
from .tensor import Tensor

FORMAT_VERSION = 1
_MANIFEST_KEY = "neurenix"


# ----- describing a module ------------------------------------------------------------------

class _Unencodable(Exception):
    """The module cannot be described for rebuilding (the reason is the message)."""


class _Describer:
    """Turns a module into the JSON description its rebuild needs."""

    def __init__(self, root):
        self.numbers = {}  # id(nested module) -> its number, so a shared module stays shared
        self.state_names = {id(t): k for k, t in root.state_dict(keep_vars=True).items()}

    def describe(self, module) -> dict:
        """{"class": "neurenix.<module>:<QualName>", "args": [...], "kwargs": {...}}."""
        cls = type(module)
        if not _is_neurenix_class(cls):
            raise _Unencodable(f"{cls.__module__}.{cls.__qualname__} is not a neurenix class")
        args, kwargs = module._init_args
        return {"class": f"{cls.__module__}:{cls.__qualname__}",
                "args": [self.encode(a) for a in args],
                "kwargs": {k: self.encode(v) for k, v in kwargs.items()}}

    def encode(self, value):
        """The JSON form of one constructor argument."""
        from ..nn import Module

        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            return float(value) if math.isfinite(value) else {"__float__": repr(float(value))}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v) for v in value]}
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                raise _Unencodable("a dict constructor argument has keys that are not strings")
            tag = "__ordered_dict__" if isinstance(value, collections.OrderedDict) else "__dict__"
            return {tag: {k: self.encode(v) for k, v in value.items()}}
        if isinstance(value, np.dtype) and dtype_code(value) is not None:
            return {"__dtype__": dtype_code(value)}
        if isinstance(value, Module):
            if id(value) in self.numbers:
                return {"__ref__": self.numbers[id(value)]}
            description = self.describe(value)
            self.numbers[id(value)] = len(self.numbers)
            return {"__module__": description, "id": self.numbers[id(value)]}
        if isinstance(value, Tensor) and id(value) in self.state_names:
            return {"__state__": self.state_names[id(value)]}  # e.g. a loss's class weights
        raise _Unencodable(f"a constructor argument of type {type(value).__qualname__} has no "
                           "JSON form")


def _is_neurenix_class(cls) -> bool:
    return ((cls.__module__ == "neurenix" or cls.__module__.startswith("neurenix."))
            and "<locals>" not in cls.__qualname__)


# ----- rebuilding a module ------------------------------------------------------------------

# A class path as recorded: "neurenix.a.b:Outer.Inner", no part a dunder (never neurenix.__main__).
_NAME = r"(?!__)[A-Za-z_]\w*"
_CLASS_PATH = re.compile(rf"neurenix(\.{_NAME})*:{_NAME}(\.{_NAME})*")


class _Builder:
    """Rebuilds modules from descriptions, refusing anything ``_Describer`` would not write."""

    def __init__(self, path: str, arrays: dict):
        self.path, self.arrays = path, arrays
        self.built = {}  # number -> nested module, for "__ref__"

    def build(self, description):
        """A fresh module, initialised as usual by its constructor."""
        if not (isinstance(description, dict)
                and description.keys() == {"class", "args", "kwargs"}
                and isinstance(description["args"], list)
                and isinstance(description["kwargs"], dict)):
            raise error(self.path, f"the manifest describes a module as "
                                   f"{_preview(description)}; expected class, args and kwargs")
        cls = self.resolve(description["class"])
        args = [self.decode(a) for a in description["args"]]
        kwargs = {k: self.decode(v) for k, v in description["kwargs"].items()}
        try:
            return cls(*args, **kwargs)
        except Exception as e:  # a constructor refusing its arguments: the file is at fault
            raise error(self.path, f"cannot rebuild {description['class']} from the recorded "
                                   f"arguments: {type(e).__name__}: {e}") from None

    def resolve(self, spec):
        """The Module subclass a manifest names, found only by importing a neurenix module and
        looking the name up in it; anything else is refused before anything runs."""
        from ..nn import Module

        if not (isinstance(spec, str) and _CLASS_PATH.fullmatch(spec)):
            raise error(self.path, f"the manifest names class {spec!r}; only neurenix Module "
                                   "classes (neurenix.<module>:<Class>) are loaded")
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

    def decode(self, value):
        """The constructor argument ``_Describer.encode`` wrote as ``value``."""
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if isinstance(value, dict) and len(value) == 1:
            (tag, body), = value.items()
            if tag == "__tuple__" and isinstance(body, list):
                return tuple(self.decode(v) for v in body)
            if tag in ("__dict__", "__ordered_dict__") and isinstance(body, dict):
                kind = collections.OrderedDict if tag == "__ordered_dict__" else dict
                return kind((k, self.decode(v)) for k, v in body.items())
            if tag == "__float__" and body in ("nan", "inf", "-inf"):
                return float(body)
            if tag == "__dtype__" and body in DTYPES:
                return DTYPES[body]
            if tag == "__ref__" and type(body) is int and body in self.built:
                return self.built[body]
            if tag == "__state__" and isinstance(body, str) and body in self.arrays:
                return Tensor._wrap(self.arrays[body].copy())
        if (isinstance(value, dict) and value.keys() == {"__module__", "id"}
                and type(value["id"]) is int and value["id"] not in self.built):
            self.built[value["id"]] = self.build(value["__module__"])
            return self.built[value["id"]]
        raise error(self.path, f"the manifest holds a constructor argument neurenix does not "
                               f"write: {_preview(value)}")


def _build_module(path: str, description, arrays: dict):
    """``_Builder(path, arrays).build(description)`` without touching the random stream: the
    constructors draw initial weights that the file's tensors replace, and neither saving nor
    loading should shift the numbers a seeded program draws next."""
    state = get_rng_state()
    try:
        return _Builder(path, arrays).build(description)
    finally:
        set_rng_state(state)


def _preview(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ----- the manifest -------------------------------------------------------------------------

def _digest(arrays: dict) -> str:
    """SHA-256 over every tensor's name, dtype, shape and little-endian bytes, in name order: it
    detects corrupted bytes, and also header entries swapped or relabelled."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = arrays[name]
        digest.update(json.dumps([name, dtype_code(array.dtype), array.shape]).encode("utf-8"))
        digest.update(little_endian(array).reshape(-1).view(np.uint8))
    return digest.hexdigest()


def _module_manifest(module, arrays: dict, path: str) -> dict:
    """The manifest of a module file: how to rebuild it, or, when it cannot be described with
    neurenix classes, a state-dict manifest (and a warning saying how to load it)."""
    try:
        description = _Describer(module).describe(module)
        _check_rebuild(path, module, description, arrays)
    except _Unencodable as e:
        name = f"{type(module).__module__}.{type(module).__qualname__}"
        warnings.warn(f"nx.save: {path} holds only the state dict of this {name}, because "
                      f"{e}. To load it, build the model yourself and call "
                      f"model.load_state_dict(nx.load({path!r}))", UserWarning, stacklevel=3)
        return {"kind": "state_dict", "class": name, "note": str(e)}
    return {"kind": "module", "module": description,
            "training": {name: m.training for name, m in module.named_modules()},
            "frozen": [name for name, p in module.named_parameters(remove_duplicate=False)
                       if not p.requires_grad]}


def _shared_keys(module) -> list:
    """The groups of state-dict keys that name one tensor (weights tied after construction
    would come back untied from the constructor arguments)."""
    groups = {}
    for key, tensor in module.state_dict(keep_vars=True).items():
        groups.setdefault(id(tensor), []).append(key)
    return sorted(keys for keys in groups.values() if len(keys) > 1)


def _check_rebuild(path: str, module, description: dict, arrays: dict) -> None:
    """Rebuild the module from its description now, so that a file which would not load is
    never written: a module changed after construction (``seq.append(...)``, a replaced layer,
    an edited setting, tied weights) no longer matches its constructor arguments."""
    try:
        rebuilt = _build_module(path, description, arrays)
    except SerializationError as e:
        raise _Unencodable(f"its recorded constructor arguments do not rebuild it ({e})") from None
    shapes = {k: t.shape for k, t in rebuilt.state_dict().items()}
    if (shapes != {k: a.shape for k, a in arrays.items()} or repr(rebuilt) != repr(module)
            or _shared_keys(rebuilt) != _shared_keys(module)):
        raise _Unencodable("it was changed after construction (a module built from its "
                           "constructor arguments has another state dict, repr or "
                           "weight sharing)")


def _read_manifest(path: str, metadata: dict, arrays: dict):
    """The checked manifest, or None for a safetensors file that neurenix did not write."""
    text = metadata.get(_MANIFEST_KEY)
    if text is None:
        return None
    try:
        manifest = strict_json(text)
    except ValueError as e:
        raise error(path, f"the neurenix manifest is not valid JSON: {e}") from None
    if not (isinstance(manifest, dict) and manifest.get("format") == "neurenix"
            and type(manifest.get("version")) is int):
        raise error(path, "the neurenix manifest has no format and version")
    if manifest["version"] > FORMAT_VERSION:
        raise error(path, f"written in format version {manifest['version']} by a newer "
                          f"neurenix; this one reads version {FORMAT_VERSION}")
    if manifest.get("kind") not in ("module", "state_dict"):
        raise error(path, f"unknown kind {manifest.get('kind')!r} in the neurenix manifest")
    if manifest.get("sha256") != _digest(arrays):
        raise error(path, "the tensors do not match the checksum recorded when the file was "
                          "saved (corrupted, or modified since)")
    return manifest


def _rebuild(path: str, manifest: dict, arrays: dict):
    """The module a manifest describes, holding the file's tensors, in the saved modes."""
    module = _build_module(path, manifest.get("module"), arrays)
    try:
        # assign: each tensor takes the file's array and dtype (a float64 model stays float64).
        module.load_state_dict(arrays, strict=True, assign=True)
    except RuntimeError as e:
        raise error(path, f"the tensors do not fit the rebuilt {type(module).__name__}: "
                          f"{e}") from None
    modes, modules = manifest.get("training"), dict(module.named_modules())
    if not (isinstance(modes, dict) and modes.keys() == modules.keys()
            and all(type(flag) is bool for flag in modes.values())):
        raise error(path, "the manifest's train/eval modes do not match the rebuilt module's "
                          "sub-modules")
    for name, flag in modes.items():
        modules[name].training = flag
    # Files from before "frozen" was recorded have every parameter trainable.
    frozen = manifest.get("frozen", [])
    parameters = dict(module.named_parameters(remove_duplicate=False))
    if not (isinstance(frozen, list)
            and all(isinstance(name, str) and name in parameters for name in frozen)):
        raise error(path, "the manifest's frozen parameters are not parameters of the rebuilt "
                          "module")
    for name in frozen:
        parameters[name].requires_grad_(False)
    return module


# ----- public API ---------------------------------------------------------------------------

def _arrays(state, what: str) -> dict:
    """Name -> array of a state dict, each entry checked."""
    out = {}
    for name, value in state.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise TypeError(f"nx.save: {what} keys must be strings other than '__metadata__', "
                            f"got {name!r}")
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"nx.save: {what} entry {name!r} is a {type(value).__name__}; only "
                            "Tensors and NumPy arrays can be saved")
        array = value.data if isinstance(value, Tensor) else value
        if dtype_code(array.dtype) is None:
            raise TypeError(f"nx.save: {what} entry {name!r} has dtype {array.dtype}, which "
                            f"safetensors cannot hold (supported: "
                            f"{', '.join(str(d) for d in DTYPES.values())})")
        out[name] = array
    return out


def save(obj, path) -> None:
    """Save a module or a state dict to one safetensors file at ``path``, atomically.

    A module built from neurenix classes (``Sequential(Conv2d(3, 8, 3), ReLU())``, a
    ``UNet``...) is saved with the classes, constructor arguments, train/eval modes and frozen
    parameters needed to rebuild it, so ``nx.load(path)`` returns a working module. A module
    involving a class of your own (or a constructor argument with no JSON form, or changes
    made after construction, such as ``Sequential.append``) is saved as its state dict, with a
    warning: load it with ``model.load_state_dict(nx.load(path))`` into a model you build.
    Tensors keep PyTorch's state-dict names, so ``safetensors.torch.load_file(path)`` gives a
    PyTorch state dict. Settings changed after construction that the module's repr does not
    show are not recorded.

    Args:
        obj: a ``nn.Module``, or a state dict (a mapping from str to Tensors or NumPy arrays).
        path: the file to write (str or path-like); ``.nx`` is the customary suffix. An
            existing file is replaced only once the new one is completely on disk; if writing
            fails, the old file stays as it was and no temporary file is left.

    Raises: TypeError for anything else, or for a tensor whose dtype safetensors cannot name.
    """
    from ..nn import Module

    path = os.fspath(path)
    if isinstance(obj, Module):
        arrays = _arrays(obj.state_dict(), "the module's state dict")
        manifest = _module_manifest(obj, arrays, path)
    elif hasattr(obj, "keys") and hasattr(obj, "items"):
        arrays = _arrays(obj, "the state dict")
        manifest = {"kind": "state_dict"}
    else:
        raise TypeError(f"nx.save: expected a Module or a state dict (str -> Tensor), got "
                        f"{type(obj).__name__}")
    manifest = {"format": "neurenix", "version": FORMAT_VERSION, **manifest,
                "sha256": _digest(arrays)}
    text = json.dumps(manifest, allow_nan=False, separators=(",", ":"))
    write_file(path, arrays, {_MANIFEST_KEY: text})


def load(path, *, state_dict: bool = False):
    """Load what ``nx.save`` wrote, or any safetensors file.

    Args:
        path: the file (str or path-like).
        state_dict: return the tensors as a state dict even when the file holds a module (to
            load them into a module you built: ``model.load_state_dict(nx.load(path,
            state_dict=True))``).

    Returns: for a module file, the rebuilt module: its neurenix classes constructed with their
    recorded arguments, every parameter and buffer loaded from the file
    (``load_state_dict(strict=True)``, dtypes as saved), frozen parameters frozen again, and
    each sub-module's train/eval mode restored. For a state-dict file, or a safetensors file
    from another program, a dict from name to Tensor, so
    ``module.load_state_dict(nx.load(path))`` works.

    Raises: SerializationError naming the file and the problem when the file is truncated,
    corrupt, not safetensors, or names anything but neurenix Module classes; nothing in the
    file is ever executed. OSError when the file cannot be read.
    """
    path = os.fspath(path)
    arrays, metadata = read_file(path)
    manifest = _read_manifest(path, metadata, arrays)
    if manifest is None or manifest["kind"] == "state_dict" or state_dict:
        return {name: Tensor._wrap(array) for name, array in arrays.items()}
    return _rebuild(path, manifest, arrays)
