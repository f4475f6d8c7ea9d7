"""Multi-scale transforms: MultiScaleTransform, Rescale and PyramidDownsample.

All three are parameter-free Modules around ``resize``: resizing by s gives the exact size
(floor(H*s), floor(W*s)), at least 1 x 1, and they are differentiable like any other op.
"""
import numbers

from ..core import Tensor
from ..nn import Module
from ._resize import (check_image, check_mode, check_positive_int, check_scale, check_scales,
                      rescale, resize, scaled_size)


def _target_size(owner: str, size) -> tuple:
    """(H, W) from an (H, W) pair or from the shape (N, C, H, W) of the original tensor."""
    size = tuple(size)
    if len(size) < 2 or not all(isinstance(n, numbers.Integral) and n >= 1 for n in size[-2:]):
        raise ValueError(f"{owner}: original_size must be (H, W) or the original shape "
                         f"(N, C, H, W) with positive H and W, got {size}")
    return tuple(int(n) for n in size[-2:])


class MultiScaleTransform(Module):
    """Resizes an image batch to several scales at once.

    Args:
        scales: the scales (positive, distinct); 1.0 gives the input itself.
        mode: "nearest", "nearest-exact", "bilinear" or "bicubic" (the last two with
            half-pixel centres, ``align_corners=False``).

    Shape: forward: (N, C, H, W) -> [(N, C, floor(H*s), floor(W*s)) for s in scales];
        inverse: [(N, C, H_k, W_k)] -> [(N, C, *original_size)].
    """

    def __init__(self, scales: list = [1.0, 0.5, 0.25], mode: str = "bilinear"):  # noqa: B006
        super().__init__()
        self.scales = check_scales(type(self).__name__, scales)
        self.mode = check_mode(type(self).__name__, mode)

    def forward(self, x: Tensor) -> list:
        check_image(type(self).__name__, x)
        return [rescale(x, s, self.mode) for s in self.scales]

    def inverse(self, x, original_size) -> list:
        """Each tensor of ``x`` (a list, or one tensor) resized back to ``original_size``.

        Args:
            x: the list ``forward`` returned (or any list of image batches, or one batch).
            original_size: (H, W), or the shape (N, C, H, W) of the original input.
        Returns: a list of (N, C, H, W) tensors (one tensor when ``x`` is one tensor).
        """
        size = _target_size(type(self).__name__, original_size)
        if isinstance(x, Tensor):
            check_image(type(self).__name__, x)
            return resize(x, size, self.mode)
        for k, t in enumerate(x):
            check_image(type(self).__name__, t, what=f"input {k}")
        return [resize(t, size, self.mode) for t in x]

    def extra_repr(self) -> str:
        return f"scales={self.scales}, mode={self.mode!r}"


class Rescale(Module):
    """Resizes an image batch by one factor, and back.

    ``forward`` remembers the size of its input so that ``inverse`` can restore it; a
    downscale followed by ``inverse`` gives the original size even when it was odd.

    Args:
        scale_factor: the factor (positive); the output is floor(H*s) x floor(W*s), at least 1.
        mode: "nearest", "nearest-exact", "bilinear" or "bicubic".

    Shape: forward: (N, C, H, W) -> (N, C, floor(H*scale_factor), floor(W*scale_factor));
        inverse: (N, C, H', W') -> (N, C, H, W) of the last forward's input.
    """

    def __init__(self, scale_factor: float = 0.5, mode: str = "bilinear"):
        super().__init__()
        self.scale_factor = check_scale(type(self).__name__, scale_factor, "scale_factor")
        self.mode = check_mode(type(self).__name__, mode)
        self._input_size = None

    def forward(self, x: Tensor) -> Tensor:
        check_image(type(self).__name__, x)
        self._input_size = tuple(x.shape[-2:])
        return rescale(x, self.scale_factor, self.mode)

    def inverse(self, x: Tensor) -> Tensor:
        """``x`` resized to the spatial size of the last ``forward``'s input.

        Raises: RuntimeError when ``forward`` has not run yet.
        """
        if self._input_size is None:
            raise RuntimeError("Rescale.inverse: no original size yet; call the Rescale on "
                               "an input first (inverse resizes back to that input's size)")
        check_image(type(self).__name__, x)
        return resize(x, self._input_size, self.mode)

    def extra_repr(self) -> str:
        return f"scale_factor={self.scale_factor}, mode={self.mode!r}"


class PyramidDownsample(Module):
    """An image pyramid: the input and successively halved copies of it.

    Level 0 is the input; level i is level i-1 resized by 0.5, so its size is
    floor(H / 2**i) x floor(W / 2**i) (at least 1). Halving step by step, rather than jumping
    from the input, makes each bilinear level the 2 x 2 average of the one above, which filters
    instead of skipping pixels.

    Args:
        num_levels: the number of levels, the input included.
        mode: "nearest", "nearest-exact", "bilinear" or "bicubic".

    Shape: (N, C, H, W) -> [(N, C, floor(H / 2**i), floor(W / 2**i)) for i < num_levels]
    """

    def __init__(self, num_levels: int = 3, mode: str = "bilinear"):
        super().__init__()
        self.num_levels = check_positive_int(type(self).__name__, num_levels, "num_levels")
        self.mode = check_mode(type(self).__name__, mode)
        self._levels = None

    def forward(self, x: Tensor) -> list:
        check_image(type(self).__name__, x)
        levels = [x]
        for _ in range(self.num_levels - 1):
            levels.append(resize(levels[-1], scaled_size(levels[-1].shape[-2:], 0.5), self.mode))
        self._levels = levels
        return list(levels)

    def get_level(self, level: int) -> Tensor:
        """Level ``level`` (0 = the input; negative counts from the coarsest) of the last forward.

        Raises: RuntimeError before any forward; IndexError for a level out of range.
        """
        if self._levels is None:
            raise RuntimeError("PyramidDownsample.get_level: no pyramid yet; call the "
                               "PyramidDownsample on an input first")
        if not -self.num_levels <= level < self.num_levels:
            raise IndexError(f"PyramidDownsample.get_level: level {level} is out of range for "
                             f"a pyramid of {self.num_levels} levels (0 to {self.num_levels - 1})")
        return self._levels[level]

    def extra_repr(self) -> str:
        return f"num_levels={self.num_levels}, mode={self.mode!r}"
