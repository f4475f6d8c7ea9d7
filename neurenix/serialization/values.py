"""The JSON forms of the Python values a neurenix file records: a checkpoint's nesting of dicts,
lists and tuples of numbers, strings and None, and a module's constructor arguments.

JSON holds None, bools, ints, finite floats, strings and lists as themselves; anything else is
an object with one key that names what it is::

    {"__tuple__": [...]}                         a tuple
    {"__dict__": [[key, value], ...]}            a dict, keys str or int, in order (an
                                                 optimizer's state dict numbers its parameters)
    {"__ordered_dict__": [[key, value], ...]}    an OrderedDict (as state_dict() returns)
    {"__float__": "inf"}                         a float JSON cannot write: "inf", "-inf",
                                                 "nan" or "-nan"
    {"__dtype__": "F32"}                         a NumPy dtype, by its safetensors name

A subclass adds its own tags (a checkpoint's tensors; a constructor's modules). Reading accepts
exactly what writing produces, and at most ``MAX_DEPTH`` containers deep, so the recursion of
both is bounded whatever a program or a file nests.
"""
import math
from collections import OrderedDict

import numpy as np

from .layout import DTYPES, dtype_code, error, preview

MAX_DEPTH = 64  # containers (lists, tuples, dicts, modules) inside one another
_DICTS = {"__dict__": dict, "__ordered_dict__": OrderedDict}


class Unencodable(TypeError):
    """``nx.save`` has no form for a value (the message says which and where)."""


class Encoder:
    """Writes the JSON form of a value; ``other`` receives what plain data does not cover."""

    def where(self, path: tuple) -> str:
        """A readable position in the saved object: ``obj['optimizer']['state'][0]``."""
        return "obj" + "".join(f"[{part!r}]" for part in path)

    def encode(self, value, path: tuple = ()):
        """The JSON form of ``value``, found at ``path`` (a tuple of keys and indices)."""
        if len(path) > MAX_DEPTH:
            raise Unencodable(f"{self.where(path)} is nested more than {MAX_DEPTH} containers deep")
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            return float(value) if math.isfinite(value) else {"__float__": _non_finite(value)}
        if isinstance(value, list):
            return [self.encode(v, path + (i,)) for i, v in enumerate(value)]
        if isinstance(value, tuple):
            return {"__tuple__": [self.encode(v, path + (i,)) for i, v in enumerate(value)]}
        if isinstance(value, dict):
            tag = "__ordered_dict__" if isinstance(value, OrderedDict) else "__dict__"
            return {tag: [[self.key(k, path), self.encode(v, path + (k,))]
                          for k, v in value.items()]}
        if isinstance(value, np.dtype) and dtype_code(value) is not None:
            return {"__dtype__": dtype_code(value)}
        return self.other(value, path)

    def key(self, key, path: tuple):
        """A dict key as written: a str, or an int (NumPy integers included)."""
        if isinstance(key, str):
            return key
        if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
            return int(key)
        raise Unencodable(f"{self.where(path)} has the key {key!r}; dict keys must be str or int")

    def other(self, value, path: tuple):
        raise Unencodable(f"{self.where(path)} is a {type(value).__qualname__}, which has no form "
                          "in a neurenix file")


def _non_finite(value: float) -> str:
    """"inf", "-inf", "nan" or "-nan": repr drops a NaN's sign, which float() reads back."""
    if math.isnan(value):
        return "-nan" if math.copysign(1.0, value) < 0 else "nan"
    return repr(float(value))


class Decoder:
    """Reads what ``Encoder`` wrote, refusing anything else with a SerializationError naming
    the file; ``other`` receives the subclass's tags."""

    def __init__(self, path: str):
        self.path = path

    def decode(self, value, depth: int = 0):
        """The Python value of the JSON form ``value``, ``depth`` containers deep."""
        if depth > MAX_DEPTH:
            raise error(self.path, f"the manifest nests values more than {MAX_DEPTH} deep")
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self.decode(v, depth + 1) for v in value]
        if isinstance(value, dict) and len(value) == 1:
            (tag, body), = value.items()
            if tag == "__tuple__" and isinstance(body, list):
                return tuple(self.decode(v, depth + 1) for v in body)
            if tag in _DICTS and isinstance(body, list):
                return self._dict(_DICTS[tag], body, depth)
            if tag == "__float__" and body in ("nan", "-nan", "inf", "-inf"):
                return float(body)
            if tag == "__dtype__" and body in DTYPES:
                return DTYPES[body]
        return self.other(value, depth)

    def _dict(self, kind: type, pairs: list, depth: int) -> dict:
        out = kind()
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2 and type(pair[0]) in (str, int)
                    and pair[0] not in out):
                raise error(self.path, f"the manifest holds a dict entry neurenix does not "
                                       f"write: {preview(pair)}")
            out[pair[0]] = self.decode(pair[1], depth + 1)
        return out

    def other(self, value, depth: int):
        raise error(self.path, f"the manifest holds a value neurenix does not write: "
                               f"{preview(value)}")
