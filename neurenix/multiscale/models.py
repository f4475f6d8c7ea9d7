"""Multi-scale models: MultiScaleModel, PyramidNetwork and UNet.

Under ``nx.enable_gradient_checkpointing()`` each model runs its stages (every scale's pass
through the base model; every encoder and decoder level) as checkpoint segments: the forward
keeps only the stage boundaries and the backward recomputes each stage, with the same gradients.
"""
import numbers

from ..core import Tensor, cat, softmax
from ..core.checkpoint import checkpoint, is_checkpointing_enabled
from ..nn import (BatchNorm2d, Conv2d, ConvTranspose2d, MaxPool2d, Module, ModuleList, ReLU,
                  Sequential)
from ._resize import (check_image, check_positive_int, check_positive_ints, check_scale,
                      check_scales, rescale, resize)
from .attention import AttentionGate
from .fusion import check_fusion_method, fuse

FINAL_ACTIVATIONS = ("sigmoid", "softmax", None)


def _stage(fn, *inputs):
    """``fn(*inputs)``, run as a checkpoint segment when gradient checkpointing is on. ``fn`` is
    a Module or a bound method of one, so that checkpoint gives its parameters gradients."""
    if is_checkpointing_enabled():
        return checkpoint(fn, *inputs)
    return fn(*inputs)


def _conv_block(in_channels: int, out_channels: int) -> Sequential:
    """Two 3x3 conv (padding 1) + BatchNorm + ReLU: (N, in, H, W) -> (N, out, H, W). The convs
    have no bias because the BatchNorm after each subtracts any constant anyway."""
    return Sequential(
        Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
        BatchNorm2d(out_channels), ReLU(),
        Conv2d(out_channels, out_channels, kernel_size=3, padding=1, bias=False),
        BatchNorm2d(out_channels), ReLU())


def _declared_channels(module: Module):
    """The output channels a module declares: its own ``out_channels``/``out_features``, else
    those of its last child (in registration order) that declares some; None if none does."""
    for name in ("out_channels", "out_features"):
        value = getattr(module, name, None)
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return int(value)
    for child in reversed(list(module.children())):
        value = _declared_channels(child)
        if value is not None:
            return value
    return None


def _check_min_size(owner: str, x: Tensor, halvings: int) -> None:
    need = 2 ** halvings
    if min(x.shape[-2:]) < need:
        raise ValueError(f"{owner}: input {tuple(x.shape)} is too small: the model halves it "
                         f"{halvings} times, so H and W must be at least {need}")


class MultiScaleModel(Module):
    """Runs one shared base model on the input at several scales and fuses the results.

    For each scale s the input is resized by s (size floor(H*s) x floor(W*s), bilinear; 1.0 is
    the input itself) and passed through ``base_model``; every output is resized to the output
    size of the largest scale and the outputs are fused:

    * "concat": stacked on channels in the order of ``scales`` (C * len(scales) channels);
    * "sum": added (C channels);
    * "attention": weighted per pixel by a softmax across scales of a learned 1x1 conv score
      (``scorer``, C -> 1, shared by the scales) and added (C channels).

    ``base_model=None`` means the identity, so the model is a parameter-free multi-scale view of
    its input (C = input channels). The base's output channel count C (``base_channels``) is
    read at construction from the base model (its own ``out_channels``/``out_features``, else
    its last layer that declares one), so the attention scorer exists before an optimizer is
    made; "attention" therefore needs a base model that declares its channels and is refused
    with ``base_model=None``. ``out_channels`` gives the output's channel count (None when C is
    unknown), so a MultiScaleModel can itself be the base of another.

    Args:
        scales: the scales (positive, distinct).
        base_model: the Module applied at every scale, or None for the identity.
        fusion_method: "concat", "sum" or "attention".

    Shape: (N, C_in, H, W) -> (N, C * len(scales), H', W') for "concat", (N, C, H', W')
        otherwise, where (H', W') is the base model's output size at the largest scale
        ((H, W) when the largest scale is 1.0 and the base keeps sizes).

    Raises: ValueError for an unknown fusion method, or a non-positive or duplicate scale.
    """

    def __init__(self, scales: list = [1.0, 0.5, 0.25], base_model: Module = None,  # noqa: B006
                 fusion_method: str = "concat"):
        super().__init__()
        owner = type(self).__name__
        self.scales = check_scales(owner, scales)
        self.fusion_method = check_fusion_method(owner, fusion_method)
        if base_model is not None and not isinstance(base_model, Module):
            raise TypeError(f"{owner}: base_model must be a neurenix.nn.Module or None, got "
                            f"{type(base_model).__name__}")
        self.base_model = base_model
        self.base_channels = None if base_model is None else _declared_channels(base_model)
        if fusion_method == "attention" and self.base_channels is None:
            raise ValueError(
                f"{owner}: fusion_method='attention' scores each scale with a 1x1 conv over the "
                f"base model's output channels, so it needs a base_model that declares them "
                f"(a layer with out_channels or out_features); got "
                f"{'base_model=None' if base_model is None else type(base_model).__name__}")
        self.scorer = (Conv2d(self.base_channels, 1, kernel_size=1)
                       if fusion_method == "attention" else None)

    @property
    def out_channels(self):
        """Channels of the output: the base's times len(scales) for "concat", the base's
        otherwise; None when the base declares none (or is the identity)."""
        if self.base_channels is None or self.fusion_method != "concat":
            return self.base_channels
        return self.base_channels * len(self.scales)

    def add_scale(self, scale: float) -> None:
        """Append ``scale`` to the scales (for "concat" the output gains C channels, last).

        Raises: ValueError for a non-positive scale or one already present.
        """
        scale = check_scale("MultiScaleModel.add_scale", scale)
        if scale in self.scales:
            raise ValueError(f"MultiScaleModel.add_scale: scale {scale} is already one of the "
                             f"scales {self.scales}")
        self.scales.append(scale)
        self._record_scales()

    def remove_scale(self, scale: float) -> None:
        """Remove ``scale`` from the scales.

        Raises: ValueError when ``scale`` is not one of them, or is the last one left.
        """
        scale = check_scale("MultiScaleModel.remove_scale", scale)
        if scale not in self.scales:
            raise ValueError(f"MultiScaleModel.remove_scale: scale {scale} is not one of the "
                             f"scales {self.scales}")
        if len(self.scales) == 1:
            raise ValueError(f"MultiScaleModel.remove_scale: cannot remove {scale}, the last "
                             f"remaining scale; a model needs at least one")
        self.scales.remove(scale)
        self._record_scales()

    def _record_scales(self) -> None:
        """Keep the recorded constructor arguments (``Module._init_args``) in step, so nx.save
        rebuilds the model with the scales it has now."""
        args, kwargs = self._init_args
        if args:  # scales is the first parameter
            args = (list(self.scales),) + tuple(args[1:])
        else:
            kwargs = dict(kwargs, scales=list(self.scales))
        self._init_args = (args, kwargs)

    def _branch(self, x: Tensor, scale: float) -> Tensor:
        x = rescale(x, scale)
        if self.base_model is None:
            return x
        out = _stage(self.base_model, x)
        check_image(type(self).__name__, out, self.base_channels if self.scorer else None,
                    what=f"base_model output at scale {scale}")
        return out

    def forward(self, x: Tensor) -> Tensor:
        check_image(type(self).__name__, x)
        outs = [self._branch(x, s) for s in self.scales]
        size = outs[self.scales.index(max(self.scales))].shape[-2:]
        return fuse([resize(o, size) for o in outs], self.fusion_method, self.scorer)

    def extra_repr(self) -> str:
        return f"scales={self.scales}, fusion_method={self.fusion_method!r}"


MAX_LEVELS = 31  # each level halves the input: level 31 would need 2**30 pixels a side


class PyramidNetwork(Module):
    """A convolutional feature pyramid: an encoder of ``num_levels`` levels and an FPN decoder.

    Level i has ``base_channels * 2**i`` channels at 1/2**i of the input size (floor at each
    halving): level 0 runs two 3x3 conv + BatchNorm + ReLU on the input, and each later level
    a 2x2 max-pool then the same block. The top-down pass (Lin et al., FPN) brings every level to
    ``base_channels`` with a 1x1 lateral conv, then, coarsest first, upsamples the running map
    bilinearly to the next finer level's size and adds it; a final 1x1 conv maps the finest
    result to ``out_channels``.

    The network keeps the level outputs of its last forward for ``get_features()``, with their
    graph while grad mode is on; ``release_features()`` drops them to free that memory (a
    training loop can call it after each step), and each forward drops the previous forward's
    before it runs, so two batches of them are never alive at once.

    Args:
        in_channels: channels of the input.  out_channels: channels of the output.
        num_levels: number of pyramid levels (at most 31: the input must have at least
            2**(num_levels - 1) pixels a side).  base_channels: channels of level 0.

    Shape: (N, in_channels, H, W) -> (N, out_channels, H, W); H and W at least
        2**(num_levels - 1). (Training BatchNorm needs more than one value per channel, so at
        batch 1 in training mode the coarsest level must be larger than 1 x 1.)
        get_features(): [(N, base_channels * 2**i, floor(H / 2**i), floor(W / 2**i))
        for i < num_levels], finest first.
    """

    def __init__(self, in_channels: int, out_channels: int, num_levels: int = 3,
                 base_channels: int = 64):
        super().__init__()
        owner = type(self).__name__
        self.in_channels = check_positive_int(owner, in_channels, "in_channels")
        self.out_channels = check_positive_int(owner, out_channels, "out_channels")
        self.num_levels = check_positive_int(owner, num_levels, "num_levels")
        if num_levels > MAX_LEVELS:
            raise ValueError(f"{owner}: num_levels={num_levels} would need an input of at least "
                             f"2**{num_levels - 1} pixels a side; at most {MAX_LEVELS} levels")
        self.base_channels = check_positive_int(owner, base_channels, "base_channels")
        widths = [base_channels * 2 ** i for i in range(num_levels)]
        self.pool = MaxPool2d(2)
        self.levels = ModuleList([_conv_block(c_in, c)
                                  for c_in, c in zip([in_channels] + widths[:-1], widths)])
        self.laterals = ModuleList([Conv2d(c, base_channels, kernel_size=1) for c in widths])
        self.head = Conv2d(base_channels, out_channels, kernel_size=1)
        self._features = None

    def _level(self, i: int, x: Tensor) -> Tensor:
        return self.levels[i](self.pool(x) if i else x)

    def _top_down(self, *features: Tensor) -> Tensor:
        out = self.laterals[-1](features[-1])
        for i in reversed(range(len(features) - 1)):
            lateral = self.laterals[i](features[i])
            out = lateral + resize(out, lateral.shape[-2:])
        return self.head(out)

    def forward(self, x: Tensor) -> Tensor:
        check_image(type(self).__name__, x, self.in_channels)
        _check_min_size(type(self).__name__, x, self.num_levels - 1)
        self.release_features()  # the last forward's: not alive while this one runs
        features = []
        for i in range(self.num_levels):
            x = _stage(self._level, i, x)
            features.append(x)
        self._features = features
        return _stage(self._top_down, *features)

    def get_features(self) -> list:
        """The level outputs of the last forward, finest first (see the class Shape).

        Raises: RuntimeError before any forward.
        """
        if self._features is None:
            raise RuntimeError("PyramidNetwork.get_features: no features yet; call the "
                               "network on an input first")
        return list(self._features)

    def release_features(self) -> None:
        """Drop the level outputs kept from the last forward (and the graph they hold), so
        their memory is freed; ``get_features`` raises until the next forward."""
        self._features = None

    def extra_repr(self) -> str:
        return (f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
                f"num_levels={self.num_levels}, base_channels={self.base_channels}")


class UNet(Module):
    """U-Net (Ronneberger et al.): an encoder/decoder with skip connections at every level.

    Encoder level i runs two 3x3 conv + BatchNorm + ReLU to ``features[i]`` channels (after a
    2x2 max-pool for i > 0); a 2x2 max-pool and the same block make the bottleneck of
    ``2 * features[-1]`` channels. Each decoder level, coarsest first, upsamples with a 2x2
    stride-2 ConvTranspose to ``features[i]`` channels, resizes the result to the skip's size
    when an odd size made them differ (bilinear), concatenates [skip, upsampled] on channels
    and runs the conv block back to ``features[i]``. A final 1x1 conv gives ``out_channels``.

    Two options go beyond the classic network (both off by default, which leaves the layers
    and state-dict keys exactly as above):

    * ``deep_supervision=True`` adds a 1x1 conv head (``aux_heads[k]``) on every decoder level
      but the finest. In training mode ``forward`` returns a list of ``len(features)``
      predictions, finest first: the main output, then each coarser level's head output,
      resized (bilinear, before the final activation) to the input size and activated like
      the main one. Train on it with ``DeepSupervisionLoss``: the coarse levels then get a
      loss signal of their own, which speeds up and steadies training of deep U-Nets (Lee et
      al., 2015; nnU-Net). In eval mode ``forward`` returns the main output only.
    * ``attention=True`` passes each skip through an ``AttentionGate`` (``gates[j]``, in
      decoder order) whose gating signal is the decoder feature coming up to that level: the
      skip is multiplied by the gate's coefficients psi before the concatenation (Attention
      U-Net, Oktay et al., 2018). ``get_attention_maps()`` returns the psi maps.

    The model keeps the encoder and decoder features (and attention maps) of its last forward
    for the ``get_*`` methods, with their graph while grad mode is on; ``release_features()``
    drops them, e.g. to free that memory between training and a large inference (a training
    loop can call it after each step). Each forward drops the previous forward's before it
    runs, so two batches of them are never alive at once.

    Args:
        in_channels: channels of the input.  out_channels: channels of the output.
        features: channels of each level, finest first.
        final_activation: "sigmoid" (the default: a probability map, ready for BCELoss),
            "softmax" (a distribution over the channels at each pixel) or None (logits, for
            BCEWithLogitsLoss or CrossEntropyLoss).
        deep_supervision: in training mode, return one prediction per decoder level.
        attention: gate every skip connection with an AttentionGate.

    Shape: (N, in_channels, H, W) -> (N, out_channels, H, W); H and W at least 2**len(features)
        (and, at batch 1 in training mode, a bottleneck larger than 1 x 1 for its BatchNorm).
        With deep_supervision in training mode: a list of len(features) such tensors.
        get_encoder_features(): [(N, features[i], floor(H / 2**i), floor(W / 2**i))], finest
        first (the skips). get_decoder_features(): the decoder levels' outputs in the order they
        run, coarsest first: [(N, features[i], H_i, W_i) for i from len(features) - 1 to 0].
        get_attention_maps(): [(N, 1, floor(H / 2**i), floor(W / 2**i))], finest first.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 features: list = [64, 128, 256, 512],  # noqa: B006
                 final_activation: str = "sigmoid", deep_supervision: bool = False,
                 attention: bool = False):
        super().__init__()
        owner = type(self).__name__
        self.in_channels = check_positive_int(owner, in_channels, "in_channels")
        self.out_channels = check_positive_int(owner, out_channels, "out_channels")
        self.features = check_positive_ints(owner, features, "features", "channel counts",
                                            "every entry of features")
        if final_activation not in FINAL_ACTIVATIONS:
            raise ValueError(f"{owner}: unknown final_activation {final_activation!r}; valid "
                             f"values are 'sigmoid', 'softmax' and None")
        self.final_activation = final_activation
        widths = self.features
        self.pool = MaxPool2d(2)
        self.encoders = ModuleList([_conv_block(c_in, c)
                                    for c_in, c in zip([in_channels] + widths[:-1], widths)])
        self.bottleneck = _conv_block(widths[-1], 2 * widths[-1])
        coming = [2 * widths[-1]] + widths[:0:-1]           # channels entering each decoder
        self.upsamples = ModuleList([ConvTranspose2d(c_in, c, kernel_size=2, stride=2)
                                     for c_in, c in zip(coming, widths[::-1])])
        self.decoders = ModuleList([_conv_block(2 * c, c) for c in widths[::-1]])
        self.head = Conv2d(widths[0], out_channels, kernel_size=1)
        self.deep_supervision, self.attention = bool(deep_supervision), bool(attention)
        # Registered only when asked for, so the classic UNet keeps its state-dict keys.
        if self.attention:  # gate j sees the skip of decoder level j and the feature coming up
            self.gates = ModuleList([AttentionGate(c, c_g) for c, c_g in zip(widths[::-1], coming)])
        if self.deep_supervision:  # one head per decoder level but the finest, finest first
            self.aux_heads = ModuleList([Conv2d(c, out_channels, kernel_size=1)
                                         for c in widths[1:]])
        self.release_features()

    def _encode(self, i: int, x: Tensor) -> Tensor:
        return self.encoders[i](self.pool(x) if i else x)

    def _bridge(self, x: Tensor) -> Tensor:
        return self.bottleneck(self.pool(x))

    def _decode(self, j: int, x: Tensor, skip: Tensor) -> Tensor:
        up = resize(self.upsamples[j](x), skip.shape[-2:])
        return self.decoders[j](cat([skip, up], dim=1))

    def _activate(self, out: Tensor) -> Tensor:
        if self.final_activation == "sigmoid":
            return out.sigmoid()
        if self.final_activation == "softmax":
            return softmax(out, dim=1)
        return out

    def forward(self, x: Tensor):
        check_image(type(self).__name__, x, self.in_channels)
        _check_min_size(type(self).__name__, x, len(self.features))
        self.release_features()  # the last forward's: not alive while this one runs
        size = x.shape[-2:]
        skips = []
        for i in range(len(self.encoders)):
            x = _stage(self._encode, i, x)
            skips.append(x)
        x = _stage(self._bridge, x)
        decoded, maps = [], []
        for j, skip in enumerate(reversed(skips)):
            if self.attention:
                psi = _stage(self.gates[j].coefficients, skip, x)
                maps.append(psi)
                skip = skip * psi
            x = _stage(self._decode, j, x, skip)
            decoded.append(x)
        self._encoder_features, self._decoder_features = skips, decoded
        self._attention_maps = maps[::-1] if self.attention else None
        out = self._activate(self.head(x))
        if not (self.deep_supervision and self.training):
            return out
        coarser = decoded[-2::-1]          # the decoder levels after the finest, finest first
        return [out] + [self._activate(resize(head(f), size))
                        for head, f in zip(self.aux_heads, coarser)]

    def get_encoder_features(self) -> list:
        """The encoder levels' outputs of the last forward, finest first (see the class Shape).

        Raises: RuntimeError before any forward.
        """
        if self._encoder_features is None:
            raise RuntimeError("UNet.get_encoder_features: no features yet; call the UNet on an "
                               "input first")
        return list(self._encoder_features)

    def get_decoder_features(self) -> list:
        """The decoder levels' outputs of the last forward, coarsest first (see the class Shape).

        Raises: RuntimeError before any forward.
        """
        if self._decoder_features is None:
            raise RuntimeError("UNet.get_decoder_features: no features yet; call the UNet on an "
                               "input first")
        return list(self._decoder_features)

    def get_attention_maps(self) -> list:
        """The attention gates' coefficient maps psi of the last forward, finest first (see the
        class Shape).

        Raises: RuntimeError without ``attention=True``, or before any forward.
        """
        if not self.attention:
            raise RuntimeError("UNet.get_attention_maps: this UNet has no attention gates; "
                               "build it with attention=True")
        if self._attention_maps is None:
            raise RuntimeError("UNet.get_attention_maps: no attention maps yet; call the UNet "
                               "on an input first")
        return list(self._attention_maps)

    def release_features(self) -> None:
        """Drop the features and attention maps kept from the last forward (and the graph they
        hold), so their memory is freed; the ``get_*`` methods raise until the next forward."""
        self._encoder_features = self._decoder_features = self._attention_maps = None

    def extra_repr(self) -> str:
        options = "".join(f", {name}=True" for name in ("deep_supervision", "attention")
                          if getattr(self, name))
        return (f"in_channels={self.in_channels}, out_channels={self.out_channels}, "
                f"features={self.features}, final_activation={self.final_activation!r}"
                + options)
