"""Parameter: a Tensor that a Module registers as learnable when it is assigned as an attribute."""
import numpy as np

from ..core import dtypes
from ..core.tensor import Tensor


class Parameter(Tensor):
    """A Tensor that is a module's learnable weight (``requires_grad=True`` by default).

    Assigning a Parameter to a Module attribute registers it, so it appears in ``parameters()``
    and ``state_dict()``. Ops on a Parameter return plain Tensors.

    Args:
        data: a Tensor (its array is shared, not copied, as in PyTorch) or array-like data.
            None gives an empty tensor of the default dtype.
        requires_grad: whether the optimizer should see gradients for it.
    Shape and dtype: those of ``data`` (float32 for Python floats); requiring grad needs a
        floating dtype.
    Raises: RuntimeError for ``requires_grad=True`` on integer data.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            array = np.zeros((0,), dtypes.get_default_dtype())
        elif isinstance(data, Tensor):
            array = data.data
        else:
            array = Tensor(data).data
        self._adopt(array, requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
