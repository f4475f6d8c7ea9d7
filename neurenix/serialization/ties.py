"""Tied tensors: one tensor held at several places (an encoder and a decoder sharing a weight).

A file stores a tied tensor under every name it has, so that a reader that knows nothing of
ties (``safetensors.torch.load_file`` feeding PyTorch's ``load_state_dict(strict=True)``) finds
every key; the manifest's ``"tied"`` lists the groups of names, and ``nx.load`` hands back one
tensor for each group.
"""
import numpy as np

from ..core.tensor import Tensor
from .layout import error, preview, tensor_bytes


def groups(named: dict) -> list:
    """The names that share one array, for each array held under two names or more.

    Args: named: name -> Tensor or NumPy array (tensors tie when they hold the same array, as
        the same Parameter in two layers, or its detached copies in a state dict, do).
    Returns: a list of name lists, in order of first appearance.
    """
    by_array = {}
    for name, value in named.items():
        array = value.data if isinstance(value, Tensor) else value
        by_array.setdefault(id(array), []).append(name)
    return [names for names in by_array.values() if len(names) > 1]


def first_names(path: str, tied, arrays: dict) -> dict:
    """Check a file's tie groups against its tensors and map each tied name to the first name
    of its group.

    Args: path: the file, for errors.  tied: the manifest's groups.  arrays: the file's tensors.
    Returns: {name: first name of its group} for every name after the first of each group.
    Raises: SerializationError unless the groups are lists of two or more names of the file's
        tensors, no name in two groups, and the tensors of a group equal in dtype, shape and
        bytes (else the file would load as something other than what was saved).
    """
    if not isinstance(tied, list):
        raise error(path, f"the manifest's tied tensors {preview(tied)} are not a list")
    first, seen = {}, set()
    for group in tied:
        if not (isinstance(group, list) and len(group) > 1
                and all(isinstance(name, str) and name in arrays and name not in seen
                        for name in group) and len(set(group)) == len(group)):
            raise error(path, f"the manifest ties {preview(group)}, which is not a group of "
                              "distinct tensors of the file")
        seen.update(group)
        head = arrays[group[0]]
        for name in group[1:]:
            array = arrays[name]
            if not (array.dtype == head.dtype and array.shape == head.shape
                    and np.array_equal(tensor_bytes(array), tensor_bytes(head))):
                raise error(path, f"tensors {group[0]!r} and {name!r} are tied but the file "
                                  "holds different values for them")
            first[name] = group[0]
    return first
