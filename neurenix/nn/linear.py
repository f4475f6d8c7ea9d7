"""Fully connected layer, and the identity placeholder."""
import math

from ..core import factories
from ..core.tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Identity(Module):
    """Returns its input unchanged; arguments are accepted and ignored (as in PyTorch), so it
    can stand in for any layer.

    Shape: any -> the same.
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """Applies y = x @ weight.T + bias.

    Args:
        in_features, out_features: sizes of each input / output sample.
        bias: learn an additive bias.
    Shape: input (*, in_features) -> output (*, out_features), in the input's dtype, which
        must be the parameters' (float32 by default; ``.to(nx.float64)`` converts the layer).
    Attributes:
        weight (out_features, in_features): kaiming_uniform_(a=sqrt(5)), i.e. U(-k, k) with
            k = 1 / sqrt(in_features), as PyTorch.
        bias (out_features,): U(-k, k).
    Raises: ValueError naming the shapes when the input's last axis is not in_features;
        TypeError when its dtype differs from the parameters'.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(factories.zeros(out_features, in_features))
        if bias:
            self.bias = Parameter(factories.zeros(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw weight and bias with PyTorch's default initialisation (see Attributes)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
