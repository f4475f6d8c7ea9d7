"""The safetensors file layout, read and written with NumPy and json alone.

safetensors (https://github.com/huggingface/safetensors) stores named tensors as::

    8 bytes        N, the header length, unsigned little-endian
    N bytes        a JSON object, padded with spaces to a multiple of 8:
                   {"__metadata__": {str: str},
                    "conv.weight": {"dtype": "F32", "shape": [8, 3, 3, 3],
                                    "data_offsets": [0, 864]}, ...}
    the rest       every tensor's raw little-endian C-order bytes, back to back; the offsets
                   count from the start of this region and tile it exactly

Reading checks every byte of that, each limit before any arithmetic that depends on it, so a
file of N bytes costs time and memory proportional to N however it lies: a file that breaks a
rule raises ``SerializationError`` naming the file and the rule. No byte of the file is ever
executed, nor handed to a loader that could run code.
"""
import json
import math
import os
import reprlib
import sys

import numpy as np

MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the header length
MAX_DIMS = 32  # the most dimensions NumPy 1.x holds (PyTorch and NumPy 2 allow more)

# safetensors' dtype names for the NumPy dtypes (BF16 and the FP8 types have no NumPy dtype).
DTYPES = {"BOOL": np.dtype(np.bool_), "U8": np.dtype(np.uint8), "I8": np.dtype(np.int8),
          "U16": np.dtype(np.uint16), "I16": np.dtype(np.int16), "F16": np.dtype(np.float16),
          "U32": np.dtype(np.uint32), "I32": np.dtype(np.int32), "F32": np.dtype(np.float32),
          "U64": np.dtype(np.uint64), "I64": np.dtype(np.int64), "F64": np.dtype(np.float64)}
_CODES = {dtype: code for code, dtype in DTYPES.items()}


class SerializationError(Exception):
    """``nx.load`` refuses a file: truncated, corrupt, not safetensors, tampered with, or
    describing more than it holds. The message names the file and the problem."""


def error(path, problem: str) -> SerializationError:
    """The SerializationError to raise for ``problem`` in the file at ``path`` (named first)."""
    return SerializationError(f"{os.fspath(path)}: {problem}")


def dtype_code(dtype: np.dtype):
    """safetensors' name for ``dtype`` ("F32"), whatever its byte order; None if it has none."""
    return _CODES.get(np.dtype(dtype).newbyteorder("="))


def little_endian(array: np.ndarray) -> np.ndarray:
    """``array`` as C-contiguous little-endian bytes (no copy when it already is)."""
    return np.asarray(array, dtype=array.dtype.newbyteorder("<"), order="C")


def tensor_bytes(array: np.ndarray) -> np.ndarray:
    """The bytes ``array`` occupies in a file: flat uint8, little-endian, C order."""
    return little_endian(array).reshape(-1).view(np.uint8)


# ----- writing ------------------------------------------------------------------------------

def encode(arrays: dict, metadata: dict) -> tuple:
    """The header for ``arrays`` (name -> array of a dtype with a safetensors name) and
    ``metadata`` (str -> str, written first and in its order), and the arrays in the order
    their bytes follow it.

    Returns: (header bytes, padded, without the length; list of arrays in file order).
    """
    arrays = {name: little_endian(array) for name, array in arrays.items()}
    # Bytes of the widest dtypes first, as safetensors' own writer does: the header length is a
    # multiple of 8, so every tensor then starts at a multiple of its item size. The header
    # keeps the caller's order, which reading returns.
    order = sorted(arrays, key=lambda name: -arrays[name].dtype.itemsize)
    offsets, offset = {}, 0
    for name in order:
        offsets[name] = [offset, offset + arrays[name].nbytes]
        offset += arrays[name].nbytes
    header = {"__metadata__": metadata}
    header.update((name, {"dtype": dtype_code(array.dtype), "shape": list(array.shape),
                          "data_offsets": offsets[name]}) for name, array in arrays.items())
    text = json.dumps(header, allow_nan=False, separators=(",", ":")).encode("utf-8")
    return text + b" " * (-len(text) % 8), [arrays[name] for name in order]


def write(f, header: bytes, ordered: list) -> None:
    """Write the file ``encode`` described to the binary file ``f``."""
    f.write(len(header).to_bytes(8, "little"))
    f.write(header)
    for array in ordered:
        f.write(tensor_bytes(array))


# ----- reading ------------------------------------------------------------------------------

def read(path: str) -> tuple:
    """The raw header, the ``__metadata__`` dict and the tensors of a safetensors file, every
    byte of the layout checked.

    Returns: (header bytes as in the file, metadata {str: str}, {name: array} in header order,
        each array in native byte order).
    Raises: SerializationError naming ``path`` and the broken rule; OSError when the file cannot
        be read.
    """
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < 8:
            raise error(path, f"the file has {size} bytes, too few for the 8-byte header length "
                              "(truncated, or not a safetensors file)")
        n = int.from_bytes(f.read(8), "little")
        if n > size - 8:
            raise error(path, f"the header length {n} is larger than the rest of the file "
                              f"({size - 8} bytes): truncated, or not a safetensors file")
        if n > MAX_HEADER:
            raise error(path, f"the header length {n} exceeds the {MAX_HEADER}-byte limit")
        raw = f.read(n)
        header = _parse_header(path, raw)
        metadata = header.pop("__metadata__", {})
        if not (isinstance(metadata, dict)
                and all(isinstance(v, str) for v in metadata.values())):
            raise error(path, "__metadata__ must map strings to strings")
        entries = {name: _entry(path, name, info) for name, info in header.items()}
        _check_offsets(path, entries, size - 8 - n)
        arrays = {}
        for name in sorted(entries, key=lambda k: entries[k][2]):
            dtype, shape, (begin, end) = entries[name]
            array = np.empty(shape, dtype.newbyteorder("<"))
            raw_tensor = array.reshape(-1).view(np.uint8)
            if f.readinto(raw_tensor) != end - begin:
                raise error(path, f"tensor {name!r} ends past the end of the file (truncated)")
            if dtype == DTYPES["BOOL"] and (raw_tensor > 1).any():
                raise error(path, f"tensor {name!r} is BOOL but holds bytes other than 0 and 1")
            arrays[name] = array.astype(dtype, copy=False)  # native byte order
    return raw, metadata, {name: arrays[name] for name in entries}


def _parse_header(path: str, raw: bytes) -> dict:
    if not raw.startswith(b"{"):
        raise error(path, "the header is not a JSON object (not a safetensors file)")
    try:
        header = strict_json(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise error(path, f"the header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise error(path, "the header is not a JSON object")
    return header


def strict_json(text: str):
    """``json.loads`` refusing what JSON does not allow or what makes a header ambiguous: a
    duplicate key, NaN and Infinity, and nesting too deep to parse (all ValueError)."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


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
    """(dtype, shape, (begin, end)) of one header entry, each field checked; the number of
    dimensions and each size are bounded before they are multiplied."""
    if not isinstance(info, dict) or info.keys() != {"dtype", "shape", "data_offsets"}:
        raise error(path, f"tensor {name!r}: a header entry holds exactly dtype, shape and "
                          "data_offsets")
    dtype = DTYPES.get(info["dtype"]) if isinstance(info["dtype"], str) else None
    if dtype is None:
        raise error(path, f"tensor {name!r}: unknown dtype {preview(info['dtype'])} (neurenix "
                          f"reads {', '.join(DTYPES)})")
    shape, offsets = info["shape"], info["data_offsets"]
    if not isinstance(shape, list) or len(shape) > MAX_DIMS:
        raise error(path, f"tensor {name!r}: shape {preview(shape)} is not a list of at most "
                          f"{MAX_DIMS} sizes")
    if not all(_is_count(s) for s in shape):
        raise error(path, f"tensor {name!r}: shape {preview(shape)} is not a list of sizes")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))
            and offsets[0] <= offsets[1]):
        raise error(path, f"tensor {name!r}: data_offsets {preview(offsets)} is not "
                          "[begin, end] with 0 <= begin <= end")
    # NumPy refuses a shape whose nonzero sizes multiply past its index type, even when
    # another size is 0 and the tensor holds nothing.
    if math.prod(s for s in shape if s) * dtype.itemsize > sys.maxsize:
        raise error(path, f"tensor {name!r}: shape {tuple(shape)} is too large for NumPy")
    nbytes = math.prod(shape) * dtype.itemsize
    if offsets[1] - offsets[0] != nbytes:
        raise error(path, f"tensor {name!r}: shape {tuple(shape)} of {info['dtype']} needs "
                          f"{nbytes} bytes, but data_offsets {offsets} span "
                          f"{offsets[1] - offsets[0]}")
    return dtype, tuple(shape), tuple(offsets)


def _is_count(value) -> bool:
    """A size or an offset: a non-negative int that fits in 63 bits (as safetensors' u64 and
    NumPy's index type do), so products of a few of them stay cheap to compute."""
    return type(value) is int and 0 <= value <= sys.maxsize


def _check_offsets(path: str, entries: dict, buffer_size: int) -> None:
    """The tensors must tile the byte region exactly: from 0, back to back, to its end."""
    end = 0
    for name, (_, _, (begin, stop)) in sorted(entries.items(), key=lambda item: item[1][2]):
        if begin != end:
            problem = "overlaps the previous tensor" if begin < end else "leaves a gap before it"
            raise error(path, f"tensor {name!r} starts at byte {begin} and {problem} (which "
                              f"ends at byte {end})")
        end = stop
    if end > buffer_size:
        raise error(path, f"the tensors need {end} bytes of data but the file holds "
                          f"{buffer_size} after the header (truncated)")
    if end < buffer_size:
        raise error(path, f"{buffer_size - end} bytes follow the last tensor")


_PREVIEW = reprlib.Repr()
_PREVIEW.maxlevel, _PREVIEW.maxlist, _PREVIEW.maxdict, _PREVIEW.maxstring = 3, 6, 4, 60


def preview(value) -> str:
    """A short repr of ``value`` (a few elements, a few levels): error messages stay short
    however large or deeply nested the part of a file they quote."""
    return _PREVIEW.repr(value)
