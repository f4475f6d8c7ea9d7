"""The one resize helper of neurenix.multiscale, and the argument checks that go with it.

Every change of scale in this package (the transforms, the scales of MultiScaleModel, the
skip connections of UNet, the top-down pass of PyramidNetwork, the upsampling in the pooling
and fusion modules) goes through ``resize``, so they all share one rule:

* resizing by a scale ``s`` means resizing to the exact size (floor(H*s), floor(W*s)), at
  least 1 x 1, with the coordinate mapping of that size (PyTorch's ``interpolate(x, size=...)``);
* "bilinear" and "bicubic" use half-pixel centres (``align_corners=False``);
* resizing to the size a tensor already has returns the tensor itself, which is what
  interpolation would compute anyway (the weights at zero offset are exactly 1 and 0).
"""
import math
import numbers

from ..core import Tensor, interpolate

MODES = ("nearest", "nearest-exact", "bilinear", "bicubic")


def scaled_size(size, scale: float) -> tuple:
    """(floor(H * scale), floor(W * scale)), each at least 1: the size "resized by ``scale``"."""
    return tuple(max(1, math.floor(n * scale)) for n in size)


def resize(x: Tensor, size, mode: str = "bilinear") -> Tensor:
    """``x`` resized to ``size`` by ``interpolate``.

    Args:
        x: a batch of images.  size: (OH, OW).  mode: one of ``MODES``.
    Shape: (N, C, H, W) -> (N, C, OH, OW)
    """
    size = tuple(int(n) for n in size)
    if tuple(x.shape[-2:]) == size:
        return x
    align_corners = False if mode in ("bilinear", "bicubic") else None
    return interpolate(x, size=size, mode=mode, align_corners=align_corners)


def rescale(x: Tensor, scale: float, mode: str = "bilinear") -> Tensor:
    """``x`` resized by ``scale``.

    Shape: (N, C, H, W) -> (N, C, floor(H*scale), floor(W*scale)), each at least 1.
    """
    return resize(x, scaled_size(x.shape[-2:], scale), mode)


def check_mode(owner: str, mode) -> str:
    """``mode`` if ``interpolate`` knows it, else a ValueError listing the modes."""
    if mode not in MODES:
        raise ValueError(f"{owner}: unknown interpolation mode {mode!r}; valid modes are "
                         f"{', '.join(repr(m) for m in MODES)}")
    return mode


def check_scale(owner: str, scale, name: str = "scale") -> float:
    """``scale`` as a float, or a ValueError when it is not a positive finite number."""
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) \
            or not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"{owner}: {name} must be a positive number, got {scale!r}")
    return float(scale)


def check_scales(owner: str, scales) -> list:
    """``scales`` as a fresh list of floats: non-empty, positive, without duplicates."""
    if isinstance(scales, (str, bytes)) or not hasattr(scales, "__iter__"):
        raise ValueError(f"{owner}: scales must be a list of positive numbers, got {scales!r}")
    checked = [check_scale(owner, s) for s in scales]
    if not checked:
        raise ValueError(f"{owner}: scales must not be empty")
    if len(set(checked)) != len(checked):
        raise ValueError(f"{owner}: scales must be distinct, got {checked}")
    return checked


def check_positive_int(owner: str, value, name: str) -> int:
    """``value`` if it is a positive int, else a ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)


def check_positive_ints(owner: str, values, name: str, kind: str, entry: str) -> list:
    """``values`` as a fresh non-empty list of positive ints, else a ValueError naming ``name``
    (described as a list of ``kind``) or, for a bad element, ``entry``."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValueError(f"{owner}: {name} must be a list of {kind}, got {values!r}")
    checked = [check_positive_int(owner, v, entry) for v in values]
    if not checked:
        raise ValueError(f"{owner}: {name} must not be empty")
    return checked


def check_image(owner: str, x, channels: int = None, what: str = "input") -> None:
    """Raise a ValueError unless ``x`` is a 4-D (N, C, H, W) tensor with ``channels`` channels."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{owner}: {what} must be a Tensor, got {type(x).__name__}")
    if x.ndim != 4:
        raise ValueError(f"{owner}: {what} must be a batch of images (N, C, H, W), "
                         f"got shape {tuple(x.shape)}")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(f"{owner}: {what} has {x.shape[1]} channels (shape {tuple(x.shape)}), "
                         f"expected {channels}")
