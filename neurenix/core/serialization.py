"""Saving and loading: a module or a state dict in one safetensors file, and no pickle, ever.

The file layout is safetensors' (https://github.com/huggingface/safetensors), written with NumPy
and json alone::

    8 bytes        N, the header length, unsigned little-endian
    N bytes        a JSON object, padded with spaces to a multiple of 8:
                   {"conv.weight": {"dtype": "F32", "shape": [8, 3, 3, 3], "data_offsets": [0, 864]},
                    ..., "__metadata__": {"neurenix": "<the manifest, a JSON string>"}}
    the rest       every tensor's raw little-endian C-order bytes, back to back; the offsets
                   count from the start of this region

Tensors are stored under their state-dict names (PyTorch's), so
``safetensors.torch.load_file(path)`` hands a neurenix model file to PyTorch as a state dict.

The manifest says what the tensors are: ``{"format": "neurenix", "version": 1, "kind":
"module" | "state_dict", "sha256": <hash of the tensor bytes>, ...}``. A module built from
neurenix classes alone also records how to rebuild it: each class by its import path (only
classes defined under ``neurenix.`` are ever resolved), its constructor arguments as JSON
(nested modules recursively), and each sub-module's train/eval mode. Loading imports those
neurenix modules, calls the constructors with plain JSON data and copies the tensors in: nothing
in the file is ever executed.
"""
import collections
import contextlib
import hashlib
import importlib
import json
import math
import os
import re
import stat
import tempfile
import warnings

import numpy as np

from .random import get_rng_state, set_rng_state
from .tensor import Tensor

FORMAT_VERSION = 1
_MANIFEST_KEY = "neurenix"
_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the header length

# safetensors' dtype names for the NumPy dtypes (BF16 and the FP8 types have no NumPy dtype).
_DTYPES = {"BOOL": np.dtype(np.bool_), "U8": np.dtype(np.uint8), "I8": np.dtype(np.int8),
           "U16": np.dtype(np.uint16), "I16": np.dtype(np.int16), "F16": np.dtype(np.float16),
           "U32": np.dtype(np.uint32), "I32": np.dtype(np.int32), "F32": np.dtype(np.float32),
           "U64": np.dtype(np.uint64), "I64": np.dtype(np.int64), "F64": np.dtype(np.float64)}
_CODES = {dtype: code for code, dtype in _DTYPES.items()}


class SerializationError(Exception):
    """``nx.load`` refuses a file: truncated, corrupt, not safetensors, or tampered with. The
    message names the file and the problem."""


# ----- the safetensors layout -------------------------------------------------------------------

def _write_file(path: str, arrays: dict, manifest: dict) -> None:
    """Write ``arrays`` (name -> C-contiguous little-endian array) and ``manifest`` (a JSON-able
    dict, stored as a string under ``__metadata__``) to ``path``, atomically."""
    # Widest dtypes first, as safetensors' own writer does: the header length is a multiple of 8,
    # so every tensor then starts at a multiple of its item size.
    order = sorted(arrays, key=lambda name: -arrays[name].dtype.itemsize)
    header, offset = {}, 0
    for name in order:
        array = arrays[name]
        header[name] = {"dtype": _CODES[array.dtype.newbyteorder("=")],
                        "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    header["__metadata__"] = {_MANIFEST_KEY: json.dumps(manifest, allow_nan=False,
                                                        separators=(",", ":"))}
    text = json.dumps(header, allow_nan=False, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with _atomic_file(path) as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for name in order:
            f.write(arrays[name].reshape(-1).view(np.uint8))


@contextlib.contextmanager
def _atomic_file(path: str):
    """A binary file that replaces ``path`` only once fully written and on disk: a temporary
    file in the same folder (so the rename is atomic), flushed, fsynced, renamed over the
    target. On any error the temporary file is removed and the old ``path`` is untouched."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(path))  # mkstemp makes 0600; give what open() would have
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX folders only)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _file_mode(path: str) -> int:
    """The permissions of the file being replaced, or those a new file gets under the umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)  # the only portable way to read the umask is to set it
        os.umask(umask)
        return 0o666 & ~umask


def _read_file(path: str) -> tuple:
    """The tensors (name -> array, in header order) and the ``__metadata__`` dict of a
    safetensors file, every byte of the layout checked."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < 8:
            raise _error(path, f"the file has {size} bytes, too few for the 8-byte header length "
                               "(truncated, or not a safetensors file)")
        n = int.from_bytes(f.read(8), "little")
        if n > size - 8:
            raise _error(path, f"the header length {n} is larger than the rest of the file "
                               f"({size - 8} bytes): truncated, or not a safetensors file")
        if n > _MAX_HEADER:
            raise _error(path, f"the header length {n} exceeds the {_MAX_HEADER}-byte limit")
        header = _parse_header(path, f.read(n))
        metadata = header.pop("__metadata__", {})
        if not (isinstance(metadata, dict)
                and all(isinstance(v, str) for v in metadata.values())):
            raise _error(path, "__metadata__ must map strings to strings")
        entries = {name: _entry(path, name, info) for name, info in header.items()}
        _check_offsets(path, entries, size - 8 - n)
        arrays = {}
        for name in sorted(entries, key=lambda k: entries[k][2]):
            dtype, shape, (begin, end) = entries[name]
            array = np.empty(shape, dtype.newbyteorder("<"))
            raw = array.reshape(-1).view(np.uint8)
            if f.readinto(raw) != end - begin:
                raise _error(path, f"tensor {name!r} ends past the end of the file (truncated)")
            if dtype == _DTYPES["BOOL"] and (raw > 1).any():
                raise _error(path, f"tensor {name!r} is BOOL but holds bytes other than 0 and 1")
            arrays[name] = array.astype(dtype, copy=False)  # native byte order
    return {name: arrays[name] for name in entries}, metadata


def _parse_header(path: str, raw: bytes) -> dict:
    if not raw.startswith(b"{"):
        raise _error(path, "the header is not a JSON object (not a safetensors file)")
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys,
                            parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise _error(path, f"the header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise _error(path, "the header is not a JSON object")
    return header


def _unique_keys(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _entry(path: str, name: str, info) -> tuple:
    """(dtype, shape, (begin, end)) of one header entry, each field checked."""
    if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= info.keys():
        raise _error(path, f"tensor {name!r}: a header entry needs dtype, shape and data_offsets")
    dtype = _DTYPES.get(info["dtype"]) if isinstance(info["dtype"], str) else None
    if dtype is None:
        raise _error(path, f"tensor {name!r}: unknown dtype {info['dtype']!r} (neurenix reads "
                           f"{', '.join(_DTYPES)})")
    shape, offsets = info["shape"], info["data_offsets"]
    if not (isinstance(shape, list) and all(_is_count(s) for s in shape)):
        raise _error(path, f"tensor {name!r}: shape {shape!r} is not a list of sizes")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))
            and offsets[0] <= offsets[1]):
        raise _error(path, f"tensor {name!r}: data_offsets {offsets!r} is not [begin, end] "
                           "with 0 <= begin <= end")
    nbytes = math.prod(shape) * dtype.itemsize
    if offsets[1] - offsets[0] != nbytes:
        raise _error(path, f"tensor {name!r}: shape {tuple(shape)} of {info['dtype']} needs "
                           f"{nbytes} bytes, but data_offsets {offsets} span "
                           f"{offsets[1] - offsets[0]}")
    return dtype, tuple(shape), tuple(offsets)


def _is_count(value) -> bool:
    return type(value) is int and value >= 0


def _check_offsets(path: str, entries: dict, buffer_size: int) -> None:
    """The tensors must tile the byte region exactly: from 0, back to back, to its end."""
    end = 0
    for name, (_, _, (begin, stop)) in sorted(entries.items(), key=lambda item: item[1][2]):
        if begin != end:
            problem = "overlaps the previous tensor" if begin < end else "leaves a gap before it"
            raise _error(path, f"tensor {name!r} starts at byte {begin} and {problem} (which "
                               f"ends at byte {end})")
        end = stop
    if end > buffer_size:
        raise _error(path, f"the tensors need {end} bytes of data but the file holds "
                           f"{buffer_size} after the header (truncated)")
    if end < buffer_size:
        raise _error(path, f"{buffer_size - end} bytes follow the last tensor")


def _error(path, problem: str) -> SerializationError:
    return SerializationError(f"{os.fspath(path)}: {problem}")


# ----- constructor arguments as JSON ---------------------------------------------------------

class _Unencodable(Exception):
    """The module cannot be described for rebuilding (the reason is the message)."""


def _encode(value, modules: dict):
    """A JSON value for a constructor argument. Tuples, dicts, dtypes, non-finite floats and
    modules are tagged objects ``{"__tag__": ...}``; ``modules`` maps id(module) -> its number,
    so a module passed twice is rebuilt once and shared."""
    from ..nn import Module

    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else {"__float__": repr(float(value))}
    if isinstance(value, list):
        return [_encode(v, modules) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, modules) for v in value]}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise _Unencodable("a dict argument has keys that are not strings")
        tag = "__ordered_dict__" if isinstance(value, collections.OrderedDict) else "__dict__"
        return {tag: {k: _encode(v, modules) for k, v in value.items()}}
    if isinstance(value, np.dtype) and value in _CODES:
        return {"__dtype__": _CODES[value]}
    if isinstance(value, Module):
        if id(value) in modules:
            return {"__ref__": modules[id(value)]}
        description = _describe(value, modules)
        modules[id(value)] = len(modules)
        return {"__module__": description, "id": modules[id(value)]}
    raise _Unencodable(f"a constructor argument of type {type(value).__qualname__} has no JSON "
                       "form")


def _describe(module, modules: dict) -> dict:
    """How to rebuild ``module``: its class path and its constructor arguments, encoded."""
    cls = type(module)
    if not _is_neurenix_class(cls):
        raise _Unencodable(f"{cls.__module__}.{cls.__qualname__} is not a neurenix class")
    recorded = getattr(module, "_init_args", None)
    if recorded is None:
        raise _Unencodable(f"{cls.__qualname__} did not record its constructor arguments")
    args, kwargs = recorded
    return {"class": f"{cls.__module__}:{cls.__qualname__}",
            "args": [_encode(a, modules) for a in args],
            "kwargs": {k: _encode(v, modules) for k, v in kwargs.items()}}


def _is_neurenix_class(cls) -> bool:
    return ((cls.__module__ == "neurenix" or cls.__module__.startswith("neurenix."))
            and "<locals>" not in cls.__qualname__)


# A class path as recorded: "neurenix.a.b:Outer.Inner", no part a dunder (never neurenix.__main__).
_CLASS_PATH = re.compile(r"neurenix(\.(?!__)[A-Za-z_]\w*)*:(?!__)[A-Za-z_]\w*(\.(?!__)[A-Za-z_]\w*)*")


def _resolve(path, spec):
    """The Module subclass a manifest names, found only by importing a neurenix module and
    looking the name up in it; anything else is refused."""
    from ..nn import Module

    if not (isinstance(spec, str) and _CLASS_PATH.fullmatch(spec)):
        raise _error(path, f"the manifest names class {spec!r}; only neurenix Module classes "
                           "(neurenix.<module>:<Class>) are loaded")
    module_path, qualname = spec.split(":")
    try:
        found = importlib.import_module(module_path)
    except ImportError:
        raise _error(path, f"the manifest names class {spec!r}, but neurenix has no module "
                           f"{module_path} (saved by another neurenix version?)") from None
    for part in qualname.split("."):
        found = getattr(found, part, None)
    if not (isinstance(found, type) and issubclass(found, Module)
            and found.__module__ == module_path and found.__qualname__ == qualname):
        raise _error(path, f"the manifest names class {spec!r}, which is not a neurenix Module "
                           f"class defined in {module_path}")
    return found


def _decode(path, value, built: dict):
    """The constructor argument ``_encode`` described; nested modules are built (and ``built``
    maps their numbers to them, for shared references)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_decode(path, v, built) for v in value]
    if isinstance(value, dict) and len(value) == 1:
        (tag, body), = value.items()
        if tag == "__tuple__" and isinstance(body, list):
            return tuple(_decode(path, v, built) for v in body)
        if tag in ("__dict__", "__ordered_dict__") and isinstance(body, dict):
            kind = collections.OrderedDict if tag == "__ordered_dict__" else dict
            return kind((k, _decode(path, v, built)) for k, v in body.items())
        if tag == "__float__" and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "__dtype__" and body in _DTYPES:
            return _DTYPES[body]
        if tag == "__ref__" and type(body) is int and body in built:
            return built[body]
    if isinstance(value, dict) and value.keys() == {"__module__", "id"} and type(
            value["id"]) is int and value["id"] not in built:
        built[value["id"]] = _build(path, value["__module__"], built)
        return built[value["id"]]
    raise _error(path, f"the manifest holds a constructor argument neurenix did not write: "
                       f"{_preview(value)}")


def _build(path, description, built: dict):
    """A fresh module from its description (class, args, kwargs), initialised as usual."""
    if not (isinstance(description, dict)
            and description.keys() == {"class", "args", "kwargs"}
            and isinstance(description["args"], list) and isinstance(description["kwargs"], dict)):
        raise _error(path, f"the manifest describes a module as {_preview(description)}; "
                           "expected class, args and kwargs")
    cls = _resolve(path, description["class"])
    args = [_decode(path, a, built) for a in description["args"]]
    kwargs = {k: _decode(path, v, built) for k, v in description["kwargs"].items()}
    try:
        return cls(*args, **kwargs)
    except Exception as e:  # a constructor refusing its arguments: the file is at fault
        raise _error(path, f"cannot rebuild {description['class']} from the recorded "
                           f"arguments: {type(e).__name__}: {e}") from None


def _preview(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


# ----- the manifest -------------------------------------------------------------------------

def _digest(arrays: dict) -> str:
    """SHA-256 over every tensor's name, dtype, shape and bytes, in name order: it detects
    corrupted bytes and also a header whose entries were swapped or relabelled."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = arrays[name]
        code = _CODES[array.dtype.newbyteorder("=")]
        digest.update(json.dumps([name, code, array.shape]).encode("utf-8"))
        little = np.asarray(array, dtype=array.dtype.newbyteorder("<"), order="C")
        digest.update(little.reshape(-1).view(np.uint8))
    return digest.hexdigest()


def _module_manifest(module, arrays: dict, path: str) -> dict:
    """The manifest of a module file: how to rebuild it, or, when it cannot be described with
    neurenix classes, a state-dict manifest (and a warning saying how to load it)."""
    cls = type(module)
    try:
        description = _describe(module, {})
        _check_rebuild(path, module, description, arrays)
    except _Unencodable as e:
        name = f"{cls.__module__}.{cls.__qualname__}"
        warnings.warn(f"nx.save: {path} holds only the state dict of this {name}, because "
                      f"{e}. To load it, build the model yourself and call "
                      f"model.load_state_dict(nx.load({path!r}))", UserWarning, stacklevel=3)
        return {"kind": "state_dict", "class": name, "note": str(e)}
    return {"kind": "module", "module": description,
            "training": {name: m.training for name, m in module.named_modules()}}


def _check_rebuild(path: str, module, description: dict, arrays: dict) -> None:
    """Rebuild the module from its description now, so a file that would not load is never
    written: a module changed after construction (``seq.append(...)``, a replaced layer, an
    edited setting) no longer matches its constructor arguments. The rebuild draws initial
    weights, so the random state is put back afterwards."""
    state = get_rng_state()
    try:
        rebuilt = _build(path, description, {})
    except SerializationError as e:
        raise _Unencodable(f"its recorded constructor arguments do not rebuild it ({e})") from None
    finally:
        set_rng_state(state)
    shapes = {k: t.shape for k, t in rebuilt.state_dict().items()}
    if shapes != {k: a.shape for k, a in arrays.items()} or repr(rebuilt) != repr(module):
        raise _Unencodable("it was changed after construction (its state dict or its repr "
                           "differ from those of a module built from its constructor "
                           "arguments)")


def _read_manifest(path, metadata: dict, arrays: dict):
    """The checked manifest, or None for a safetensors file that neurenix did not write."""
    text = metadata.get(_MANIFEST_KEY)
    if text is None:
        return None
    try:
        manifest = json.loads(text, object_pairs_hook=_unique_keys,
                              parse_constant=_reject_constant)
    except (ValueError, RecursionError) as e:
        raise _error(path, f"the neurenix manifest is not valid JSON: {e}") from None
    if not (isinstance(manifest, dict) and manifest.get("format") == "neurenix"
            and type(manifest.get("version")) is int):
        raise _error(path, "the neurenix manifest has no format and version")
    if manifest["version"] > FORMAT_VERSION:
        raise _error(path, f"written in format version {manifest['version']} by a newer "
                           f"neurenix; this one reads version {FORMAT_VERSION}")
    if manifest.get("kind") not in ("module", "state_dict"):
        raise _error(path, f"unknown kind {manifest.get('kind')!r} in the neurenix manifest")
    if manifest.get("sha256") != _digest(arrays):
        raise _error(path, "the tensors do not match the checksum recorded when the file was "
                           "saved (corrupted, or modified since)")
    return manifest


def _rebuild(path, manifest: dict, arrays: dict):
    """The module a manifest describes, with the file's tensors and the saved modes."""
    module = _build(path, manifest.get("module"), {})
    try:
        # assign: each tensor takes the file's array and dtype (a float64 model stays float64).
        module.load_state_dict(arrays, strict=True, assign=True)
    except RuntimeError as e:
        raise _error(path, f"the tensors do not fit the rebuilt {type(module).__name__}: "
                           f"{e}") from None
    modes, modules = manifest.get("training"), dict(module.named_modules())
    if not (isinstance(modes, dict) and modes.keys() == modules.keys()
            and all(type(flag) is bool for flag in modes.values())):
        raise _error(path, "the manifest's train/eval modes do not match the rebuilt module's "
                           "sub-modules")
    for name, flag in modes.items():
        modules[name].training = flag
    return module


# ----- public API ---------------------------------------------------------------------------

def _arrays(state: dict, what: str) -> dict:
    """Name -> C-contiguous little-endian array, checked."""
    out = {}
    for name, value in state.items():
        if not isinstance(name, str) or name == "__metadata__":
            raise TypeError(f"nx.save: {what} keys must be strings other than '__metadata__', "
                            f"got {name!r}")
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"nx.save: {what} entry {name!r} is a {type(value).__name__}; only "
                            "Tensors and NumPy arrays can be saved")
        array = value.data if isinstance(value, Tensor) else value
        if array.dtype.newbyteorder("=") not in _CODES:
            raise TypeError(f"nx.save: {what} entry {name!r} has dtype {array.dtype}, which "
                            f"safetensors cannot hold (supported: "
                            f"{', '.join(str(d) for d in _CODES)})")
        out[name] = np.asarray(array, dtype=array.dtype.newbyteorder("<"), order="C")
    return out


def save(obj, path) -> None:
    """Save a module or a state dict to one safetensors file at ``path``, atomically.

    A module built from neurenix classes (``Sequential(Conv2d(3, 8, 3), ReLU())``, a
    ``UNet``...) is saved with the classes, constructor arguments and train/eval modes needed
    to rebuild it, so ``nx.load(path)`` returns a working module. A module that involves a class
    of your own (or constructor arguments with no JSON form, or changes made after
    construction) is saved as its state dict, with a warning: load it with
    ``model.load_state_dict(nx.load(path))`` on a model you build. Tensors keep PyTorch's
    state-dict names, so ``safetensors.torch.load_file(path)`` gives a PyTorch state dict.

    Args:
        obj: a ``nn.Module``, or a state dict (a mapping from str to Tensors or NumPy arrays).
        path: the file to write (str or path-like); ``.nx`` is the customary suffix. An
            existing file is replaced only once the new one is completely on disk.

    Raises: TypeError for anything else, or a tensor whose dtype safetensors has no name for.
    """
    from ..nn import Module

    path = os.fspath(path)
    if isinstance(obj, Module):
        arrays = _arrays(obj.state_dict(), "the module's state dict")
        manifest = _module_manifest(obj, arrays, path)
    elif isinstance(obj, dict) or (hasattr(obj, "keys") and hasattr(obj, "items")):
        arrays = _arrays(obj, "the state dict")
        manifest = {"kind": "state_dict"}
    else:
        raise TypeError(f"nx.save: expected a Module or a state dict (str -> Tensor), got "
                        f"{type(obj).__name__}")
    manifest = {"format": "neurenix", "version": FORMAT_VERSION, **manifest,
                "sha256": _digest(arrays)}
    _write_file(path, arrays, manifest)


def load(path, *, state_dict: bool = False):
    """Load what ``nx.save`` wrote, or any safetensors file.

    Args:
        path: the file (str or path-like).
        state_dict: return the tensors as a state dict even when the file holds a module (to
            load them into a module you built: ``model.load_state_dict(nx.load(p,
            state_dict=True))``).

    Returns: for a module file, the rebuilt module: the recorded neurenix classes constructed
    with their recorded arguments, every parameter and buffer loaded from the file
    (``load_state_dict(strict=True)``, dtypes as saved) and each sub-module's train/eval mode
    restored. For a state-dict file, or a safetensors file from another program, a dict from
    name to Tensor (``module.load_state_dict(nx.load(path))`` then works).

    Raises: SerializationError naming the file and the problem when the file is truncated,
    corrupt, not safetensors, or names anything but neurenix Module classes; nothing in the
    file is executed. OSError when it cannot be read.
    """
    path = os.fspath(path)
    arrays, metadata = _read_file(path)
    manifest = _read_manifest(path, metadata, arrays)
    if manifest is None or manifest["kind"] == "state_dict" or state_dict:
        return {name: Tensor._wrap(array) for name, array in arrays.items()}
    return _rebuild(path, manifest, arrays)
