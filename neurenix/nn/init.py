"""Weight initialisation, in place, as ``torch.nn.init``.

Each function overwrites ``tensor.data`` (recording nothing, as under ``no_grad``), keeps the
tensor's dtype, draws from neurenix's one generator unless given ``generator=``, and returns
the tensor. Fans follow PyTorch: for a weight of shape (out, in, *kernel),
fan_in = in * prod(kernel) and fan_out = out * prod(kernel).

Shape: any for uniform_, normal_, constant_, ones_ and zeros_; at least 2 dimensions
(out, in, *kernel) for the xavier_* and kaiming_* functions, which raise a ValueError naming the
shape otherwise. ``generator`` is a ``numpy.random.Generator``.
"""
import math

from ..core import placeholders, random
from ..core.tensor import Tensor


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The gain that keeps activations' variance steady through ``nonlinearity``:
    1 for linear / conv / sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope**2)) for
    leaky_relu (slope ``param``, default 0.01), 3/4 for selu."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                        "conv_transpose2d", "conv_transpose3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel); PyTorch's private helper."""
    if tensor.ndim < 2:
        raise ValueError(f"init: fan in and fan out can not be computed for a tensor with fewer "
                         f"than 2 dimensions (shape {tensor.shape})")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode {mode!r} is not supported, use 'fan_in' or 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _gen(generator):
    return generator if generator is not None else random.default_generator()


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with samples from U(a, b)."""
    if not placeholders.enabled():
        tensor.data[...] = _gen(generator).uniform(a, b, tensor.shape)
    return tensor


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with samples from N(mean, std**2)."""
    if not placeholders.enabled():
        tensor.data[...] = _gen(generator).normal(mean, std, tensor.shape)
    return tensor


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    if not placeholders.enabled():
        tensor.data[...] = val
    return tensor


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return constant_(tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return constant_(tensor, 0)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    PyTorch's default layer initialisation is ``kaiming_uniform_(w, a=sqrt(5))``, which makes
    b = 1 / sqrt(fan_in)."""
    if 0 in tensor.shape:  # nothing to fill, and no fan to divide by: PyTorch's no-op
        return tensor
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator=None) -> Tensor:
    """He normal: N(0, std**2) with std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a).

    Args (both kaiming functions): a: the leaky_relu slope.  mode: "fan_in" (keeps the forward
    variance) or "fan_out" (the backward's).  nonlinearity: as ``calculate_gain``.
    """
    if 0 in tensor.shape:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)
