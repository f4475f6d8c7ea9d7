"""Feature fusion: FeatureFusion, ScaleFusion and AttentionFusion, on one ``fuse`` function.

``fuse`` combines feature maps that already share a size ("concat", "sum" or "attention"). The
three classes bring their inputs to that shape (1x1 projections, ``resize``) and call it;
MultiScaleModel calls it too, so there is one implementation of each fusion method.
"""
from ..core import Tensor, cat, softmax, stack
from ..nn import Conv2d, Identity, Module, ModuleList
from ._resize import check_image, check_positive_int, check_positive_ints, check_scales, resize

FUSION_METHODS = ("concat", "sum", "attention")


def check_fusion_method(owner: str, method) -> str:
    """``method`` if it is a fusion method, else a ValueError listing them."""
    if method not in FUSION_METHODS:
        raise ValueError(f"{owner}: unknown fusion_method {method!r}; valid methods are "
                         f"{', '.join(repr(m) for m in FUSION_METHODS)}")
    return method


def fuse(features: list, method: str, scorer: Module = None) -> Tensor:
    """Fuse K feature maps of one spatial size.

    Args:
        features: K tensors (N, C_k, H, W); for "sum" and "attention" all C_k equal C.
        method: "concat" stacks them on channels; "sum" adds them; "attention" weights them
            per pixel by a softmax across the K maps of ``scorer``'s score of each.
        scorer: for "attention", a module mapping (N, C, H, W) to one score map (N, 1, H, W),
            shared by the K inputs.
    Shape: "concat" -> (N, sum(C_k), H, W); "sum" and "attention" -> (N, C, H, W).
    """
    if method == "concat":
        return cat(features, dim=1)
    if method == "sum":
        out = features[0]
        for f in features[1:]:
            out = out + f
        return out
    weights = softmax(cat([scorer(f) for f in features], dim=1), dim=1)   # (N, K, H, W)
    return (stack(features, dim=1) * weights.unsqueeze(2)).sum(dim=1)    # (N, K, C, H, W) -> sum


class FeatureFusion(Module):
    """Fuses a list of feature maps of any sizes into one map at the size of the first.

    Args:
        in_channels: the channel count of each input map, in order.
        out_channels: the channel count of the fused map.
        fusion_method: how to combine them:

            * "concat": resize every map to the first's size, concatenate on channels, and
              mix with a 1x1 conv (``merge``) to ``out_channels``;
            * "sum": a 1x1 conv (``projections[k]``) brings each input whose channel count
              differs from ``out_channels`` to it (the others pass unchanged), then the
              resized maps are added;
            * "attention": every input gets a 1x1 projection to ``out_channels``; a shared
              1x1 conv (``scorer``) scores each pixel of each resized map, a softmax across
              the inputs turns the scores into weights, and the output is the weighted sum.

        Projections run before resizing: a 1x1 conv commutes with interpolation (its weights
        sum to 1), and the coarse maps are the cheap place to change channels.

    Shape: features [(N, in_channels[k], H_k, W_k) for each k] -> (N, out_channels, H_0, W_0)

    Raises: ValueError for an unknown fusion method, a wrong number of inputs, or an input
        whose channel count differs from its entry of ``in_channels`` (naming its index).
    """

    def __init__(self, in_channels: list, out_channels: int, fusion_method: str = "concat"):
        super().__init__()
        owner = type(self).__name__
        self._expected = check_positive_ints(owner, in_channels, "in_channels", "channel counts",
                                             "every entry of in_channels")
        self.in_channels = list(self._expected)
        self.out_channels = check_positive_int(owner, out_channels, "out_channels")
        self.fusion_method = check_fusion_method(owner, fusion_method)
        self._reference = 0   # the input whose spatial size the output takes
        self._per_input = f"in_channels={self._expected}"   # what the inputs correspond to
        c, out = self._expected, self.out_channels
        self.merge = Conv2d(sum(c), out, kernel_size=1) if fusion_method == "concat" else None
        if fusion_method == "sum":
            self.projections = ModuleList(
                [Identity() if k == out else Conv2d(k, out, kernel_size=1) for k in c])
        elif fusion_method == "attention":
            self.projections = ModuleList([Conv2d(k, out, kernel_size=1) for k in c])
        else:
            self.projections = None
        self.scorer = Conv2d(out, 1, kernel_size=1) if fusion_method == "attention" else None

    def _check(self, features) -> None:
        owner = type(self).__name__
        if isinstance(features, Tensor) or not isinstance(features, (list, tuple)):
            raise ValueError(f"{owner}: expected a list of {len(self._expected)} feature maps, "
                             f"got {type(features).__name__}")
        if len(features) != len(self._expected):
            raise ValueError(f"{owner}: expected {len(self._expected)} feature maps "
                             f"({self._per_input}), got {len(features)}")
        for k, (f, c) in enumerate(zip(features, self._expected)):
            check_image(owner, f, what=f"input {k}")
            if f.shape[1] != c:
                expected = f"in_channels[{k}]" if isinstance(self.in_channels, list) \
                    else "in_channels"
                raise ValueError(f"{owner}: input {k} has {f.shape[1]} channels (shape "
                                 f"{tuple(f.shape)}), but {expected} is {c}")
            if f.shape[0] != features[0].shape[0]:
                raise ValueError(f"{owner}: input {k} has batch size {f.shape[0]}, input 0 has "
                                 f"{features[0].shape[0]}")

    def forward(self, features: list) -> Tensor:
        self._check(features)
        size = features[self._reference].shape[-2:]
        if self.fusion_method == "concat":
            return self.merge(fuse([resize(f, size) for f in features], "concat"))
        projected = [p(f) for p, f in zip(self.projections, features)]
        return fuse([resize(f, size) for f in projected], self.fusion_method, self.scorer)

    def extra_repr(self) -> str:
        return (f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
                f"fusion_method={self.fusion_method!r}")


class ScaleFusion(FeatureFusion):
    """Fuses one feature map per scale, all with ``in_channels`` channels, at the size of the
    map of the largest scale; the methods are FeatureFusion's.

    Args:
        scales: the scale of each input map, in input order (positive, distinct).
        in_channels: the channel count of every input map.
        out_channels: the channel count of the fused map.
        fusion_method: "concat", "sum" or "attention" (see FeatureFusion).

    Shape: features [(N, in_channels, H_k, W_k) for each scale k] -> (N, out_channels, H_m, W_m),
        where m is the index of the largest scale.

    Raises: ValueError for an unknown fusion method, a wrong number of inputs (one per scale),
        or an input with a channel count other than ``in_channels`` (naming its index).
    """

    def __init__(self, scales: list, in_channels: int, out_channels: int,
                 fusion_method: str = "concat"):
        checked = check_scales(type(self).__name__, scales)
        channels = check_positive_int(type(self).__name__, in_channels, "in_channels")
        super().__init__([channels] * len(checked), out_channels, fusion_method)
        self.scales = checked
        self.in_channels = channels
        self._reference = checked.index(max(checked))
        self._per_input = f"one per scale of {checked}"

    def extra_repr(self) -> str:
        return f"scales={self.scales}, " + super().extra_repr()


class AttentionFusion(FeatureFusion):
    """FeatureFusion with ``fusion_method="attention"``: per-input 1x1 projections to
    ``out_channels``, a shared 1x1 conv scoring every pixel of every input, a softmax across
    the inputs, and the weighted sum, at the size of the first input.

    Args:
        in_channels: the channel count of each input map, in order.
        out_channels: the channel count of the fused map.

    Shape: features [(N, in_channels[k], H_k, W_k) for each k] -> (N, out_channels, H_0, W_0)
    """

    def __init__(self, in_channels: list, out_channels: int):
        super().__init__(in_channels, out_channels, fusion_method="attention")
