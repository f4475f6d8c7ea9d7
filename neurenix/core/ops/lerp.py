"""Linear interpolation between two tensors: ``lerp(input, end, weight)``.

A composite of differentiable ops (``input + weight * (end - input)``), so it needs no Function
of its own: its gradients (1 - weight, weight, end - input) and their derivatives come from
add, sub and mul.
"""
import numpy as np

from .._shapes import broadcast_shapes
from ..tensor import Tensor
from .arithmetic import cast


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """``input + weight * (end - input)`` elementwise: ``input`` at weight 0, ``end`` at 1.

    Args:
        input: the start points, a floating tensor.
        end: the end points, a tensor of the same dtype.
        weight: a number, or a tensor of the same dtype (a 0-d one may have another floating
            dtype, as PyTorch treats it as a number).
    Shape: the broadcast of the three shapes.
    Returns: a tensor of ``input``'s dtype, differentiable in all three.
    Raises: TypeError naming the dtypes when ``input`` is not floating or the dtypes differ
        (PyTorch does not promote here); ValueError naming the shapes when they do not
        broadcast.

    Examples: ``nx.lerp(nx.zeros(3), nx.ones(3), 0.25)`` is ``tensor([0.2500, 0.2500,
        0.2500])``; ``start.lerp(end, w)``.
    """
    for name, v in (("input", input), ("end", end)):
        if not isinstance(v, Tensor):
            raise TypeError(f"lerp: {name} must be a Tensor, got {type(v).__name__}")
    if input.data.dtype.kind != "f":
        raise TypeError(f"lerp: input must be a floating tensor, got dtype {input.dtype}")
    if end.data.dtype != input.data.dtype:
        raise TypeError(f"lerp: expected dtype {input.dtype} for end (that of input), got "
                        f"{end.dtype}")
    if isinstance(weight, Tensor):
        if weight.data.dtype != input.data.dtype:
            if weight.ndim or weight.dtype.kind != "f":
                raise TypeError(f"lerp: expected dtype {input.dtype} for weight (that of "
                                f"input), got {weight.dtype} of shape {weight.shape}")
            weight = cast(weight, input.dtype)  # a 0-d weight acts as a number of that dtype
    elif not isinstance(weight, (int, float, np.number)):
        raise TypeError(f"lerp: weight must be a number or a Tensor, got "
                        f"{type(weight).__name__}")
    broadcast_shapes("lerp", input.shape, end.shape, np.shape(getattr(weight, "data", weight)))
    return input + weight * (end - input)
