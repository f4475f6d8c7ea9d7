"""The documented API of neurenix.multiscale: signatures, defaults, Module behaviour, saving."""
import inspect
import pathlib
import re

import numpy as np
import pytest

import neurenix as nx
from neurenix import multiscale as ms
from neurenix.nn import Conv2d, ReLU, Sequential

REQUIRED = inspect.Parameter.empty

SIGNATURES = {  # class: [(parameter, default)] exactly as multiscale-api.md writes them
    "MultiScaleModel": [("scales", [1.0, 0.5, 0.25]), ("base_model", None),
                        ("fusion_method", "concat")],
    "PyramidNetwork": [("in_channels", REQUIRED), ("out_channels", REQUIRED), ("num_levels", 3),
                       ("base_channels", 64)],
    "UNet": [("in_channels", REQUIRED), ("out_channels", REQUIRED),
             ("features", [64, 128, 256, 512]), ("final_activation", "sigmoid"),
             ("deep_supervision", False), ("attention", False)],   # the last two: DESIGN.md
    "MultiScalePooling": [("pool_sizes", [1, 2, 3, 6]), ("pool_type", "avg")],
    "PyramidPooling": [("in_channels", REQUIRED), ("out_channels", REQUIRED),
                       ("pool_sizes", [1, 2, 3, 6])],
    "SpatialPyramidPooling": [("num_levels", 3), ("pool_type", "max")],
    "FeatureFusion": [("in_channels", REQUIRED), ("out_channels", REQUIRED),
                      ("fusion_method", "concat")],
    "ScaleFusion": [("scales", REQUIRED), ("in_channels", REQUIRED), ("out_channels", REQUIRED),
                    ("fusion_method", "concat")],
    "AttentionFusion": [("in_channels", REQUIRED), ("out_channels", REQUIRED)],
    "MultiScaleTransform": [("scales", [1.0, 0.5, 0.25]), ("mode", "bilinear")],
    "Rescale": [("scale_factor", 0.5), ("mode", "bilinear")],
    "PyramidDownsample": [("num_levels", 3), ("mode", "bilinear")],
}

BEYOND = {  # class: [(parameter, default)] as DESIGN.md ("beyond the document") writes them
    "AttentionGate": [("in_channels", REQUIRED), ("gating_channels", REQUIRED),
                      ("inter_channels", None)],
    "DeepSupervisionLoss": [("criterion", REQUIRED), ("weights", None)],
    "MultiScaleInference": [("model", REQUIRED), ("scales", [0.5, 1.0, 1.5]), ("flip", False),
                            ("merge", "mean")],
    "SlidingWindowInference": [("model", REQUIRED), ("window_size", REQUIRED),
                               ("overlap", 0.25), ("blend", "gaussian"), ("batch_size", 4)],
}

METHODS = {  # class: its documented methods besides forward
    "MultiScaleModel": ["add_scale", "remove_scale"], "PyramidNetwork": ["get_features"],
    "UNet": ["get_encoder_features", "get_decoder_features"], "MultiScaleTransform": ["inverse"],
    "Rescale": ["inverse"], "PyramidDownsample": ["get_level"],
    "AttentionGate": ["coefficients"],
}


def _examples():
    """One small instance of every class (with non-default arguments) and an input for it."""
    base = Sequential(Conv2d(2, 3, kernel_size=3, padding=1), ReLU())
    image = nx.randn(2, 2, 9, 7)
    maps = [nx.randn(2, 2, 6, 5), nx.randn(2, 3, 3, 2)]
    return [
        (ms.MultiScaleModel([1.0, 0.5], base, "attention"), image),
        (ms.MultiScaleModel(), image),
        (ms.PyramidNetwork(2, 3, num_levels=2, base_channels=2), image),
        (ms.UNet(2, 1, features=[2, 3], final_activation=None), image),
        (ms.MultiScalePooling([1, 2], "max"), image),
        (ms.PyramidPooling(2, 3, pool_sizes=[1, 2]), image),
        (ms.SpatialPyramidPooling(2, "avg"), image),
        (ms.FeatureFusion([2, 3], 4, "sum"), maps),
        (ms.ScaleFusion([1.0, 0.5], 2, 3, "attention"), [maps[0], nx.randn(2, 2, 3, 2)]),
        (ms.AttentionFusion([2, 3], 2), maps),
        (ms.MultiScaleTransform([1.0, 0.4], "bicubic"), image),
        (ms.Rescale(0.7, "nearest"), image),
        (ms.PyramidDownsample(2, "bilinear"), image),
        (ms.UNet(2, 1, features=[2, 3], deep_supervision=True, attention=True), image),
        (ms.MultiScaleInference(Conv2d(2, 2, kernel_size=1), [1.0, 0.5], flip=True), image),
        (ms.SlidingWindowInference(Conv2d(2, 2, kernel_size=3, padding=1), (4, 5)), image),
    ]


def _flat(out):
    return [o.numpy() for o in out] if isinstance(out, list) else [out.numpy()]


@pytest.mark.parametrize("name", sorted(SIGNATURES) + sorted(BEYOND))
def test_signature_and_defaults_as_documented(name):
    cls = getattr(ms, name)
    parameters = list(inspect.signature(cls).parameters.values())
    assert [(p.name, p.default) for p in parameters] == {**SIGNATURES, **BEYOND}[name]
    assert issubclass(cls, nx.nn.Module)
    for method in ["forward"] + METHODS.get(name, []):
        assert callable(getattr(cls, method))


def test_every_documented_class_is_exported_and_reachable_as_nx_multiscale():
    assert nx.multiscale is ms
    assert sorted(ms.__all__) == sorted([*SIGNATURES, *BEYOND])


def test_list_defaults_are_not_shared_between_instances():
    a, b = ms.MultiScaleModel(), ms.MultiScaleModel()
    a.add_scale(0.125)
    assert b.scales == [1.0, 0.5, 0.25]
    assert inspect.signature(ms.MultiScaleModel).parameters["scales"].default == [1.0, 0.5, 0.25]
    unet = ms.UNet(1, 1, features=[2])
    unet.features.append(4)
    assert inspect.signature(ms.UNet).parameters["features"].default == [64, 128, 256, 512]
    assert ms.MultiScalePooling().pool_sizes is not ms.MultiScalePooling().pool_sizes


def test_no_numpy_in_the_multiscale_package():
    """The modules compose Tensor ops and nn layers only, so autograd covers them entirely."""
    package = pathlib.Path(ms.__file__).parent
    for source in package.glob("*.py"):
        text = source.read_text()
        assert not re.search(r"^\s*(import numpy|from numpy)", text, re.M), source.name
        assert "np." not in text, source.name
        assert ".data" not in text and ".numpy()" not in text, source.name


@pytest.mark.parametrize("index", range(16))
def test_repr_no_grad_and_save_load_round_trip(index, tmp_path):
    module, x = _examples()[index]
    module.eval()
    assert type(module).__name__ + "(" in repr(module)
    with nx.no_grad():
        out = module(x)
    assert not any(o.requires_grad for o in (out if isinstance(out, list) else [out]))
    path = tmp_path / "model.nx"
    nx.save(module, str(path))
    loaded = nx.load(str(path))
    assert type(loaded) is type(module)
    loaded.eval()
    for a, b in zip(_flat(module(x)), _flat(loaded(x))):
        np.testing.assert_array_equal(a, b)
    assert list(loaded.state_dict()) == list(module.state_dict())


def test_saved_multiscale_model_keeps_added_and_removed_scales(tmp_path):
    model = ms.MultiScaleModel([1.0, 0.5], Conv2d(2, 2, kernel_size=1))
    model.add_scale(0.25)
    model.remove_scale(0.5)
    nx.save(model, str(tmp_path / "m.nx"))
    loaded = nx.load(str(tmp_path / "m.nx"))
    assert loaded.scales == [1.0, 0.25]
    x = nx.randn(1, 2, 8, 8)
    np.testing.assert_array_equal(model(x).numpy(), loaded(x).numpy())


def test_state_dict_moves_between_instances():
    a, b = ms.UNet(1, 2, [2, 4]), ms.UNet(1, 2, [2, 4])
    b.load_state_dict(a.state_dict())
    x = nx.randn(1, 1, 8, 8)
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
    assert "encoders.0.0.weight" in a.state_dict() and "head.bias" in a.state_dict()


@pytest.mark.parametrize("build, message", [
    (lambda: ms.MultiScaleModel(scales=0.5), r"MultiScaleModel: scales must be a list of positive "
                                             r"numbers, got 0.5"),
    (lambda: ms.MultiScaleTransform(scales="1.0"), r"MultiScaleTransform: scales must be a list"),
    (lambda: ms.FeatureFusion(64, 32), r"FeatureFusion: in_channels must be a list of channel "
                                       r"counts, got 64"),
    (lambda: ms.MultiScalePooling(pool_sizes=3), r"MultiScalePooling: pool_sizes must be a list "
                                                 r"of positive integers, got 3"),
    (lambda: ms.UNet(1, 1, features=64), r"UNet: features must be a list of channel counts, "
                                         r"got 64"),
    (lambda: ms.UNet(0, 1), r"UNet: in_channels must be a positive integer, got 0"),
    (lambda: ms.PyramidNetwork(3, 2.5), r"PyramidNetwork: out_channels must be a positive "
                                        r"integer, got 2.5"),
    (lambda: ms.ScaleFusion([1.0, 0.5], True, 2), r"ScaleFusion: in_channels must be a positive "
                                                  r"integer, got True"),
])
def test_constructor_argument_errors(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_a_non_tensor_input_is_a_type_error():
    with pytest.raises(TypeError, match=r"SpatialPyramidPooling: input must be a Tensor, got "
                                        r"ndarray"):
        ms.SpatialPyramidPooling()(np.zeros((1, 1, 4, 4)))
