"""Multi-scale pooling: MultiScalePooling, PyramidPooling (PSPNet) and SpatialPyramidPooling."""
from ..core import (Tensor, adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, cat,
                    max_pool2d, ones, pad)
from ..nn import AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Module, ModuleList, ReLU, Sequential
from ._resize import check_image, check_positive_int, check_positive_ints, resize

POOL_TYPES = ("avg", "max")


def _check_pool_type(owner: str, pool_type) -> str:
    if pool_type not in POOL_TYPES:
        raise ValueError(f"{owner}: unknown pool_type {pool_type!r}; valid types are "
                         f"{', '.join(repr(t) for t in POOL_TYPES)}")
    return pool_type


class MultiScalePooling(Module):
    """Pools with several kernel sizes at full resolution and concatenates the results.

    Each size k pools with a k x k kernel, stride 1 and "same" padding: (k-1)//2 rows/columns
    before and k//2 after, so the output keeps the input's H x W (for even k the window leans
    one pixel towards the end, as in TensorFlow's "SAME"). Padding never takes part: an average
    divides by the number of real pixels under the window, and max pooling pads with -inf.
    Size 1 is the input itself. Parameter-free.

    Args:
        pool_sizes: the kernel sizes (positive integers).
        pool_type: "avg" or "max".

    Shape: (N, C, H, W) -> (N, C * len(pool_sizes), H, W), the sizes in order on channels.
    """

    def __init__(self, pool_sizes: list = [1, 2, 3, 6], pool_type: str = "avg"):  # noqa: B006
        super().__init__()
        self.pool_sizes = check_positive_ints(type(self).__name__, pool_sizes, "pool_sizes",
                                              "positive integers", "every pool size")
        self.pool_type = _check_pool_type(type(self).__name__, pool_type)

    def _pool(self, x: Tensor, k: int) -> Tensor:
        if k == 1:
            return x
        widths = ((k - 1) // 2, k // 2) * 2            # (left, right, top, bottom)
        if self.pool_type == "max":
            return max_pool2d(pad(x, widths, value=float("-inf")), k, stride=1)
        # The share of real pixels under each window, from a ones image padded the same way.
        real = avg_pool2d(pad(ones(1, 1, *x.shape[-2:], dtype=x.dtype), widths), k, stride=1)
        return avg_pool2d(pad(x, widths), k, stride=1) / real

    def forward(self, x: Tensor) -> Tensor:
        check_image(type(self).__name__, x)
        return cat([self._pool(x, k) for k in self.pool_sizes], dim=1)

    def extra_repr(self) -> str:
        return f"pool_sizes={self.pool_sizes}, pool_type={self.pool_type!r}"


class PyramidPooling(Module):
    """PSPNet's pyramid pooling module: context pooled at several grid sizes, added to the input.

    For each size s: adaptive average pooling to s x s bins, a 1x1 conv to
    ``in_channels // len(pool_sizes)`` channels and ReLU, and bilinear upsampling back to
    H x W. The input and the branches are concatenated on channels and fused by a 3x3 conv
    (padding 1) + BatchNorm + ReLU to ``out_channels``. The branches carry no BatchNorm: a
    1 x 1 pooled map at batch size 1 has a single value per channel, so batch statistics would
    be undefined in training; the fusing BatchNorm sees all N x H x W pixels, so it trains at
    batch 1 for any input larger than 1 x 1.

    Args:
        in_channels: channels of the input (at least ``len(pool_sizes)``).
        out_channels: channels of the output.
        pool_sizes: the bin counts per side of each branch.

    Shape: (N, in_channels, H, W) -> (N, out_channels, H, W)
    """

    def __init__(self, in_channels: int, out_channels: int,
                 pool_sizes: list = [1, 2, 3, 6]):  # noqa: B006
        super().__init__()
        owner = type(self).__name__
        self.in_channels = check_positive_int(owner, in_channels, "in_channels")
        self.out_channels = check_positive_int(owner, out_channels, "out_channels")
        self.pool_sizes = check_positive_ints(owner, pool_sizes, "pool_sizes", "positive integers",
                                              "every pool size")
        branch = in_channels // len(self.pool_sizes)
        if branch < 1:
            raise ValueError(f"{owner}: in_channels ({in_channels}) must be at least "
                             f"len(pool_sizes) ({len(self.pool_sizes)}): each branch gets "
                             f"in_channels // len(pool_sizes) channels")
        self.branches = ModuleList([
            Sequential(AdaptiveAvgPool2d(s), Conv2d(in_channels, branch, kernel_size=1), ReLU())
            for s in self.pool_sizes])
        self.fuse = Sequential(
            Conv2d(in_channels + branch * len(self.pool_sizes), out_channels, kernel_size=3,
                   padding=1, bias=False),
            BatchNorm2d(out_channels),
            ReLU())

    def forward(self, x: Tensor) -> Tensor:
        check_image(type(self).__name__, x, self.in_channels)
        size = x.shape[-2:]
        return self.fuse(cat([x] + [resize(b(x), size) for b in self.branches], dim=1))

    def extra_repr(self) -> str:
        return (f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
                f"pool_sizes={self.pool_sizes}")


class SpatialPyramidPooling(Module):
    """Spatial pyramid pooling (He et al., SPP-net): a fixed-length vector from any image size.

    Level l pools the map into 2**l x 2**l bins (1, 2, 4, ...) with PyTorch's adaptive bin rule
    (bin i covers floor(i*H/b) to ceil((i+1)*H/b)); each level is flattened channel-major and the
    levels are concatenated, coarsest first. Parameter-free.

    Args:
        num_levels: number of pyramid levels.
        pool_type: "max" or "avg".

    Shape: (N, C, H, W) -> (N, C * sum(4**l for l < num_levels)); (N, 21 C) for 3 levels.
    """

    def __init__(self, num_levels: int = 3, pool_type: str = "max"):
        super().__init__()
        self.num_levels = check_positive_int(type(self).__name__, num_levels, "num_levels")
        self.pool_type = _check_pool_type(type(self).__name__, pool_type)

    def forward(self, x: Tensor) -> Tensor:
        check_image(type(self).__name__, x)
        pool = adaptive_max_pool2d if self.pool_type == "max" else adaptive_avg_pool2d
        return cat([pool(x, 2 ** l).flatten(1) for l in range(self.num_levels)], dim=1)

    def extra_repr(self) -> str:
        return f"num_levels={self.num_levels}, pool_type={self.pool_type!r}"
