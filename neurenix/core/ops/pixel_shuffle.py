"""Pixel shuffle and unshuffle: channels traded for resolution by a reshape and a permute.

``pixel_shuffle`` with factor r moves each group of r*r channels into an r x r block of
pixels (the sub-pixel convolution upsampler); ``pixel_unshuffle`` is its inverse. Both are
compositions of reshape and permute, whose backward passes are reshapes and permutes again,
so they need no op of their own and are differentiable to any order.
"""
from ..tensor import Tensor


def _check(op: str, x, factor, name: str) -> None:
    if not isinstance(x, Tensor) or x.ndim < 3:
        raise ValueError(f"{op}: expected an input of at least 3 dimensions (*, C, H, W), got "
                         f"{getattr(x, 'shape', type(x).__name__)}")
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
        raise ValueError(f"{op}: {name} must be a positive int, got {factor!r}")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange (*, C*r*r, H, W) into (*, C, H*r, W*r), as ``torch.nn.functional.pixel_shuffle``:
    channel c*r*r + i*r + j becomes pixel (h*r + i, w*r + j) of channel c.

    Args: input: (*, C*r*r, H, W).  upscale_factor: r, a positive int.

    Shape: (*, C*r*r, H, W) -> (*, C, H*r, W*r).

    Raises: ValueError naming pixel_shuffle and the shape when the channels are not a multiple
        of r*r.

    Examples: ``F.pixel_shuffle(conv(x), 2)`` (a sub-pixel upsampling by 2)
    """
    op, r = "pixel_shuffle", upscale_factor
    _check(op, input, r, "upscale_factor")
    *lead, C, H, W = input.shape
    if C % (r * r):
        raise ValueError(f"{op}: the channel dimension of the input {input.shape} must be "
                         f"divisible by upscale_factor**2 = {r * r}")
    k = len(lead)
    out = input.reshape(*lead, C // (r * r), r, r, H, W)
    # (*, C, i, j, H, W) -> (*, C, H, i, W, j)
    out = out.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return out.reshape(*lead, C // (r * r), H * r, W * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange (*, C, H*r, W*r) into (*, C*r*r, H, W), as
    ``torch.nn.functional.pixel_unshuffle``: the inverse of ``pixel_shuffle``.

    Args: input: (*, C, H*r, W*r).  downscale_factor: r, a positive int.

    Shape: (*, C, H*r, W*r) -> (*, C*r*r, H, W).

    Raises: ValueError naming pixel_unshuffle and the shape when H or W is not a multiple of r.

    Examples: ``F.pixel_unshuffle(image, 2)`` (space to depth)
    """
    op, r = "pixel_unshuffle", downscale_factor
    _check(op, input, r, "downscale_factor")
    *lead, C, H, W = input.shape
    if H % r or W % r:
        raise ValueError(f"{op}: the height and width of the input {input.shape} must be "
                         f"divisible by downscale_factor = {r}")
    k = len(lead)
    out = input.reshape(*lead, C, H // r, r, W // r, r)
    # (*, C, H, i, W, j) -> (*, C, i, j, H, W)
    out = out.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return out.reshape(*lead, C * r * r, H // r, W // r)
