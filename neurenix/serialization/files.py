"""``nx.save`` and ``nx.load``: a module, a tensor or a whole training checkpoint in one
safetensors file (layout in ``layout.py``), verified as a whole, and never a pickle.

The tensors carry names a PyTorch user expects: a module's or a state dict's keys as they are
(so ``safetensors.torch.load_file(path)`` hands a neurenix model to PyTorch), a checkpoint's
tensors their dotted position (``optimizer.state.0.exp_avg``). The header's ``__metadata__``
holds exactly two entries, in this order::

    "neurenix_sha256": SHA-256 over the header's length, the header with these 64 hex
                       digits read as zeros (manifest, names, dtypes, shapes, offsets,
                       padding), and every tensor's bytes, in header order
    "neurenix":        the manifest, a JSON string:
        {"format": "neurenix", "version": 2, "kind": "module",
         "module": <classes and constructor arguments, see modules.py>,
         "training": {sub-module path: bool}, "frozen": [parameter names],
         "tied": [[names of one tensor], ...]}
     or {"format": "neurenix", "version": 2, "kind": "object",
         "object": <the saved value in the JSON forms of values.py, each tensor
                    {"__tensor__": its name in the file}>,
         "tied": [[names of one tensor], ...]}

Because the digest sits at a fixed place (the header starts ``{"__metadata__":
{"neurenix_sha256":"``), checking it needs no trust in the rest of the header, and any single
flipped bit, wherever it is, is refused rather than loaded as something else. A safetensors file
from elsewhere has no metadata or ``{"format": "pt"}`` and loads as a state dict; any other
metadata is refused, so that damage to neurenix's two keys cannot turn verification off.
"""
import hashlib
import json
import os
import warnings

import numpy as np

from ..core.tensor import Tensor
from ..nn import Module
from . import layout, modules, ties
from .atomic import replacing
from .layout import DTYPES, error, preview, strict_json, tensor_bytes
from .values import Decoder, Encoder, Unencodable

FORMAT_VERSION = 2
MANIFEST_KEY, DIGEST_KEY = "neurenix", "neurenix_sha256"
_DIGEST_PREFIX = b'{"__metadata__":{"' + DIGEST_KEY.encode() + b'":"'
_DIGEST_SLOT = slice(len(_DIGEST_PREFIX), len(_DIGEST_PREFIX) + 64)  # within the header
_PLAIN_METADATA = ({}, {"format": "pt"})  # what other programs' safetensors files hold
_MANIFEST_KEYS = {"module": {"format", "version", "kind", "module", "training", "frozen", "tied"},
                  "object": {"format", "version", "kind", "object", "tied"}}


# ----- checkpoints: any nesting of plain values and tensors ---------------------------------

class _ObjectEncoder(Encoder):
    """A saved value's JSON form; each Tensor or array goes to the file under its dotted
    position (``model.conv.weight``), made unique with ``#1``, ``#2``... if two collide."""

    def __init__(self):
        self.arrays = {}  # name -> array (Tensors give theirs), in the order met

    def other(self, value, path: tuple):
        if isinstance(value, Module):
            raise Unencodable(f"{self.where(path)} is a Module; save the module alone, or its "
                              "state_dict() inside a checkpoint")
        if not isinstance(value, (Tensor, np.ndarray)):
            return super().other(value, path)
        array = value.data if isinstance(value, Tensor) else value
        if layout.dtype_code(array.dtype) is None:
            raise Unencodable(f"{self.where(path)} has dtype {array.dtype}, which safetensors "
                              f"cannot hold (supported: "
                              f"{', '.join(str(d) for d in DTYPES.values())})")
        name = base = ".".join(str(part) for part in path)
        count = 0
        while name in self.arrays or name == "__metadata__":
            count += 1
            name = f"{base}#{count}"
        self.arrays[name] = array
        return {"__tensor__": name}


class _ObjectDecoder(Decoder):
    """Reads what ``_ObjectEncoder`` wrote: each name of the file once, tied names as one
    Tensor."""

    def __init__(self, path: str, arrays: dict, tied: list):
        super().__init__(path)
        self.arrays, self.first = arrays, ties.first_names(path, tied, arrays)
        self.tensors = {}  # first name of a group -> its Tensor
        self.placed = set()

    def load(self, manifest: dict):
        value = self.decode(manifest["object"])
        if self.placed != self.arrays.keys():
            missing = [name for name in self.arrays if name not in self.placed]
            raise error(self.path, f"the manifest places none of the tensors {preview(missing)}")
        return value

    def other(self, value, depth: int):
        if isinstance(value, dict) and value.keys() == {"__tensor__"}:
            name = value["__tensor__"]
            if isinstance(name, str) and name in self.arrays and name not in self.placed:
                self.placed.add(name)
                first = self.first.get(name, name)
                if first not in self.tensors:
                    self.tensors[first] = Tensor._wrap(self.arrays[first])
                return self.tensors[first]
        return super().other(value, depth)


# ----- the digest and the manifest ----------------------------------------------------------

def _digest(header: bytes, arrays: dict) -> str:
    """SHA-256 of the file ``header`` and ``arrays`` (in header order) make, with the digest
    slot of the header read as 64 zeros."""
    digest = hashlib.sha256(len(header).to_bytes(8, "little"))
    digest.update(header[:_DIGEST_SLOT.start] + b"0" * 64 + header[_DIGEST_SLOT.stop:])
    for array in arrays.values():
        digest.update(tensor_bytes(array))
    return digest.hexdigest()


def _sealed(manifest: str, arrays: dict) -> tuple:
    """``layout.encode`` of a neurenix file holding the JSON text ``manifest`` and ``arrays``
    (name -> array), its digest in place."""
    header, ordered = layout.encode(arrays, {DIGEST_KEY: "0" * 64, MANIFEST_KEY: manifest})
    digest = _digest(header, arrays).encode()
    return header[:_DIGEST_SLOT.start] + digest + header[_DIGEST_SLOT.stop:], ordered


def _read_manifest(path: str, header: bytes, metadata: dict, arrays: dict):
    """The checked manifest of a neurenix file, or None for a plain safetensors file."""
    if metadata in _PLAIN_METADATA:
        return None
    if metadata.keys() != {DIGEST_KEY, MANIFEST_KEY}:
        raise error(path, f"unknown metadata {preview(sorted(metadata))}: a neurenix file holds "
                          f"{DIGEST_KEY} and {MANIFEST_KEY}, another program's safetensors file "
                          "none or format: pt")
    recorded = metadata[DIGEST_KEY]
    if not (header.startswith(_DIGEST_PREFIX) and header[_DIGEST_SLOT] == recorded.encode()):
        raise error(path, f"the {DIGEST_KEY} digest is not where neurenix writes it")
    if _digest(header, arrays) != recorded:
        raise error(path, "the file does not match the digest recorded when it was saved "
                          "(corrupted, or modified since)")
    try:
        manifest = strict_json(metadata[MANIFEST_KEY])
    except ValueError as e:
        raise error(path, f"the neurenix manifest is not valid JSON: {e}") from None
    if not (isinstance(manifest, dict) and manifest.get("format") == "neurenix"
            and type(manifest.get("version")) is int):
        raise error(path, "the neurenix manifest has no format and version")
    if manifest["version"] != FORMAT_VERSION:
        newer = "a newer" if manifest["version"] > FORMAT_VERSION else "an older"
        raise error(path, f"written in format version {manifest['version']} by {newer} "
                          f"neurenix; this one reads version {FORMAT_VERSION}")
    kind = manifest.get("kind")
    if not (isinstance(kind, str) and manifest.keys() == _MANIFEST_KEYS.get(kind)):
        written = {name: sorted(keys) for name, keys in _MANIFEST_KEYS.items()}
        raise error(path, f"the neurenix manifest has kind {preview(kind)} and entries "
                          f"{preview(sorted(manifest))}; neurenix writes {preview(written)}")
    if manifest["kind"] == "module" and not (
            isinstance(manifest["training"], dict)
            and all(type(flag) is bool for flag in manifest["training"].values())
            and isinstance(manifest["frozen"], list)
            and all(isinstance(name, str) for name in manifest["frozen"])):
        raise error(path, "the manifest's train/eval modes or frozen parameters are not a "
                          "dict of bools and a list of names")
    return manifest


# ----- public API ---------------------------------------------------------------------------

def save(obj, path) -> None:
    """Save a module, a tensor, a state dict or a whole checkpoint to one safetensors file at
    ``path``, atomically.

    A module built from neurenix classes (``Sequential(Conv2d(3, 8, 3), ReLU())``, a
    ``UNet``...) is saved with the classes, constructor arguments, train/eval modes, frozen
    parameters and tied weights needed to rebuild it, so ``nx.load(path)`` returns a working
    module. A module involving a class of your own (or a constructor argument with no JSON form,
    or changes made after construction, such as ``Sequential.append``) is saved as its state
    dict, with a warning: load it with ``model.load_state_dict(nx.load(path))`` into a model you
    build. Settings changed after construction that the module's repr does not show are not
    recorded.

    Anything else is saved as a value: any nesting of dicts (str or int keys), lists and tuples
    of Tensors, NumPy arrays, Python ints, floats, bools, strings and None, such as::

        nx.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(), "rng": nx.get_rng_state(),
                 "epoch": epoch}, "checkpoint.nx")

    Tensors keep a state dict's keys as their names, so ``safetensors.torch.load_file(path)``
    gives PyTorch a module's or a state dict's tensors. A tensor held at two places (tied
    weights) is written under both names and comes back from ``nx.load`` as one tensor.

    Args:
        obj: what to save.
        path: the file to write (str or path-like); ``.nx`` is the customary suffix. An
            existing file is replaced only once the new one is completely on disk; if writing
            fails, the old file stays as it was and no temporary file is left.

    Raises: TypeError for a value of another type, a dict key other than str or int, nesting
        more than 64 containers deep, a Module inside a checkpoint, or a tensor whose dtype
        safetensors cannot name. OSError naming ``path`` when it cannot be written.
    """
    path = os.fspath(path)
    encoder = _ObjectEncoder()
    value = encoder.encode(obj.state_dict() if isinstance(obj, Module) else obj)
    tied = ties.groups(encoder.arrays)
    manifest = {"kind": "object", "object": value}
    if isinstance(obj, Module):
        try:
            manifest = {"kind": "module", **modules.describe(path, obj, encoder.arrays, tied)}
        except Unencodable as e:
            name = f"{type(obj).__module__}.{type(obj).__qualname__}"
            warnings.warn(f"nx.save: {path} holds only the state dict of this {name}, because "
                          f"{e}. To load it, build the model yourself and call "
                          f"model.load_state_dict(nx.load({path!r}))", UserWarning, stacklevel=2)
    manifest = {"format": "neurenix", "version": FORMAT_VERSION, **manifest, "tied": tied}
    text = json.dumps(manifest, allow_nan=False, separators=(",", ":"))
    with replacing(path) as f:
        layout.write(f, *_sealed(text, encoder.arrays))


def load(path, *, state_dict: bool = False):
    """Load what ``nx.save`` wrote, or any plain safetensors file.

    Args:
        path: the file (str or path-like).
        state_dict: for a module file, return its tensors as a state dict instead of the module
            (to load them into a module you built: ``model.load_state_dict(nx.load(path,
            state_dict=True))``).

    Returns: for a module file, the rebuilt module: its neurenix classes constructed with their
    recorded arguments, every parameter and buffer loaded from the file
    (``load_state_dict(strict=True)``, dtypes as saved), tied weights one Parameter again,
    frozen parameters frozen and each sub-module's train/eval mode restored. For any other
    saved value, that value, with Tensors where it held Tensors or NumPy arrays (tuples stay
    tuples, an OrderedDict stays one). For a safetensors file from another program, a dict from
    name to Tensor, so ``module.load_state_dict(nx.load(path))`` works.

    Raises: SerializationError naming the file and the problem when the file is truncated,
    corrupt (any single flipped bit), not safetensors, of unknown metadata, or describes
    anything but neurenix Module classes, more than it holds, or a module its tensors do not
    fit. Until it is refused or loaded, a file takes time and memory proportional to its size,
    whatever it claims (but for the arithmetic of constructors on their recorded numbers; see
    the README's known limits); nothing in it is ever executed. OSError when the file cannot be
    read.
    """
    path = os.fspath(path)
    header, metadata, arrays = layout.read(path)
    manifest = _read_manifest(path, header, metadata, arrays)
    if manifest is None or (manifest["kind"] == "module" and state_dict):
        return {name: Tensor._wrap(array) for name, array in arrays.items()}
    if manifest["kind"] == "module":
        return modules.rebuild(path, manifest, arrays)
    return _ObjectDecoder(path, arrays, manifest["tied"]).load(manifest)
