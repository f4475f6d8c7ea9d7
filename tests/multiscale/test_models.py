"""MultiScaleModel, PyramidNetwork and UNet: shapes, PyTorch references, gradients and
checkpointing."""
import math
import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.multiscale import DeepSupervisionLoss, MultiScaleModel, PyramidNetwork, UNet
from neurenix.nn import BCELoss, Conv2d, Linear, ReLU, Sequential
from neurenix.optim import Adam
from neurenix.testing import assert_matches


def _image(n, c, h, w, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal((n, c, h, w)).astype(dtype)


def _torch_weights(torch, module):
    return {k: torch.tensor(v.numpy()) for k, v in module.state_dict().items()}


def _torch_resize(torch, x, size):
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return torch.nn.functional.interpolate(x, size=tuple(size), mode="bilinear",
                                           align_corners=False)


def _torch_block(torch, w, prefix, x):
    """Two 3x3 conv + BatchNorm (batch statistics) + ReLU, reading weights under ``prefix``."""
    F = torch.nn.functional
    for conv, bn in ((0, 1), (3, 4)):
        x = F.conv2d(x, w[f"{prefix}.{conv}.weight"], padding=1)
        x = F.batch_norm(x, None, None, w[f"{prefix}.{bn}.weight"], w[f"{prefix}.{bn}.bias"],
                         training=True)
        x = F.relu(x)
    return x


def _grads(module, x):
    return [p.grad.numpy().copy() for p in module.parameters()] + [x.grad.numpy().copy()]


def _backward_grads(module, x, checkpointing: bool):
    module.zero_grad()
    x.grad = None
    v = nx.tensor(np.random.default_rng(7).standard_normal(module(x).shape).astype(x.dtype))
    with nx.enable_gradient_checkpointing(checkpointing):
        out = module(x)
    (out * v).sum().backward()
    return _grads(module, x)


def _assert_checkpointing_keeps_gradients(module, x):
    plain = _backward_grads(module, x, False)
    checkpointed = _backward_grads(module, x, True)
    assert len(plain) == len(checkpointed)
    for a, b in zip(plain, checkpointed):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)


# ----- MultiScaleModel ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["concat", "sum"])
@given(h=st.integers(1, 9), w=st.integers(1, 9),
       scales=st.lists(st.sampled_from([1.0, 0.75, 0.5, 0.3, 1.5]), min_size=1, max_size=3,
                       unique=True))
def test_identity_base_matches_torch(method, h, w, scales):
    torch = pytest.importorskip("torch")
    model = MultiScaleModel(scales, None, method)

    def fn(lib, x):
        if lib is nx:
            return model(x)
        views = [_torch_resize(torch, x, (max(1, math.floor(h * s)), max(1, math.floor(w * s))))
                 for s in scales]
        size = views[scales.index(max(scales))].shape[-2:]
        views = [_torch_resize(torch, v, size) for v in views]
        return torch.cat(views, dim=1) if method == "concat" else sum(views[1:], views[0])

    assert_matches(torch, fn, _image(2, 3, h, w))
    assert list(model.parameters()) == []


def test_attention_fusion_matches_torch():
    torch = pytest.importorskip("torch")
    nx.manual_seed(0)
    model = MultiScaleModel([1.0, 0.5], Conv2d(2, 3, kernel_size=3, padding=1),
                            "attention").to(nx.float64)

    def fn(lib, x):
        if lib is nx:
            return model(x)
        F, wt = torch.nn.functional, _torch_weights(torch, model)
        outs = [F.conv2d(_torch_resize(torch, x, size), wt["base_model.weight"],
                         wt["base_model.bias"], padding=1) for size in [(7, 6), (3, 3)]]
        outs = [_torch_resize(torch, o, (7, 6)) for o in outs]
        scores = torch.cat([F.conv2d(o, wt["scorer.weight"], wt["scorer.bias"]) for o in outs], 1)
        weights = torch.softmax(scores, dim=1)
        return outs[0] * weights[:, :1] + outs[1] * weights[:, 1:]

    assert_matches(torch, fn, _image(2, 2, 7, 6), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("shape", [(2, 3, 40, 48), (1, 3, 17, 9), (1, 3, 5, 5)])
def test_multiscale_model_shapes(shape):
    base = Sequential(Conv2d(3, 8, kernel_size=3, padding=1), ReLU(),
                      Conv2d(8, 4, kernel_size=3, padding=1), ReLU())
    n, _, h, w = shape
    assert tuple(MultiScaleModel([1.0, 0.5, 0.25], base)(nx.randn(*shape)).shape) == (n, 12, h, w)
    assert tuple(MultiScaleModel(base_model=base, fusion_method="sum")(
        nx.randn(*shape)).shape) == (n, 4, h, w)
    assert tuple(MultiScaleModel(base_model=base, fusion_method="attention")(
        nx.randn(*shape)).shape) == (n, 4, h, w)
    # Without the scale 1.0, the output takes the size of the largest scale.
    assert tuple(MultiScaleModel([0.25, 0.5], base)(nx.randn(*shape)).shape) == \
        (n, 8, h // 2, w // 2)


def test_output_takes_the_base_output_size_of_the_largest_scale():
    base = Conv2d(2, 3, kernel_size=3, stride=2, padding=1)
    out = MultiScaleModel([1.0, 0.5], base, "sum")(nx.randn(1, 2, 13, 10))
    assert tuple(out.shape) == (1, 3, 7, 5)


def test_base_channels_are_read_at_construction():
    base = Sequential(Conv2d(3, 8, kernel_size=1), ReLU(),
                      Sequential(Conv2d(8, 6, kernel_size=1), ReLU()))
    model = MultiScaleModel(base_model=base, fusion_method="attention")
    assert model.base_channels == 6 and model.out_channels == 6
    assert model.scorer.in_channels == 6
    assert sum(p.numel() for p in model.parameters()) == \
        sum(p.numel() for p in base.parameters()) + 6 + 1
    assert MultiScaleModel(base_model=Linear(4, 9)).base_channels == 9
    assert MultiScaleModel(base_model=UNet(1, 2, [2])).base_channels == 2
    assert MultiScaleModel(base_model=ReLU()).base_channels is None
    assert MultiScaleModel().out_channels is None
    # "concat" declares C * len(scales), so a MultiScaleModel can be the base of another.
    inner = MultiScaleModel([1.0, 0.5], Conv2d(2, 3, kernel_size=1))
    assert inner.out_channels == 6
    outer = MultiScaleModel([1.0, 0.5], inner, "attention")
    assert outer.base_channels == 6
    assert tuple(outer(nx.randn(1, 2, 8, 8)).shape) == (1, 6, 8, 8)
    inner.add_scale(0.25)
    assert inner.out_channels == 9


def test_add_and_remove_scale():
    model = MultiScaleModel([1.0, 0.5], None, "concat")
    x = nx.randn(1, 2, 8, 8)
    model.add_scale(0.25)
    assert model.scales == [1.0, 0.5, 0.25]
    assert tuple(model(x).shape) == (1, 6, 8, 8)
    np.testing.assert_array_equal(model(x).numpy()[:, 4:],
                                  MultiScaleModel([0.25, 1.0])(x).numpy()[:, :2])
    model.remove_scale(1.0)
    assert model.scales == [0.5, 0.25]
    assert tuple(model(x).shape) == (1, 4, 4, 4)
    model.remove_scale(0.25)
    with pytest.raises(ValueError, match=r"MultiScaleModel.remove_scale: cannot remove 0.5, the "
                                         r"last remaining scale"):
        model.remove_scale(0.5)
    with pytest.raises(ValueError, match=r"MultiScaleModel.add_scale: scale 0.5 is already one "
                                         r"of the scales \[0.5\]"):
        model.add_scale(0.5)
    with pytest.raises(ValueError, match=r"MultiScaleModel.add_scale: scale must be a positive "
                                         r"number, got 0"):
        model.add_scale(0)
    with pytest.raises(ValueError, match=r"MultiScaleModel.add_scale: scale must be a positive "
                                         r"number, got -2"):
        model.add_scale(-2)
    with pytest.raises(ValueError, match=r"MultiScaleModel.remove_scale: scale 2.0 is not one of "
                                         r"the scales \[0.5\]"):
        model.remove_scale(2.0)


@pytest.mark.parametrize("method", ["concat", "sum", "attention"])
@given(h=st.integers(1, 6), w=st.integers(1, 6), seed=st.integers(0, 2 ** 16))
def test_multiscale_model_gradcheck(method, h, w, seed):
    nx.manual_seed(seed)
    model = MultiScaleModel([1.0, 0.5, 1.5], Conv2d(2, 2, kernel_size=3, padding=1),
                            method).to(nx.float64)
    x = nx.tensor(_image(1, 2, h, w, seed), requires_grad=True)
    assert nx.gradcheck(model, (x,))


def test_multiscale_model_checkpointing_keeps_gradients():
    nx.manual_seed(2)
    base = Sequential(Conv2d(2, 4, kernel_size=3, padding=1), ReLU(),
                      Conv2d(4, 3, kernel_size=3, padding=1))
    for method in ["concat", "attention"]:
        model = MultiScaleModel([1.0, 0.5], base, method).to(nx.float64)
        _assert_checkpointing_keeps_gradients(model, nx.tensor(_image(2, 2, 9, 7),
                                                               requires_grad=True))


def test_multiscale_model_errors():
    with pytest.raises(ValueError, match=r"MultiScaleModel: unknown fusion_method 'max'; valid "
                                         r"methods are 'concat', 'sum', 'attention'"):
        MultiScaleModel(fusion_method="max")
    with pytest.raises(ValueError, match=r"fusion_method='attention' .* needs a base_model that "
                                         r"declares them .* got base_model=None"):
        MultiScaleModel(fusion_method="attention")
    with pytest.raises(ValueError, match=r"needs a base_model .* got ReLU"):
        MultiScaleModel(base_model=ReLU(), fusion_method="attention")
    with pytest.raises(ValueError, match=r"MultiScaleModel: scale must be a positive number, "
                                         r"got 0.0"):
        MultiScaleModel([1.0, 0.0])
    with pytest.raises(ValueError, match=r"MultiScaleModel: scales must be distinct, got "
                                         r"\[1.0, 0.5, 1.0\]"):
        MultiScaleModel([1, 0.5, 1.0])
    with pytest.raises(TypeError, match=r"base_model must be a neurenix.nn.Module or None"):
        MultiScaleModel(base_model=lambda x: x)
    with pytest.raises(ValueError, match=r"MultiScaleModel: input must be a batch of images"):
        MultiScaleModel()(nx.randn(2, 3))
    model = MultiScaleModel(base_model=Conv2d(3, 4, kernel_size=1), fusion_method="attention")
    with pytest.raises(ValueError, match=r"conv2d"):  # the base model's own check
        model(nx.randn(1, 2, 4, 4))


# ----- PyramidNetwork ------------------------------------------------------------------------

def _torch_pyramid(torch, module, x):
    F, w = torch.nn.functional, _torch_weights(torch, module)
    features = []
    for i in range(module.num_levels):
        x = _torch_block(torch, w, f"levels.{i}", F.max_pool2d(x, 2) if i else x)
        features.append(x)
    last = module.num_levels - 1
    out = F.conv2d(features[-1], w[f"laterals.{last}.weight"], w[f"laterals.{last}.bias"])
    for i in reversed(range(last)):
        lateral = F.conv2d(features[i], w[f"laterals.{i}.weight"], w[f"laterals.{i}.bias"])
        out = lateral + _torch_resize(torch, out, lateral.shape[-2:])
    return F.conv2d(out, w["head.weight"], w["head.bias"])


@pytest.mark.parametrize("shape", [(2, 2, 8, 8), (1, 2, 11, 7)])
def test_pyramid_network_matches_torch(shape):
    torch = pytest.importorskip("torch")
    nx.manual_seed(3)
    module = PyramidNetwork(2, 3, num_levels=3, base_channels=2).to(nx.float64)
    assert_matches(torch, lambda lib, x: module(x) if lib is nx else
                   _torch_pyramid(torch, module, x), _image(*shape), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape, training", [((1, 3, 16, 16), True), ((2, 3, 13, 11), True),
                                             ((1, 3, 9, 20), True), ((2, 3, 4, 4), True),
                                             ((1, 3, 4, 5), False)])
def test_pyramid_network_shapes_and_features(shape, training):
    # Training BatchNorm needs more than one value per channel: a 1 x 1 coarsest level at
    # batch 1 works in eval mode only (as in PyTorch).
    module = PyramidNetwork(3, 5, num_levels=3, base_channels=4)
    module.train(training)
    n, _, h, w = shape
    assert tuple(module(nx.randn(*shape)).shape) == (n, 5, h, w)
    assert [tuple(f.shape) for f in module.get_features()] == \
        [(n, 4 * 2 ** i, h // 2 ** i, w // 2 ** i) for i in range(3)]


@given(h=st.integers(2, 6), w=st.integers(2, 6), seed=st.integers(0, 2 ** 16))
def test_pyramid_network_gradcheck(h, w, seed):
    nx.manual_seed(seed)
    module = PyramidNetwork(1, 1, num_levels=2, base_channels=2).to(nx.float64)
    x = nx.tensor(_image(2, 1, h, w, seed), requires_grad=True)
    assert nx.gradcheck(module, (x,))


def test_pyramid_network_checkpointing_keeps_gradients():
    _assert_checkpointing_keeps_gradients(
        PyramidNetwork(2, 2, num_levels=3, base_channels=3).to(nx.float64),
        nx.tensor(_image(2, 2, 12, 9), requires_grad=True))


def test_pyramid_network_errors():
    module = PyramidNetwork(3, 1, num_levels=4, base_channels=2)
    with pytest.raises(RuntimeError, match=r"PyramidNetwork.get_features: no features yet"):
        module.get_features()
    with pytest.raises(ValueError, match=r"PyramidNetwork: input \(1, 3, 7, 9\) is too small: the "
                                         r"model halves it 3 times, so H and W must be at least 8"):
        module(nx.randn(1, 3, 7, 9))
    with pytest.raises(ValueError, match=r"PyramidNetwork: input has 1 channels \(shape "
                                         r"\(1, 1, 8, 8\)\), expected 3"):
        module(nx.randn(1, 1, 8, 8))
    with pytest.raises(ValueError, match=r"PyramidNetwork: num_levels must be a positive integer"):
        PyramidNetwork(3, 1, num_levels=0)


# ----- UNet --------------------------------------------------------------------------------------

def _torch_unet(torch, module, x):
    F, w = torch.nn.functional, _torch_weights(torch, module)
    skips = []
    for i in range(len(module.features)):
        x = _torch_block(torch, w, f"encoders.{i}", F.max_pool2d(x, 2) if i else x)
        skips.append(x)
    x = _torch_block(torch, w, "bottleneck", F.max_pool2d(x, 2))
    for j, skip in enumerate(reversed(skips)):
        up = F.conv_transpose2d(x, w[f"upsamples.{j}.weight"], w[f"upsamples.{j}.bias"], stride=2)
        x = _torch_block(torch, w, f"decoders.{j}",
                         torch.cat([skip, _torch_resize(torch, up, skip.shape[-2:])], dim=1))
    out = F.conv2d(x, w["head.weight"], w["head.bias"])
    return {"sigmoid": torch.sigmoid(out), "softmax": torch.softmax(out, 1), None: out}[
        module.final_activation]


@pytest.mark.parametrize("shape, activation", [((2, 2, 8, 8), "sigmoid"), ((1, 2, 11, 13), None),
                                               ((2, 2, 9, 6), "softmax")])
def test_unet_matches_torch(shape, activation):
    torch = pytest.importorskip("torch")
    nx.manual_seed(5)
    module = UNet(2, 3, features=[2, 3], final_activation=activation).to(nx.float64)
    assert_matches(torch, lambda lib, x: module(x) if lib is nx else
                   _torch_unet(torch, module, x), _image(*shape), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", [(1, 3, 16, 16), (2, 3, 17, 19), (1, 3, 12, 31), (3, 3, 8, 8)])
def test_unet_shapes_and_features(shape):
    module = UNet(3, 2, features=[4, 6, 8])
    module.train()
    n, _, h, w = shape
    out = module(nx.randn(*shape))
    assert tuple(out.shape) == (n, 2, h, w)
    assert [tuple(f.shape) for f in module.get_encoder_features()] == \
        [(n, c, h // 2 ** i, w // 2 ** i) for i, c in enumerate([4, 6, 8])]
    assert [tuple(f.shape) for f in module.get_decoder_features()] == \
        [(n, c, h // 2 ** i, w // 2 ** i) for i, c in reversed(list(enumerate([4, 6, 8])))]


def test_unet_final_activations():
    nx.manual_seed(6)
    x = nx.randn(2, 1, 8, 8)
    outs = {}
    for activation in ("sigmoid", "softmax", None):
        nx.manual_seed(6)
        outs[activation] = UNet(1, 3, [2, 4], final_activation=activation)(x).numpy()
    np.testing.assert_allclose(outs["sigmoid"], 1 / (1 + np.exp(-outs[None])), rtol=1e-5)
    np.testing.assert_allclose(outs["softmax"].sum(axis=1), 1.0, rtol=1e-5)
    assert UNet(1, 1).final_activation == "sigmoid"
    assert [m.out_channels for m in UNet(1, 1).upsamples] == [512, 256, 128, 64]


@given(h=st.integers(2, 6), w=st.integers(2, 6), seed=st.integers(0, 2 ** 16))
def test_unet_gradcheck(h, w, seed):
    nx.manual_seed(seed)
    module = UNet(1, 1, features=[2]).to(nx.float64)
    x = nx.tensor(_image(2, 1, h, w, seed), requires_grad=True)
    assert nx.gradcheck(module, (x,))


def test_unet_checkpointing_keeps_gradients():
    nx.manual_seed(7)
    _assert_checkpointing_keeps_gradients(UNet(2, 2, [3, 4]).to(nx.float64),
                                          nx.tensor(_image(2, 2, 13, 10), requires_grad=True))


def test_unet_checkpointing_keeps_less_for_backward():
    def retained(checkpointing: bool) -> int:
        nx.manual_seed(8)
        module = UNet(3, 1, [8, 16, 32])
        x = nx.randn(4, 3, 32, 32)
        # a first step grows the per-thread im2col scratch buffer: a cache, not the graph's
        module(x).sum().backward()
        tracemalloc.start()
        with nx.enable_gradient_checkpointing(checkpointing):
            out = module(x)
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        out.sum().backward()
        return held

    assert retained(True) < 0.5 * retained(False)


def test_unet_learns_a_simple_mask():
    nx.manual_seed(9)
    rng = np.random.default_rng(9)
    images = rng.standard_normal((8, 1, 16, 16)).astype(np.float32)
    x, masks = nx.tensor(images), nx.tensor((images > 0).astype(np.float32))
    model = UNet(1, 1, features=[4, 8])
    optimizer = Adam(model.parameters(), lr=0.01)
    criterion = BCELoss()
    losses = []
    for _ in range(40):
        loss = criterion(model(x), masks)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.4 * losses[0], losses


def test_unet_errors():
    with pytest.raises(ValueError, match=r"UNet: unknown final_activation 'tanh'; valid values "
                                         r"are 'sigmoid', 'softmax' and None"):
        UNet(1, 1, final_activation="tanh")
    with pytest.raises(ValueError, match=r"UNet: features must not be empty"):
        UNet(1, 1, features=[])
    with pytest.raises(ValueError, match=r"UNet: every entry of features must be a positive "
                                         r"integer, got 0"):
        UNet(1, 1, features=[4, 0])
    module = UNet(1, 1, features=[2, 2])
    with pytest.raises(RuntimeError, match=r"UNet.get_encoder_features: no features yet"):
        module.get_encoder_features()
    with pytest.raises(RuntimeError, match=r"UNet.get_decoder_features: no features yet"):
        module.get_decoder_features()
    with pytest.raises(ValueError, match=r"UNet: input \(1, 1, 3, 8\) is too small: the model "
                                         r"halves it 2 times, so H and W must be at least 4"):
        module(nx.randn(1, 1, 3, 8))
    with pytest.raises(ValueError, match=r"UNet: input has 3 channels"):
        module(nx.randn(1, 3, 8, 8))


# ----- UNet(deep_supervision=..., attention=...) --------------------------------------------------

_ACTIVATIONS = {"sigmoid": lambda t: t.sigmoid(), "softmax": lambda t: nx.softmax(t, dim=1),
                None: lambda t: t}


def _bilinear(x, size):
    return nx.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False)


def _reference_unet(module, x):
    """The UNet forward written out from its layers (the gate is tested on its own in
    test_attention.py): (outputs, attention maps), both finest first."""
    activate, size, skips = _ACTIVATIONS[module.final_activation], x.shape[-2:], []
    for i, encoder in enumerate(module.encoders):
        x = encoder(nx.max_pool2d(x, 2) if i else x)
        skips.append(x)
    x = module.bottleneck(nx.max_pool2d(x, 2))
    levels, maps = [], []
    for j, skip in enumerate(reversed(skips)):
        if module.attention:
            psi = module.gates[j].coefficients(skip, x)   # gated by the feature coming up
            maps.insert(0, psi)
            skip = skip * psi
        up = _bilinear(module.upsamples[j](x), skip.shape[-2:])
        x = module.decoders[j](nx.cat([skip, up], dim=1))
        levels.insert(0, x)
    outs = [activate(module.head(x))]
    if module.deep_supervision and module.training:
        outs += [activate(_bilinear(head(f), size)) for head, f in zip(module.aux_heads, levels[1:])]
    return outs, maps


def _as_list(out):
    return out if isinstance(out, list) else [out]


@pytest.mark.parametrize("deep_supervision, attention", [(True, False), (False, True),
                                                         (True, True)])
@pytest.mark.parametrize("shape, features, activation, training", [
    ((2, 2, 16, 16), [2, 3, 4], "sigmoid", True), ((1, 2, 13, 19), [2, 3, 4], None, True),
    ((2, 2, 9, 14), [2, 3, 4], "softmax", True), ((1, 2, 12, 9), [2, 3], "sigmoid", False)])
def test_unet_options_match_reference(deep_supervision, attention, shape, features, activation,
                                      training):
    nx.manual_seed(11)
    module = UNet(2, 3, features, activation, deep_supervision, attention).to(nx.float64)
    module.train(training)
    x = nx.tensor(_image(*shape))
    outs = _as_list(module(x))
    expected, maps = _reference_unet(module, x)
    levels = len(module.features) if deep_supervision and training else 1
    assert len(outs) == len(expected) == levels
    for out, ref in zip(outs, expected):
        assert tuple(out.shape) == (shape[0], 3) + shape[2:]
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12)
    if attention:
        got = module.get_attention_maps()
        n, _, h, w = shape
        assert [tuple(m.shape) for m in got] == \
            [(n, 1, h // 2 ** i, w // 2 ** i) for i in range(len(module.features))]
        for psi, ref in zip(got, maps):
            np.testing.assert_allclose(psi.numpy(), ref.numpy(), rtol=1e-10, atol=1e-12)


def test_unet_options_off_keep_the_classic_layers_keys_and_initial_weights():
    nx.manual_seed(12)
    classic = UNet(2, 1, features=[2, 3])
    nx.manual_seed(12)
    both = UNet(2, 1, features=[2, 3], deep_supervision=True, attention=True)
    keys = list(classic.state_dict())
    assert keys == list(UNet(2, 1, [2, 3], "sigmoid", False, False).state_dict())
    assert not any(k.startswith(("gates", "aux_heads")) for k in keys)
    extra = [k for k in both.state_dict() if k not in keys]
    assert [k for k in both.state_dict() if k in keys] == keys
    assert sorted({k.split(".")[0] for k in extra}) == ["aux_heads", "gates"]
    for key in keys:   # the new layers are made last: the classic ones draw the same weights
        np.testing.assert_array_equal(both.state_dict()[key].numpy(),
                                      classic.state_dict()[key].numpy())
    assert repr(classic).startswith("UNet(\n  in_channels=2, out_channels=1, features=[2, 3], "
                                    "final_activation='sigmoid'\n")
    assert "final_activation='sigmoid', deep_supervision=True, attention=True" in repr(both)


def test_deep_supervision_returns_a_list_in_training_and_the_main_output_in_eval():
    nx.manual_seed(13)
    module = UNet(1, 2, features=[2, 3, 4], deep_supervision=True)
    x = nx.randn(2, 1, 17, 12)
    outs = module(x)
    assert isinstance(outs, list) and [tuple(o.shape) for o in outs] == [(2, 2, 17, 12)] * 3
    assert [m.in_channels for m in module.aux_heads] == [3, 4]   # finest first
    module.eval()
    out = module(x)
    assert isinstance(out, nx.Tensor) and tuple(out.shape) == (2, 2, 17, 12)


def test_gradients_reach_every_auxiliary_head_and_gate():
    nx.manual_seed(14)
    module = UNet(3, 1, features=[2, 3, 4], deep_supervision=True, attention=True)
    x = nx.randn(2, 3, 16, 12)
    target = (nx.rand(2, 1, 16, 12) > 0.5).float()
    DeepSupervisionLoss(BCELoss())(module(x), target).backward()
    for name, p in module.named_parameters():
        if name.startswith(("gates", "aux_heads")):
            assert p.grad is not None and np.abs(p.grad.numpy()).max() > 0, name
    assert len(list(module.gates.parameters())) == 3 * 5 and len(module.aux_heads) == 2


@given(h=st.integers(4, 6), w=st.integers(4, 6), seed=st.integers(0, 2 ** 16))
def test_unet_with_options_gradcheck(h, w, seed):
    nx.manual_seed(seed)
    module = UNet(1, 1, features=[2, 2], final_activation=None, deep_supervision=True,
                  attention=True).to(nx.float64)
    x = nx.tensor(_image(2, 1, h, w, seed), requires_grad=True)
    assert nx.gradcheck(lambda t: nx.cat(module(t), dim=1), (x,))


def test_unet_with_options_checkpointing_keeps_gradients_and_maps():
    nx.manual_seed(15)
    module = UNet(2, 2, [3, 4], deep_supervision=True, attention=True).to(nx.float64)
    x = nx.tensor(_image(2, 2, 13, 10), requires_grad=True)
    target = nx.tensor(np.random.default_rng(3).uniform(size=(2, 2, 13, 10)))

    def run(checkpointing):
        module.zero_grad()
        x.grad = None
        with nx.enable_gradient_checkpointing(checkpointing):
            loss = DeepSupervisionLoss(BCELoss())(module(x), target)
        loss.backward()
        return _grads(module, x), [m.numpy() for m in module.get_attention_maps()]

    (plain, plain_maps), (checkpointed, maps) = run(False), run(True)
    for a, b in zip(plain + plain_maps, checkpointed + maps):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_unet_with_options_saves_and_loads(training, tmp_path):
    nx.manual_seed(16)
    module = UNet(3, 1, [2, 4], deep_supervision=True, attention=True).train(training)
    nx.save(module, str(tmp_path / "unet.nx"))
    loaded = nx.load(str(tmp_path / "unet.nx"))
    assert loaded.training == training and loaded.deep_supervision and loaded.attention
    x = nx.randn(1, 3, 11, 14)
    for a, b in zip(_as_list(module(x)), _as_list(loaded(x))):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(module.get_attention_maps()[0].numpy(),
                                  loaded.get_attention_maps()[0].numpy())


def test_release_features_and_attention_map_errors():
    module = UNet(1, 1, features=[2], attention=True)
    with pytest.raises(RuntimeError, match=r"UNet.get_attention_maps: no attention maps yet; call "
                                           r"the UNet on an input first"):
        module.get_attention_maps()
    module(nx.randn(2, 1, 6, 6))
    assert len(module.get_attention_maps()) == 1
    module.release_features()
    for getter in (module.get_encoder_features, module.get_decoder_features,
                   module.get_attention_maps):
        with pytest.raises(RuntimeError, match=r"no (features|attention maps) yet"):
            getter()
    with pytest.raises(RuntimeError, match=r"UNet.get_attention_maps: this UNet has no attention "
                                           r"gates; build it with attention=True"):
        UNet(1, 1, features=[2]).get_attention_maps()
    pyramid = PyramidNetwork(1, 1, num_levels=2, base_channels=2)
    pyramid(nx.randn(2, 1, 4, 4))
    assert len(pyramid.get_features()) == 2
    pyramid.release_features()
    with pytest.raises(RuntimeError, match=r"PyramidNetwork.get_features: no features yet"):
        pyramid.get_features()
