"""Devices: neurenix runs on the CPU only, and says so.

PyTorch code names a device everywhere (``torch.zeros(3, device=dev)``, ``x.to("cpu")``,
``x.device``). neurenix accepts the same spellings for the CPU, so that code runs unchanged,
and refuses any other device at once with an error naming it, rather than ignoring it and
leaving the user to wonder where their tensors are.
"""
import numpy as np


class device:
    """Where a tensor lives: for neurenix always the CPU, ``device(type='cpu')``.

    Args:
        type: ``"cpu"``, ``"cpu:0"``, or another ``device``.
        index: the device ordinal (``device("cpu", 0)``); None for the CPU as a whole.

    Shape: a device has none; every tensor's ``.device`` is this one.
    Raises: RuntimeError naming the device for anything but the CPU (``"cuda"``, ``"mps"``, a
        CUDA ordinal such as ``0``): neurenix runs on the CPU only.

    Examples: ``nx.device("cpu")``, ``nx.zeros(3, device=nx.device("cpu"))``,
        ``x.device == nx.device("cpu")``.
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise _refused("device", type)
        name, _, ordinal = type.partition(":")
        if name != "cpu":
            raise _refused("device", type if index is None else f"{type}:{index}")
        if ordinal:
            if not ordinal.isdigit() or index is not None:
                raise RuntimeError(f"device: invalid device string {type!r}")
            index = int(ordinal)
        if index is not None and (isinstance(index, bool) or
                                  not isinstance(index, (int, np.integer)) or index < 0):
            raise RuntimeError(f"device: the index must be a non-negative int, got {index!r}")
        self.type = "cpu"
        self.index = None if index is None else int(index)

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    # As torch.device: equal when type and index are (``device("cpu") != device("cpu:0")``),
    # never equal to a string.
    def __eq__(self, other) -> bool:
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")  # the device of every tensor


def _refused(op: str, spec) -> RuntimeError:
    return RuntimeError(f"{op}: neurenix runs on the CPU only; got device {spec!r} (use "
                        "'cpu' or leave device unset)")


def as_device(op: str, spec) -> device:
    """The device ``spec`` (a ``device``, a string such as ``"cpu"``) given to ``op``; None is
    the CPU.

    Raises: RuntimeError naming ``op`` and ``spec`` for any device but the CPU, including an
        int (PyTorch reads ``device=0`` as ``cuda:0``).
    """
    if spec is None:
        return CPU
    if isinstance(spec, device):
        return spec
    if not isinstance(spec, str) or spec.partition(":")[0] != "cpu":
        raise _refused(op, spec)
    return CPU if spec == "cpu" else device(spec)


def to_dtype(op: str, args: tuple, dtype=None, device=None, dtype_of=None):
    """The dtype asked for by PyTorch's ``to(...)`` forms (``to(dtype)``, ``to(device)``,
    ``to(device, dtype)``, ``to(other)``), None when only a device is given; the device is
    checked to be the CPU. ``dtype_of(arg)`` gives the dtype of a tensor argument, else None.

    Raises: TypeError for more than two positional arguments; RuntimeError naming any device
        but the CPU.
    """
    if len(args) > 2:
        raise TypeError(f"{op}: expected at most 2 positional arguments (device, dtype), got "
                        f"{len(args)}")
    for arg in args:
        of_tensor = dtype_of(arg) if dtype_of is not None else None
        if of_tensor is not None:
            dtype = of_tensor
        elif isinstance(arg, (str, type(CPU), int, np.integer)):  # type(CPU): device is hidden
            device = arg  # an int is a CUDA ordinal in PyTorch: refused just below
        else:
            dtype = arg
    if device is not None:
        as_device(op, device)
    return dtype
