"""Activation layers: each wraps one function of ``neurenix.nn.functional``.

``inplace`` is accepted where PyTorch has it and shown in the repr as PyTorch shows it; with
``inplace=True`` a layer writes into its input, as PyTorch does (see
``tensor_methods/inplace.py`` for how that is recorded in the graph).
"""
import warnings

from ..core.tensor import Tensor
from . import functional as F
from .module import Module


def _inplace_repr(inplace: bool, first: bool = True) -> str:
    """PyTorch's ``inplace=True`` in a repr (nothing when False)."""
    return ("inplace=True" if first else ", inplace=True") if inplace else ""


class _InplaceActivation(Module):
    """An activation whose only option is ``inplace``, shown in the repr as PyTorch shows it."""

    shows_inplace = True  # PyTorch's Hardswish and Hardsigmoid leave it out of their repr

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace) if self.shows_inplace else ""


class ReLU(_InplaceActivation):
    """max(x, 0) elementwise; the gradient at 0 is 0.

    Args: inplace: write the result into the input and return it.
    Shape: (*) -> (*), same dtype.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, self.inplace)


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x.

    Args: negative_slope: the slope for x < 0 (default 0.01).  inplace: write the result into
        the input and return it.
    Shape: (*) -> (*), same floating dtype (integers give the default float).
    """

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + _inplace_repr(self.inplace, first=False)


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


class SiLU(_InplaceActivation):
    """x * sigmoid(x) (swish).

    Args: inplace: write the result into the input and return it.
    Shape: (*) -> (*), same floating dtype.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input, self.inplace)


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
        return F.softmax(input, self.dim, _stacklevel=5)

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
        return F.log_softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Hardtanh(Module):
    """Clamp into [min_val, max_val]; gradient 1 strictly inside, 0 at and beyond the bounds.

    Args: min_val, max_val: the bounds (max_val > min_val).  inplace: write into the input.
        min_value, max_value: PyTorch's deprecated spellings (a FutureWarning).
    Shape: (*) -> (*), same dtype.
    Raises: ValueError when max_val <= min_val.
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float = None, max_value: float = None):
        super().__init__()
        for old, new in (("min_value", min_value), ("max_value", max_value)):
            if new is not None:
                warnings.warn(f"keyword argument `{old}` is deprecated and renamed to "
                              f"`{old[:3]}_val`", FutureWarning, stacklevel=2)
        min_val = min_val if min_value is None else min_value
        max_val = max_val if max_value is None else max_value
        if max_val <= min_val:
            raise ValueError(f"{type(self).__name__}: max_val ({max_val}) must be greater than "
                             f"min_val ({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace_repr(
            self.inplace, first=False)


class ReLU6(Hardtanh):
    """min(max(x, 0), 6) (MobileNet's activation): Hardtanh(0, 6), gradient 0 at 0 and 6.

    Args: inplace: write into the input.
    Shape: (*) -> (*), same dtype.
    """

    def __init__(self, inplace: bool = False):
        super().__init__(0.0, 6.0, inplace)

    def forward(self, input: Tensor) -> Tensor:
        return F.relu6(input, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class ELU(Module):
    """x if x > 0 else alpha * (exp(x) - 1).

    Args: alpha: -alpha is the limit for x -> -inf (default 1).  inplace: write into the input.
    Shape: (*) -> (*), same floating dtype.
    """

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}" + _inplace_repr(self.inplace, first=False)


class SELU(_InplaceActivation):
    """scale * elu(x, alpha), alpha = 1.6733, scale = 1.0507 (self-normalising networks).

    Args: inplace: write into the input.
    Shape: (*) -> (*), same floating dtype.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input, self.inplace)


class Softplus(Module):
    """log(1 + exp(beta x)) / beta; the identity where beta x > threshold.

    Args: beta: sharpness (default 1).  threshold: where it turns linear (default 20).
    Shape: (*) -> (*), same floating dtype.
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Mish(_InplaceActivation):
    """x * tanh(softplus(x)).

    Args: inplace: write into the input.
    Shape: (*) -> (*), same floating dtype.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.mish(input, self.inplace)


class Hardswish(_InplaceActivation):
    """x * relu6(x + 3) / 6 (MobileNetV3).

    Args: inplace: write into the input.
    Shape: (*) -> (*), same floating dtype.
    """

    shows_inplace = False

    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input, self.inplace)


class Hardsigmoid(_InplaceActivation):
    """relu6(x + 3) / 6.

    Args: inplace: write into the input.
    Shape: (*) -> (*), same floating dtype.
    """

    shows_inplace = False

    def forward(self, input: Tensor) -> Tensor:
        return F.hardsigmoid(input, self.inplace)


class LogSigmoid(Module):
    """log(sigmoid(x)) = -softplus(-x), without overflow.

    Shape: (*) -> (*), same floating dtype.
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.logsigmoid(input)
