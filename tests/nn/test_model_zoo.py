"""A model zoo check: torchvision-style resnet18 and mobilenet_v2 and an FPN-style decoder
(segmentation_models_pytorch's), each written once against a library argument and built from
neurenix.nn and from torch.nn. PyTorch's randomly initialised weights load into neurenix with
strict=True; the forward, every gradient and three optimizer steps must then agree.

No downloads: the architectures are written here and the weights are PyTorch's random init.
"""
import numpy as np
import pytest


# ----- resnet18 (torchvision.models.resnet18, BasicBlock) ------------------------------------
def resnet18(lib, num_classes=10):
    nn = lib.nn

    class BasicBlock(nn.Module):
        def __init__(self, c_in, c, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(c)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(c, c, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(c)
            self.downsample = None
            if stride != 1 or c_in != c:
                self.downsample = nn.Sequential(nn.Conv2d(c_in, c, 1, stride, bias=False),
                                                nn.BatchNorm2d(c))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += identity  # in place, under autograd: the reason this test exists
            return self.relu(out)

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            widths = [64, 128, 256, 512]
            for i, c in enumerate(widths):
                c_in = widths[i - 1] if i else 64
                setattr(self, f"layer{i + 1}", nn.Sequential(
                    BasicBlock(c_in, c, 1 if i == 0 else 2), BasicBlock(c, c, 1)))
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(512, num_classes)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.avgpool(x).flatten(1))

    return ResNet()


# ----- mobilenet_v2 (torchvision.models.mobilenet_v2, width 1.0) ------------------------------
def mobilenet_v2(lib, num_classes=10):
    nn = lib.nn

    def conv_bn(c_in, c, kernel, stride, groups=1, activation=True):
        layers = [nn.Conv2d(c_in, c, kernel, stride, (kernel - 1) // 2, groups=groups,
                            bias=False), nn.BatchNorm2d(c)]
        return layers + ([nn.ReLU6(inplace=True)] if activation else [])

    class InvertedResidual(nn.Module):
        def __init__(self, c_in, c, stride, expand):
            super().__init__()
            hidden = c_in * expand
            self.use_res_connect = stride == 1 and c_in == c
            layers = conv_bn(c_in, hidden, 1, 1) if expand != 1 else []
            layers += conv_bn(hidden, hidden, 3, stride, groups=hidden)
            layers += conv_bn(hidden, c, 1, 1, activation=False)
            self.conv = nn.Sequential(*layers)

        def forward(self, x):
            return x + self.conv(x) if self.use_res_connect else self.conv(x)

    class MobileNetV2(nn.Module):
        def __init__(self):
            super().__init__()
            settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                        (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
            features, c_in = [nn.Sequential(*conv_bn(3, 32, 3, 2))], 32
            for expand, c, n, stride in settings:
                for i in range(n):
                    features.append(InvertedResidual(c_in, c, stride if i == 0 else 1, expand))
                    c_in = c
            features.append(nn.Sequential(*conv_bn(c_in, 1280, 1, 1)))
            self.features = nn.Sequential(*features)
            self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

        def forward(self, x):
            x = lib.nn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
            return self.classifier(lib.flatten(x, 1))

    return MobileNetV2()


# ----- an FPN decoder (segmentation_models_pytorch's FPN head on a small encoder) -------------
def fpn(lib, classes=3):
    nn, F = lib.nn, lib.nn.functional

    class Conv3x3GNReLU(nn.Module):
        def __init__(self, c_in, c, upsample):
            super().__init__()
            self.upsample = upsample
            self.block = nn.Sequential(nn.Conv2d(c_in, c, 3, padding=1, bias=False),
                                       nn.GroupNorm(8, c), nn.ReLU(inplace=True))

        def forward(self, x):
            x = self.block(x)
            return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True) \
                if self.upsample else x

    class SegmentationBlock(nn.Module):
        def __init__(self, c_in, c, n_upsamples):
            super().__init__()
            blocks = [Conv3x3GNReLU(c_in, c, upsample=bool(n_upsamples))]
            blocks += [Conv3x3GNReLU(c, c, upsample=True) for _ in range(1, n_upsamples)]
            self.block = nn.Sequential(*blocks)

        def forward(self, x):
            return self.block(x)

    class FPN(nn.Module):
        def __init__(self, pyramid=32, segmentation=16):
            super().__init__()
            channels = [8, 16, 32, 64]
            self.encoder = nn.ModuleList([nn.Sequential(
                nn.Conv2d(c_in, c, 3, stride=2, padding=1), nn.BatchNorm2d(c), nn.ReLU())
                for c_in, c in zip([3] + channels[:-1], channels)])
            self.p5 = nn.Conv2d(channels[3], pyramid, 1)
            self.laterals = nn.ModuleList([nn.Conv2d(c, pyramid, 1) for c in channels[2::-1]])
            self.seg_blocks = nn.ModuleList([SegmentationBlock(pyramid, segmentation, n)
                                             for n in (3, 2, 1, 0)])
            self.dropout = nn.Dropout2d(0.2)
            self.head = nn.Conv2d(segmentation, classes, 1)

        def forward(self, x):
            features = []
            for stage in self.encoder:
                x = stage(x)
                features.append(x)
            p = [self.p5(features[3])]
            for lateral, skip in zip(self.laterals, features[2::-1]):
                p.append(F.interpolate(p[-1], scale_factor=2, mode="nearest") + lateral(skip))
            merged = sum(block(level) for block, level in zip(self.seg_blocks, p))
            out = self.head(self.dropout(merged))
            return F.interpolate(out, scale_factor=2, mode="bilinear", align_corners=True)

    return FPN()


# 64 x 64 inputs leave the last stages 2 x 2 pixels: BatchNorm's statistics over fewer values (a
# batch of 2 at 1 x 1) would amplify float32 rounding far beyond what the comparison can tell.
MODELS = [  # name, builder, input shape
    ("resnet18", resnet18, (2, 3, 64, 64)),
    ("mobilenet_v2", mobilenet_v2, (2, 3, 64, 64)),
    ("fpn", fpn, (2, 3, 32, 32)),
]
# In float64 the two libraries agree to about 1e-7 relative (they sum in different orders
# through 20-50 layers, and some gradients nearly cancel). In float32 a training run of such
# a network amplifies rounding (BatchNorm over few values): PyTorch's own float32 run drifts from
# its float64 run by up to half a weight's size in three steps. So float32 is held to PyTorch's
# own float32 error: each tensor no further from float64 than a small multiple of PyTorch's
# float32 result's distance from it (plus 1e-3 of the tensor's norm).
#
# Both measured against float64 that took the same kinks: a ReLU's gradient jumps at 0, and
# float32 rounding puts a pre-activation within its error of 0 on either side. In MobileNet
# about one ReLU6 input per batch lies that close (counted over 14 inputs: 18 sides flipped in
# neurenix's float32 run, 11 in PyTorch's), and one flip moves the input gradient by 4%: which
# library flips is luck, not accuracy. So each library's float32 run records on which side of
# each kink every activation fell, and the float64 run it is measured against replays them.
FLOAT64_RTOL, FLOAT64_ATOL = 1e-6, 1e-9


def _close(ours, theirs, exact_ours, exact_theirs, what):
    """``ours`` against PyTorch's ``theirs``: equal to float64 rounding in float64 (the
    ``exact_*`` are None), else each measured against its float64 replay."""
    if exact_ours is None:
        np.testing.assert_allclose(ours, theirs, rtol=FLOAT64_RTOL, atol=FLOAT64_ATOL,
                                   err_msg=what)
        return
    error, their_error = np.linalg.norm(ours - exact_ours), np.linalg.norm(theirs - exact_theirs)
    bound = 3 * their_error + 1e-3 * np.linalg.norm(exact_theirs)
    assert error <= bound, (f"{what}: {error:.3g} from float64, where PyTorch's float32 result "
                            f"is {their_error:.3g} from it")


def _kinks(out) -> np.ndarray:
    """Where a ReLU or ReLU6 output (either library's) is strictly between its bounds: where its
    gradient is 1."""
    values = out.detach().numpy()
    return (values > 0) & (values < 6)


def _record_kinks(model) -> dict:
    """Per activation module name, the list of ``_kinks`` of its outputs, one per forward."""
    kinks = {}
    for name, module in model.named_modules():
        if type(module).__name__ in ("ReLU", "ReLU6"):
            calls = kinks.setdefault(name, [])
            module.register_forward_hook(lambda m, args, out, calls=calls: calls.append(
                _kinks(out)))
    return kinks


def _replaying_kinks(torch, reference, kinks: dict):
    """A copy of the float64 ``reference`` whose activations take the recorded gradient masks,
    call by call, with their exact float64 values."""
    import copy
    model = copy.deepcopy(reference)
    for name, module in model.named_modules():
        if name in kinks:
            module.inplace = False
            masks = iter(kinks[name])

            def replay(m, args, out, masks=masks):
                x = args[0]
                return out.detach() + (x - x.detach()) * torch.from_numpy(next(masks))
            module.register_forward_hook(replay)
    return model


def _train(lib, model, x, target, steps=3):
    """Forward, loss, the input's and parameters' gradients after the first backward, and the
    parameters after ``steps`` SGD-with-momentum steps."""
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    first = None
    for _ in range(steps):
        optimizer.zero_grad()
        out = model(x)
        loss = ((out - target) ** 2).mean()
        loss.backward()
        if first is None:
            first = (out.detach().numpy().copy(), x.grad.numpy().copy(),
                     {k: p.grad.numpy().copy() for k, p in model.named_parameters()})
        optimizer.step()
    return first, {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def _results(lib, model, x, target):
    return _train(lib, model, lib.tensor(x, requires_grad=True), lib.tensor(target))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name, build, shape", MODELS, ids=[m[0] for m in MODELS])
def test_model_loads_pytorch_weights_and_trains_to_the_same_numbers(name, build, shape, dtype):
    torch = pytest.importorskip("torch")
    import neurenix as nx
    torch.manual_seed(0)
    reference = build(torch).double().train()
    theirs = build(torch).train()
    ours = build(nx).train()
    theirs.load_state_dict(reference.state_dict())
    state = {k: nx.tensor(v.detach().numpy()) for k, v in reference.state_dict().items()}
    ours.load_state_dict(state, strict=True)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours, theirs = ours.to(getattr(nx, dtype)), theirs.to(getattr(torch, dtype))
    for module in (ours, theirs, reference):  # dropout draws differ between the libraries
        for m in module.modules():
            if type(m).__name__.startswith("Dropout"):
                m.p = 0.0
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    with nx.no_grad():  # each model sees this batch once more in training mode (BatchNorm)
        out_shape = ours(nx.tensor(x.astype(dtype))).shape
    with torch.no_grad():
        theirs(torch.tensor(x.astype(dtype)))
        reference(torch.tensor(x))
    target = rng.standard_normal(out_shape)
    kinks = [_record_kinks(model) for model in (ours, theirs)]
    first_ours, after_ours = _results(nx, ours, x.astype(dtype), target.astype(dtype))
    first_theirs, after_theirs = _results(torch, theirs, x.astype(dtype), target.astype(dtype))
    nothing = ((None, None, {}), {})
    exact_ours, exact_theirs = nothing, nothing
    if dtype == "float32":
        exact_ours, exact_theirs = (_results(torch, _replaying_kinks(torch, reference, k), x,
                                             target) for k in kinks)
    (first_exact, after_exact), (first_exact_t, after_exact_t) = exact_ours, exact_theirs
    _close(first_ours[0], first_theirs[0], first_exact[0], first_exact_t[0], "forward")
    _close(first_ours[1], first_theirs[1], first_exact[1], first_exact_t[1], "input gradient")
    for key, grad in first_theirs[2].items():
        _close(first_ours[2][key], grad, first_exact[2].get(key), first_exact_t[2].get(key),
               f"gradient {key}")
    for key, value in after_theirs.items():
        _close(after_ours[key], value, after_exact.get(key), after_exact_t.get(key),
               f"after 3 steps {key}")
