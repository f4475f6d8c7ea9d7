"""Activation layers: each wraps one function of ``neurenix.nn.functional``.

``inplace`` is accepted where PyTorch has it (and shown in the repr as PyTorch shows it), but
the result is always a new tensor: autograd here never overwrites an array it may have saved.
"""
import warnings

from ..core.tensor import Tensor
from . import functional as F
from .module import Module


class ReLU(Module):
    """max(x, 0) elementwise; the gradient at 0 is 0.

    Args: inplace: accepted for PyTorch compatibility (the result is always new).
    Shape: (*) -> (*), same dtype.
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x.

    Args: negative_slope: the slope for x < 0 (default 0.01).  inplace: accepted, ignored.
    Shape: (*) -> (*), same floating dtype (integers give the default float).
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + exp(-x)) elementwise, without overflow.

    Shape: (*) -> (*), same floating dtype (integers give the default float).
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x) elementwise.

    Shape: (*) -> (*), same floating dtype (integers give the default float).
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class GELU(Module):
    """x * Phi(x), Phi the standard normal CDF.

    Args: approximate: "none" (exact, erf) or "tanh" (PyTorch's tanh approximation).
    Shape: (*) -> (*), same floating dtype.
    Raises: ValueError for any other ``approximate``.
    """

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x * sigmoid(x) (swish).

    Args: inplace: accepted for PyTorch compatibility (the result is always new).
    Shape: (*) -> (*), same floating dtype.
    """

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


def _implicit_dim(name: str, ndim: int) -> int:
    # PyTorch's legacy rule for a missing dim: 0 for 0-, 1- and 3-D inputs, else 1.
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim``, so each slice along it sums to 1.

    Args: dim: the axis to normalise, e.g. 1 for (N, C) logits. None picks PyTorch's legacy
        axis (0 for 0-, 1- and 3-D inputs, else 1) with a deprecation warning.
    Shape: (*) -> (*), same floating dtype.
    """

    def __init__(self, dim: int = None):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim if self.dim is not None else _implicit_dim("softmax", input.ndim)
        return F.softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, computed stably as x - logsumexp(x).

    Args: dim: as Softmax.
    Shape: (*) -> (*), same floating dtype.
    """

    def __init__(self, dim: int = None):
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim if self.dim is not None else _implicit_dim("log_softmax", input.ndim)
        return F.log_softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
