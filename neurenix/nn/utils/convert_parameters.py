"""Parameters as one flat vector and back, for optimizers that see a model as a point."""
from ...core.ops.shape import cat
from ...core.tensor import Tensor


def parameters_to_vector(parameters) -> Tensor:
    """Flatten and join ``parameters`` into one vector, in order; differentiable, so a loss
    on the vector reaches each parameter's gradient.

    Args: parameters: an iterable of Tensors (e.g. ``model.parameters()``).
    Shape: parameters of any shapes -> (total number of elements,).
    Returns: a new 1-D Tensor in the parameters' common dtype.
    Raises: ValueError for no parameters.
    """
    flat = [p.reshape(-1) for p in parameters]
    if not flat:
        raise ValueError("parameters_to_vector: expected at least one parameter, got none")
    return cat(flat)


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of ``vec`` into ``parameters``, in order.

    As in PyTorch, each parameter's array becomes a view of ``vec`` (they share memory) and
    takes ``vec``'s dtype; ``vec`` may be longer than the parameters need.

    Args: vec: a 1-D Tensor.  parameters: an iterable of Tensors.
    Shape: vec (N,) with N >= the parameters' total number of elements.
    Raises: TypeError when ``vec`` is not a Tensor; ValueError when it is not 1-D or is too
        short.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, but got "
                        f"{type(vec).__name__}")
    if vec.ndim != 1:
        raise ValueError(f"vector_to_parameters: expected a 1-D vec, got shape {vec.shape}")
    parameters = list(parameters)
    needed = sum(p.numel() for p in parameters)
    if needed > vec.shape[0]:
        raise ValueError(f"vector_to_parameters: vec has {vec.shape[0]} elements, the "
                         f"parameters need {needed}")
    start = 0
    for p in parameters:
        n = p.numel()
        p.data = vec.data[start:start + n].reshape(p.shape)
        start += n
