"""The version counter: how an op's backward knows that what it saved is still what it saw.

An in-place update (``x.add_(y)``, ``x += y``, ``x[i] = v``, an optimizer step) changes an array
that an op may have saved for its backward; that backward would then compute with the new
values and return a wrong gradient without any sign of it. So every in-place update bumps the
version of the memory it writes, and ``Function.apply`` notes the version of each array it
saves. Reading ``ctx.saved_tensors`` compares the two and raises, naming the op, if anything
was changed in between (as PyTorch does).

Versions belong to memory, not to Tensor objects: a view (a reshape, a basic index, ``detach``)
shares its array's memory, so the counter is kept for the array that owns the memory (the end
of the ``.base`` chain), keyed by its id and dropped when that array is freed.
"""
import weakref

import numpy as np

_versions = {}  # id of an owning array -> number of in-place updates it has had


def _owner(array: np.ndarray) -> np.ndarray:
    """The array that owns ``array``'s memory (itself, or the end of its chain of bases)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def version(array) -> int:
    """How many in-place updates the memory of ``array`` has had (0 for anything else)."""
    if not isinstance(array, np.ndarray):
        return 0
    return _versions.get(id(_owner(array)), 0)


def bump(array: np.ndarray) -> None:
    """Record one in-place update of ``array``'s memory."""
    owner = _owner(array)
    key = id(owner)
    if key not in _versions:
        weakref.finalize(owner, _versions.pop, key, None)  # an id is reused once freed
    _versions[key] = _versions.get(key, 0) + 1
