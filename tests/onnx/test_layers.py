"""Every nn layer exports to ONNX and runs in ONNX Runtime with neurenix's outputs, at the
traced batch size and at another one (the batch axis left dynamic)."""
import pytest

import neurenix as nx
from neurenix import nn

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def image(n=2, c=3, h=11, w=13):
    return nx.randn(n, c, h, w)


def with_statistics(bn):
    """``bn`` with running statistics other than the initial 0 and 1, as after training."""
    with nx.no_grad():
        if bn.running_mean is not None:
            bn.running_mean.copy_(nx.randn(bn.num_features))
            bn.running_var.copy_(nx.rand(bn.num_features) + 0.5)
        if bn.weight is not None:
            bn.weight.copy_(nx.randn(bn.num_features))
            bn.bias.copy_(nx.randn(bn.num_features))
    return bn


def probabilities(*shape):
    return nx.rand(*shape) * 0.98 + 0.01


# name, a factory for the module (made fresh per test), a factory of inputs for a batch size
LAYERS = [
    ("Linear", lambda: nn.Linear(13, 4), lambda n: (image(n),)),
    ("Linear-2d", lambda: nn.Linear(5, 4), lambda n: (nx.randn(n, 5),)),
    ("Conv2d", lambda: nn.Conv2d(3, 4, 3, padding=1), lambda n: (image(n),)),
    ("Conv2d-strided-dilated-grouped", lambda: nn.Conv2d(4, 6, 3, stride=2, padding=2,
                                                          dilation=2, groups=2),
     lambda n: (image(n, 4),)),
    ("Conv2d-same-even-kernel", lambda: nn.Conv2d(3, 2, 4, padding="same", bias=False),
     lambda n: (image(n),)),
    ("ConvTranspose2d", lambda: nn.ConvTranspose2d(3, 4, 2, stride=2), lambda n: (image(n),)),
    ("ConvTranspose2d-padded", lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1,
                                                          output_padding=1, groups=2),
     lambda n: (image(n, 4),)),
    ("BatchNorm2d", lambda: with_statistics(nn.BatchNorm2d(3)), lambda n: (image(n),)),
    ("BatchNorm2d-no-running-stats",
     lambda: with_statistics(nn.BatchNorm2d(3, track_running_stats=False)),
     lambda n: (image(n),)),
    ("BatchNorm2d-not-affine", lambda: with_statistics(nn.BatchNorm2d(3, affine=False)), lambda n: (image(n),)),
    ("BatchNorm1d", lambda: with_statistics(nn.BatchNorm1d(5)), lambda n: (nx.randn(n, 5),)),
    ("ReLU", nn.ReLU, lambda n: (image(n),)),
    ("LeakyReLU", lambda: nn.LeakyReLU(0.2), lambda n: (image(n),)),
    ("Sigmoid", nn.Sigmoid, lambda n: (image(n),)),
    ("Tanh", nn.Tanh, lambda n: (image(n),)),
    ("GELU", nn.GELU, lambda n: (image(n),)),
    ("SiLU", nn.SiLU, lambda n: (image(n),)),
    ("Softmax", lambda: nn.Softmax(dim=1), lambda n: (image(n),)),
    ("LogSoftmax", lambda: nn.LogSoftmax(dim=-1), lambda n: (image(n),)),
    ("Dropout", nn.Dropout, lambda n: (image(n),)),
    ("MaxPool2d", lambda: nn.MaxPool2d(2), lambda n: (image(n),)),
    ("MaxPool2d-ceil-padded-dilated", lambda: nn.MaxPool2d(3, stride=2, padding=1, dilation=2,
                                                           ceil_mode=True),
     lambda n: (image(n),)),
    ("AvgPool2d", lambda: nn.AvgPool2d(2), lambda n: (image(n),)),
    ("AvgPool2d-ceil-exclude-pad", lambda: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True,
                                                        count_include_pad=False),
     lambda n: (image(n),)),
    ("AvgPool2d-divisor-override", lambda: nn.AvgPool2d(2, divisor_override=3),
     lambda n: (image(n),)),
    ("AdaptiveAvgPool2d-global", lambda: nn.AdaptiveAvgPool2d(1), lambda n: (image(n),)),
    ("AdaptiveAvgPool2d-non-divisible", lambda: nn.AdaptiveAvgPool2d((3, 5)),
     lambda n: (image(n),)),
    ("AdaptiveAvgPool2d-divisible", lambda: nn.AdaptiveAvgPool2d((2, 3)),
     lambda n: (image(n, h=8, w=9),)),
    ("AdaptiveMaxPool2d-global", lambda: nn.AdaptiveMaxPool2d(1), lambda n: (image(n),)),
    ("AdaptiveMaxPool2d-non-divisible", lambda: nn.AdaptiveMaxPool2d((3, 5)),
     lambda n: (image(n),)),
    ("Upsample-nearest-x2", lambda: nn.Upsample(scale_factor=2), lambda n: (image(n),)),
    ("Upsample-nearest-size", lambda: nn.Upsample(size=(7, 20)), lambda n: (image(n),)),
    ("Upsample-nearest-exact", lambda: nn.Upsample(size=(17, 9), mode="nearest-exact"),
     lambda n: (image(n),)),
    ("Upsample-bilinear-size", lambda: nn.Upsample(size=(20, 9), mode="bilinear"),
     lambda n: (image(n),)),
    ("Upsample-bilinear-align-corners", lambda: nn.Upsample(scale_factor=2, mode="bilinear",
                                                            align_corners=True),
     lambda n: (image(n),)),
    ("Upsample-bilinear-scale-1.5", lambda: nn.Upsample(scale_factor=1.5, mode="bilinear"),
     lambda n: (image(n),)),
    ("Upsample-bicubic", lambda: nn.Upsample(size=(16, 8), mode="bicubic"),
     lambda n: (image(n),)),
    ("Flatten", nn.Flatten, lambda n: (image(n),)),
    ("Identity", nn.Identity, lambda n: (image(n),)),
    ("Sequential", lambda: nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(),
                                         nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                         nn.Linear(4, 2)),
     lambda n: (image(n),)),
    ("MSELoss", nn.MSELoss, lambda n: (image(n), image(n))),
    ("L1Loss", lambda: nn.L1Loss(reduction="sum"), lambda n: (image(n), image(n))),
    ("BCELoss", lambda: nn.BCELoss(reduction="none"),
     lambda n: (probabilities(n, 3), probabilities(n, 3))),
    ("BCEWithLogitsLoss", lambda: nn.BCEWithLogitsLoss(pos_weight=nx.tensor([2.0, 0.5, 1.0])),
     lambda n: (nx.randn(n, 3), probabilities(n, 3))),
    ("CrossEntropyLoss-probabilities", lambda: nn.CrossEntropyLoss(
        weight=nx.tensor([1.0, 2.0, 0.5]), label_smoothing=0.1),
     lambda n: (nx.randn(n, 3, 4), nx.softmax(nx.randn(n, 3, 4), dim=1))),
]

# Layers that are not exported, and why (the coverage test requires a reason for each).
NOT_EXPORTED = {
    "Module": "the abstract base class: it has no forward",
    "ModuleList": "a container without a forward",
    "ModuleDict": "a container without a forward",
    "Parameter": "a tensor, not a layer",
    "NLLLoss": "class-index targets are picked in NumPy outside any op (see onnx/ops/loss.py)",
}


@pytest.mark.parametrize("name, make, inputs", LAYERS, ids=[case[0] for case in LAYERS])
def test_layer_runs_in_onnx_runtime_as_in_neurenix(name, make, inputs, roundtrip):
    nx.manual_seed(0)
    model = make()
    roundtrip(model, *inputs(2), other_batch=inputs(3))


def test_every_public_nn_layer_is_exported_above_or_says_why_not():
    layers = {name for name in nn.__all__ if isinstance(getattr(nn, name), type)}
    tested = {case[0].split("-")[0] for case in LAYERS}
    assert sorted(layers - tested - set(NOT_EXPORTED)) == []
