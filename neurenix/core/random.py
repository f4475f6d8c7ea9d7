"""One random generator drives all of neurenix: initialisation, dropout, shuffling, rand/randn.
``manual_seed`` resets it, so a seeded program is reproducible; ``get_rng_state`` and
``set_rng_state`` snapshot and restore it (a resumed training run draws what the interrupted one
would have drawn)."""
import numpy as np

from .tensor import Tensor

_generator = np.random.default_rng()

# The generator is NumPy's PCG64. Its state as bytes, little-endian: the 128-bit state, the
# 128-bit increment, then whether half of a 64-bit draw is cached (uint32 0 or 1) and that half.
_FIELDS = (("state", 16), ("inc", 16), ("has_uint32", 4), ("uinteger", 4))
_STATE_BYTES = sum(size for _, size in _FIELDS)


def manual_seed(seed: int) -> np.random.Generator:
    """Seed neurenix's generator (as torch.manual_seed); returns it."""
    global _generator
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator() -> np.random.Generator:
    """The generator every random op draws from unless it is given one."""
    return _generator


def get_rng_state() -> Tensor:
    """A snapshot of the generator's state, as ``torch.get_rng_state``: a uint8 Tensor, so that
    a checkpoint holds it like any tensor (``nx.save({"rng": nx.get_rng_state(), ...})``).

    Shape: (40,), dtype uint8: the PCG64 fields described above.
    Returns: a new Tensor; the generator keeps drawing independently of it.
    """
    state = _generator.bit_generator.state
    values = {"state": state["state"]["state"], "inc": state["state"]["inc"],
              "has_uint32": state["has_uint32"], "uinteger": state["uinteger"]}
    raw = b"".join(int(values[name]).to_bytes(size, "little") for name, size in _FIELDS)
    return Tensor._wrap(np.frombuffer(raw, np.uint8).copy())


def set_rng_state(state) -> None:
    """Restore a state taken by ``get_rng_state``: the draws that follow repeat those that
    followed the snapshot.

    Args: state: a uint8 Tensor or array of shape (40,), as ``get_rng_state`` returns.
    Raises: TypeError for anything but uint8 data; ValueError for another shape, or bytes that
        are no PCG64 state (a cached-half flag other than 0 or 1, or an even increment).
    """
    array = state.data if isinstance(state, Tensor) else state
    if not isinstance(array, np.ndarray) or array.dtype != np.uint8:
        raise TypeError(f"set_rng_state: expected the uint8 Tensor get_rng_state returns, got "
                        f"{type(state).__name__} of dtype {getattr(array, 'dtype', None)}")
    if array.shape != (_STATE_BYTES,):
        raise ValueError(f"set_rng_state: expected shape ({_STATE_BYTES},), got {array.shape}")
    raw, values, start = array.tobytes(), {}, 0
    for name, size in _FIELDS:
        values[name] = int.from_bytes(raw[start:start + size], "little")
        start += size
    if values["has_uint32"] not in (0, 1) or values["inc"] % 2 == 0:
        raise ValueError("set_rng_state: the bytes are not a generator state (get_rng_state "
                         "gives an odd increment and a cached-half flag of 0 or 1)")
    _generator.bit_generator.state = {
        "bit_generator": "PCG64", "state": {"state": values["state"], "inc": values["inc"]},
        "has_uint32": values["has_uint32"], "uinteger": values["uinteger"]}
