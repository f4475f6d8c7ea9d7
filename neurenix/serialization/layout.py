"""The safetensors file layout, read and written with NumPy and json alone.

safetensors (https://github.com/huggingface/safetensors) stores named tensors as::

    8 bytes        N, the header length, unsigned little-endian
    N bytes        a JSON object, padded with spaces to a multiple of 8:
                   {"conv.weight": {"dtype": "F32", "shape": [8, 3, 3, 3],
                                    "data_offsets": [0, 864]},
                    ..., "__metadata__": {str: str}}
    the rest       every tensor's raw little-endian C-order bytes, back to back; the offsets
                   count from the start of this region and tile it exactly

Reading checks every byte of that: a file that breaks a rule raises ``SerializationError``
naming the file and the rule. No byte of the file is ever executed, nor handed to a loader
that could run code.
"""
import contextlib
import errno
import json
import math
import os
import stat
import tempfile

import numpy as np

_MAX_HEADER = 100 * 1024 * 1024  # safetensors' own limit on the header length

# safetensors' dtype names for the NumPy dtypes (BF16 and the FP8 types have no NumPy dtype).
DTYPES = {"BOOL": np.dtype(np.bool_), "U8": np.dtype(np.uint8), "I8": np.dtype(np.int8),
          "U16": np.dtype(np.uint16), "I16": np.dtype(np.int16), "F16": np.dtype(np.float16),
          "U32": np.dtype(np.uint32), "I32": np.dtype(np.int32), "F32": np.dtype(np.float32),
          "U64": np.dtype(np.uint64), "I64": np.dtype(np.int64), "F64": np.dtype(np.float64)}
_CODES = {dtype: code for code, dtype in DTYPES.items()}


class SerializationError(Exception):
    """``nx.load`` refuses a file: truncated, corrupt, not safetensors, or tampered with. The
    message names the file and the problem."""


def dtype_code(dtype: np.dtype):
    """safetensors' name for ``dtype`` ("F32"), whatever its byte order; None if it has none."""
    return _CODES.get(np.dtype(dtype).newbyteorder("="))


def little_endian(array: np.ndarray) -> np.ndarray:
    """``array`` as C-contiguous little-endian bytes (no copy when it already is)."""
    return np.asarray(array, dtype=array.dtype.newbyteorder("<"), order="C")


def write_file(path: str, arrays: dict, metadata: dict) -> None:
    """Write ``arrays`` (name -> array of a dtype with a safetensors name) and ``metadata``
    (str -> str) to ``path`` atomically: an existing file is replaced only once the new one is
    completely on disk."""
    arrays = {name: little_endian(array) for name, array in arrays.items()}
    # Bytes of the widest dtypes first, as safetensors' own writer does: the header length is a
    # multiple of 8, so every tensor then starts at a multiple of its item size. The header
    # keeps the caller's order, which reading returns.
    order = sorted(arrays, key=lambda name: -arrays[name].dtype.itemsize)
    offsets, offset = {}, 0
    for name in order:
        offsets[name] = [offset, offset + arrays[name].nbytes]
        offset += arrays[name].nbytes
    header = {name: {"dtype": dtype_code(array.dtype), "shape": list(array.shape),
                     "data_offsets": offsets[name]} for name, array in arrays.items()}
    header["__metadata__"] = metadata
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
    # Checked first, so the error names the user's path rather than the temporary file's.
    if not os.path.isdir(folder):
        raise FileNotFoundError(errno.ENOENT, f"nx.save: the folder {folder!r} does not exist",
                                path)
    if os.path.isdir(path):
        raise IsADirectoryError(errno.EISDIR, "nx.save: the target is a directory", path)
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


def read_file(path: str) -> tuple:
    """The tensors (name -> array, in header order) and the ``__metadata__`` dict of a
    safetensors file, every byte of the layout checked."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < 8:
            raise error(path, f"the file has {size} bytes, too few for the 8-byte header length "
                               "(truncated, or not a safetensors file)")
        n = int.from_bytes(f.read(8), "little")
        if n > size - 8:
            raise error(path, f"the header length {n} is larger than the rest of the file "
                               f"({size - 8} bytes): truncated, or not a safetensors file")
        if n > _MAX_HEADER:
            raise error(path, f"the header length {n} exceeds the {_MAX_HEADER}-byte limit")
        header = _parse_header(path, f.read(n))
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
            raw = array.reshape(-1).view(np.uint8)
            if f.readinto(raw) != end - begin:
                raise error(path, f"tensor {name!r} ends past the end of the file (truncated)")
            if dtype == DTYPES["BOOL"] and (raw > 1).any():
                raise error(path, f"tensor {name!r} is BOOL but holds bytes other than 0 and 1")
            arrays[name] = array.astype(dtype, copy=False)  # native byte order
    return {name: arrays[name] for name in entries}, metadata


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
    """(dtype, shape, (begin, end)) of one header entry, each field checked."""
    if not isinstance(info, dict) or not {"dtype", "shape", "data_offsets"} <= info.keys():
        raise error(path, f"tensor {name!r}: a header entry needs dtype, shape and data_offsets")
    dtype = DTYPES.get(info["dtype"]) if isinstance(info["dtype"], str) else None
    if dtype is None:
        raise error(path, f"tensor {name!r}: unknown dtype {info['dtype']!r} (neurenix reads "
                           f"{', '.join(DTYPES)})")
    shape, offsets = info["shape"], info["data_offsets"]
    if not (isinstance(shape, list) and all(_is_count(s) for s in shape)):
        raise error(path, f"tensor {name!r}: shape {shape!r} is not a list of sizes")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_is_count, offsets))
            and offsets[0] <= offsets[1]):
        raise error(path, f"tensor {name!r}: data_offsets {offsets!r} is not [begin, end] "
                           "with 0 <= begin <= end")
    nbytes = math.prod(shape) * dtype.itemsize
    if offsets[1] - offsets[0] != nbytes:
        raise error(path, f"tensor {name!r}: shape {tuple(shape)} of {info['dtype']} needs "
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
            raise error(path, f"tensor {name!r} starts at byte {begin} and {problem} (which "
                               f"ends at byte {end})")
        end = stop
    if end > buffer_size:
        raise error(path, f"the tensors need {end} bytes of data but the file holds "
                           f"{buffer_size} after the header (truncated)")
    if end < buffer_size:
        raise error(path, f"{buffer_size - end} bytes follow the last tensor")


def error(path, problem: str) -> SerializationError:
    """The SerializationError to raise for ``problem`` in the file at ``path`` (named first)."""
    return SerializationError(f"{os.fspath(path)}: {problem}")
