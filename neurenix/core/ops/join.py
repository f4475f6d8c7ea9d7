"""NumPy-style joins: hstack, vstack, dstack, column_stack, and the atleast_nd helpers they use.

Each lifts its inputs to a common rank by reshapes (adding axes of length 1), then calls
``cat`` along a fixed axis, so the gradients come back through Cat and Reshape.
"""
from ..tensor import Tensor
from .shape import Reshape, join, tensor_list


def _lifted(op: str, tensors, shape_of) -> list:
    """Each tensor reshaped to ``shape_of(its shape)``, errors naming ``op``."""
    return [Reshape.apply(t, shape_of(t.shape)) if shape_of(t.shape) != t.shape else t
            for t in tensor_list(op, tensors)]


def _shape_1d(shape: tuple) -> tuple:
    return shape or (1,)


def _shape_2d(shape: tuple) -> tuple:
    return (1,) * (2 - len(shape)) + shape if len(shape) < 2 else shape


def _shape_3d(shape: tuple) -> tuple:
    # NumPy's rule: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)
    return {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}.get(len(shape), shape)


def _column(shape: tuple) -> tuple:
    return (shape[0] if shape else 1, 1) if len(shape) < 2 else shape  # vectors as columns


def _atleast(op: str, shape_of, tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        return tuple(_lifted(op, tensors[0], shape_of))
    lifted = _lifted(op, tensors, shape_of)
    return lifted[0] if len(lifted) == 1 else tuple(lifted)


def atleast_1d(*tensors):
    """Each tensor with at least one dimension: a 0-d tensor becomes (1,).

    Shape: () -> (1,); others unchanged.
    Returns: one tensor for one argument, else a tuple.
    Examples: ``nx.atleast_1d(nx.tensor(2.0)).shape`` is (1,).
    """
    return _atleast("atleast_1d", _shape_1d, tensors)


def atleast_2d(*tensors):
    """Each tensor with at least two dimensions, leading axes of length 1 added.

    Shape: () -> (1, 1), (n,) -> (1, n); others unchanged.
    Returns: one tensor for one argument, else a tuple.
    Examples: ``nx.atleast_2d(nx.zeros(3)).shape`` is (1, 3).
    """
    return _atleast("atleast_2d", _shape_2d, tensors)


def atleast_3d(*tensors):
    """Each tensor with at least three dimensions, as NumPy adds them.

    Shape: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1); others unchanged.
    Returns: one tensor for one argument, else a tuple.
    Examples: ``nx.atleast_3d(nx.zeros(2, 3)).shape`` is (2, 3, 1).
    """
    return _atleast("atleast_3d", _shape_3d, tensors)


def hstack(tensors) -> Tensor:
    """Join ``tensors`` column-wise: along dim 0 when the first is 1-D (or 0-d), else dim 1.

    Shape: (n_i,) each -> (sum n_i,); (m, n_i, *) each -> (m, sum n_i, *).
    Returns: a new tensor of the inputs' common dtype.
    Raises: ValueError naming the shapes that do not fit.
    Examples: ``nx.hstack([nx.zeros(2), nx.ones(3)])`` has shape (5,).
    """
    tensors = _lifted("hstack", tensors, _shape_1d)
    return join("hstack", tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    """Join ``tensors`` row-wise: each made at least 2-D (a vector is one row), along dim 0.

    Shape: (n,) or (m_i, n, *) each -> (sum m_i, n, *).
    Returns: a new tensor of the inputs' common dtype.
    Raises: ValueError naming the shapes that do not fit.
    Examples: ``nx.vstack([nx.zeros(3), nx.ones(2, 3)])`` has shape (3, 3).
    """
    return join("vstack", _lifted("vstack", tensors, _shape_2d), 0)


def dstack(tensors) -> Tensor:
    """Join ``tensors`` depth-wise: each made at least 3-D (as ``atleast_3d``), along dim 2.

    Shape: (m, n) or (m, n, k_i, *) each -> (m, n, sum k_i, *).
    Returns: a new tensor of the inputs' common dtype.
    Raises: ValueError naming the shapes that do not fit.
    Examples: ``nx.dstack([nx.zeros(2, 3), nx.ones(2, 3)])`` has shape (2, 3, 2).
    """
    return join("dstack", _lifted("dstack", tensors, _shape_3d), 2)


def column_stack(tensors) -> Tensor:
    """Join ``tensors`` as columns: 0-d and 1-D ones become (n, 1) columns, then along dim 1.

    Shape: (m,) or (m, k_i, *) each -> (m, sum k_i, *).
    Returns: a new tensor of the inputs' common dtype.
    Raises: ValueError naming the shapes that do not fit.
    Examples: ``nx.column_stack([nx.zeros(2), nx.ones(2, 3)])`` has shape (2, 4).
    """
    return join("column_stack", _lifted("column_stack", tensors, _column), 1)
