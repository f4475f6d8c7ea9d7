"""The safetensors layout: what nx.save writes follows the spec, any state dict round-trips bit
for bit, and a file that breaks a rule of the layout is refused, quickly, naming the file."""
import json
import os
import tempfile
import time
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurenix as nx
from neurenix.serialization import layout
from serialization_helpers import load_error, raw_file

STATE = OrderedDict([
    ("w32", np.arange(12, dtype=np.float32).reshape(3, 4) / 7),
    ("w64", np.linspace(-1e300, 1e300, 5)),
    ("counts", np.array([1, -2, 2**62], dtype=np.int64)),
    ("mask", np.array([[True, False], [False, True]])),
    ("half", np.array([1.5, -0.25], dtype=np.float16)),
    ("i32", np.array(-7, dtype=np.int32)),  # 0-d
    ("bytes", np.arange(5, dtype=np.uint8)),
    ("empty", np.zeros((0, 3), dtype=np.float32)),
    ("special", np.array([np.nan, np.inf, -np.inf, -0.0], dtype=np.float32)),
    ("strided", np.arange(24, dtype=np.float64).reshape(4, 6).T[::2]),  # not contiguous
    ("big_endian", np.arange(3, dtype=">i4")),
])


def test_state_dict_round_trip_keeps_values_dtypes_shapes_and_order(tmp_path):
    state = OrderedDict((k, nx.Tensor(v) if k.startswith("w") else v) for k, v in STATE.items())
    nx.save(state, tmp_path / "state.nx")
    loaded = nx.load(tmp_path / "state.nx")
    assert type(loaded) is OrderedDict and list(loaded) == list(STATE)
    for key, expected in STATE.items():
        assert isinstance(loaded[key], nx.Tensor) and not loaded[key].requires_grad
        assert loaded[key].dtype == expected.dtype.newbyteorder("=")
        assert loaded[key].shape == expected.shape, key
        np.testing.assert_array_equal(loaded[key].data, expected)
        assert loaded[key].data.flags.writeable and loaded[key].data.flags.c_contiguous


@given(state=st.dictionaries(
    st.text(min_size=1, max_size=12),
    hnp.arrays(st.sampled_from([np.float16, np.float32, np.float64, np.int8, np.int32, np.int64,
                                np.uint8, np.uint64, np.bool_]),
               hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)),
    max_size=5))
def test_any_state_dict_round_trips_bit_for_bit(state):
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "state.nx")
        nx.save(state, path)
        loaded = nx.load(path)
    assert list(loaded) == list(state)
    for key, expected in state.items():
        got = loaded[key].data
        assert got.dtype == expected.dtype and got.shape == expected.shape
        assert got.tobytes() == np.ascontiguousarray(expected).tobytes()  # NaN payloads too


def test_file_layout_follows_the_safetensors_spec(tmp_path):
    path = tmp_path / "state.nx"
    nx.save(STATE, path)
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    assert n % 8 == 0 and raw[8:].startswith(b'{"__metadata__":{"neurenix_sha256":"')
    header = json.loads(raw[8:8 + n].decode("utf-8"))  # trailing spaces are JSON whitespace
    metadata = header.pop("__metadata__")
    assert list(metadata) == ["neurenix_sha256", "neurenix"]
    assert json.loads(metadata["neurenix"])["kind"] == "object"
    assert list(header) == list(STATE)  # the caller's order
    spans = sorted(tuple(info["data_offsets"]) for info in header.values())
    assert spans[0][0] == 0 and spans[-1][1] == len(raw) - 8 - n
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:]))  # back to back, no overlap
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = STATE[name].dtype.newbyteorder("<")
        stored = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype).reshape(info["shape"])
        np.testing.assert_array_equal(stored, STATE[name])
        assert begin % dtype.itemsize == 0  # aligned, as safetensors' own writer does


def _valid_bytes(tmp_path) -> bytes:
    nx.save(OrderedDict([("a", np.arange(6, dtype=np.float32)), ("b", np.ones(2, np.int64))]),
            tmp_path / "valid.nx")
    return (tmp_path / "valid.nx").read_bytes()


def test_truncated_files_are_refused(tmp_path):
    raw = _valid_bytes(tmp_path)
    for cut, problem in [(0, "0 bytes, too few"), (5, "5 bytes, too few"),
                         (20, "header length .* larger than the rest of the file"),
                         (len(raw) - 3, "truncated")]:
        path = tmp_path / f"cut{cut}.nx"
        path.write_bytes(raw[:cut])
        load_error(path, problem)


def test_random_bytes_and_other_formats_are_refused(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(20):
        path = tmp_path / f"noise{i}.bin"
        path.write_bytes(rng.integers(0, 256, int(rng.integers(0, 3000)), dtype=np.uint8).tobytes())
        load_error(path)
    npz = tmp_path / "arrays.npz"
    np.savez(npz, a=np.zeros(3))
    load_error(npz)
    (tmp_path / "small-header.bin").write_bytes((4).to_bytes(8, "little") + b"[1] ")
    load_error(tmp_path / "small-header.bin", "not a JSON object")


def _f32(shape, offsets):
    return {"a": {"dtype": "F32", "shape": shape, "data_offsets": offsets}}


HUGE = 2**63  # one more than any size NumPy or safetensors can index


@pytest.mark.parametrize("header, data, problem", [
    (b"{not json", b"", "not valid JSON"),
    (b'{"a": NaN}', b"", "not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, b"", "not a JSON object"),
    (b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}", b"", "not valid JSON.*nested too deeply"),
    (b"\xff\xfe{}", b"", "not a JSON object"),
    ({"__metadata__": {"k": 1}}, b"", "__metadata__ must map strings to strings"),
    ({"a": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4,
     "unknown dtype 'BF16'"),
    (_f32([3], [0, 8]), b"\0" * 8,
     r"shape \(3,\) of F32 needs 12 bytes, but data_offsets \[0, 8\] span 8"),
    (_f32([-2], [0, 8]), b"\0" * 8, "not a list of sizes"),
    (_f32([2.0], [0, 8]), b"\0" * 8, "not a list of sizes"),
    (_f32([True, 2], [0, 8]), b"\0" * 8, "not a list of sizes"),
    (_f32([HUGE], [0, 8]), b"\0" * 8, "not a list of sizes"),
    (_f32([1] * 33, [0, 4]), b"\0" * 4, "not a list of at most 32 sizes"),
    (_f32([0, 2**62, 2**62], [0, 0]), b"", "too large for NumPy"),
    (_f32([2], [8, 0]), b"\0" * 8, "is not \\[begin, end\\]"),
    (_f32([2], [0, HUGE]), b"\0" * 8, "is not \\[begin, end\\]"),
    ({"a": {"dtype": "F32", "shape": [2]}}, b"\0" * 8, "exactly dtype, shape and data_offsets"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8], "x": 1}}, b"\0" * 8,
     "exactly dtype, shape and data_offsets"),
    ({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
      "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12,
     "'b' starts at byte 4 and overlaps the previous tensor"),
    (_f32([2], [4, 12]), b"\0" * 12, "'a' starts at byte 4 and leaves a gap"),
    (_f32([4], [0, 16]), b"\0" * 8, "need 16 bytes of data but the file holds 8 .*truncated"),
    (_f32([2], [0, 8]), b"\0" * 12, "4 bytes follow the last tensor"),
    ({"a": {"dtype": "BOOL", "shape": [2], "data_offsets": [0, 2]}}, b"\x01\x07",
     "BOOL but holds bytes other than 0 and 1"),
])
def test_headers_that_lie_are_refused(header, data, problem, tmp_path):
    load_error(raw_file(tmp_path / "lie.nx", header, data), problem)


def test_duplicate_names_are_refused(tmp_path):
    entry = '{"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}'
    header = f'{{"a": {entry}, "a": {entry}}}'.encode()
    load_error(raw_file(tmp_path / "dup.nx", header, b"\0"), "duplicate key 'a'")


def test_a_long_shape_list_is_refused_before_anything_multiplies_it(tmp_path):
    # 2.2 MB of header: a shape of 400,000 large sizes. Multiplying them first took a minute.
    header = _f32([2**40] * 400_000, [0, 4])
    path = raw_file(tmp_path / "long.nx", header, b"\0" * 4)
    assert path.stat().st_size > 2_000_000
    start = time.perf_counter()
    message = load_error(path, "not a list of at most 32 sizes")
    assert time.perf_counter() - start < 1.0
    assert len(message) < 400  # the error quotes the start of the shape, not all of it


def test_tensor_bytes_are_little_endian_c_order():
    array = np.arange(6, dtype=">u2").reshape(2, 3).T
    assert layout.tensor_bytes(array).tobytes() == np.ascontiguousarray(array, "<u2").tobytes()
