"""Every multiscale class exports to ONNX and runs in ONNX Runtime with neurenix's outputs:
the resizes at exact sizes, adaptive pooling at sizes that do not divide the input, list
outputs, and the UNet at odd sizes; at the traced batch size and at another one."""
import pytest

import neurenix as nx
from neurenix import multiscale as ms
from neurenix import nn

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def image(n=2, c=3, h=19, w=23):
    return nx.randn(n, c, h, w)


def conv_relu(c_in=3, c_out=4):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU())


# name, a factory for the module, a factory of inputs for a batch size
MULTISCALE = [
    ("UNet", lambda: ms.UNet(3, 1, features=[4, 8]), lambda n: (image(n),)),
    ("UNet-softmax-even", lambda: ms.UNet(3, 3, features=[4, 8, 16], final_activation="softmax"),
     lambda n: (image(n, h=16, w=24),)),
    ("UNet-logits", lambda: ms.UNet(3, 2, features=[4], final_activation=None),
     lambda n: (image(n),)),
    ("UNet-deep-supervision", lambda: ms.UNet(3, 2, features=[4, 8], deep_supervision=True),
     lambda n: (image(n),)),
    ("UNet-attention", lambda: ms.UNet(3, 2, features=[4, 8], attention=True),
     lambda n: (image(n),)),
    ("MultiScaleModel-concat", lambda: ms.MultiScaleModel([1.0, 0.5, 0.25], conv_relu(), "concat"),
     lambda n: (image(n),)),
    ("MultiScaleModel-sum", lambda: ms.MultiScaleModel([1.0, 0.7], conv_relu(), "sum"),
     lambda n: (image(n),)),
    ("MultiScaleModel-attention", lambda: ms.MultiScaleModel([1.5, 1.0, 0.5], conv_relu(),
                                                             "attention"),
     lambda n: (image(n),)),
    ("MultiScaleModel-identity", lambda: ms.MultiScaleModel([1.0, 0.5], None, "concat"),
     lambda n: (image(n),)),
    ("PyramidNetwork", lambda: ms.PyramidNetwork(3, 2, num_levels=3, base_channels=4),
     lambda n: (image(n),)),
    ("MultiScalePooling-max", lambda: ms.MultiScalePooling([1, 2, 3, 5], "max"),
     lambda n: (image(n),)),
    ("MultiScalePooling-avg", lambda: ms.MultiScalePooling([2, 3, 4], "avg"),
     lambda n: (image(n),)),
    ("PyramidPooling", lambda: ms.PyramidPooling(8, 16, [1, 2, 3, 6]), lambda n: (image(n, 8),)),
    ("SpatialPyramidPooling-max", lambda: ms.SpatialPyramidPooling(3, "max"),
     lambda n: (image(n),)),
    ("SpatialPyramidPooling-avg", lambda: ms.SpatialPyramidPooling(3, "avg"),
     lambda n: (image(n),)),
    ("FeatureFusion-concat", lambda: ms.FeatureFusion([3, 5], 4, "concat"),
     lambda n: ([image(n), image(n, 5, 9, 11)],)),
    ("FeatureFusion-sum", lambda: ms.FeatureFusion([3, 4], 4, "sum"),
     lambda n: ([image(n), image(n, 4, 7, 8)],)),
    ("FeatureFusion-attention", lambda: ms.FeatureFusion([3, 5, 2], 4, "attention"),
     lambda n: ([image(n), image(n, 5, 9, 11), image(n, 2, 5, 6)],)),
    ("AttentionFusion", lambda: ms.AttentionFusion([3, 5], 4),
     lambda n: ([image(n), image(n, 5, 10, 12)],)),
    ("ScaleFusion", lambda: ms.ScaleFusion([1.0, 0.5], 3, 4, "concat"),
     lambda n: ([image(n), image(n, h=9, w=11)],)),
    ("MultiScaleTransform", lambda: ms.MultiScaleTransform([1.0, 0.5, 0.3]),
     lambda n: (image(n),)),
    ("MultiScaleTransform-nearest", lambda: ms.MultiScaleTransform([2.0, 0.5], mode="nearest"),
     lambda n: (image(n),)),
    ("Rescale", lambda: ms.Rescale(0.6), lambda n: (image(n),)),
    ("Rescale-bicubic", lambda: ms.Rescale(1.7, mode="bicubic"), lambda n: (image(n),)),
    ("PyramidDownsample", lambda: ms.PyramidDownsample(4), lambda n: (image(n),)),
    ("AttentionGate", lambda: ms.AttentionGate(3, 5),
     lambda n: (image(n), image(n, 5, 10, 12))),
    ("DeepSupervisionLoss", lambda: ms.DeepSupervisionLoss(nn.MSELoss()),
     lambda n: ([image(n), image(n)], image(n))),
    ("DeepSupervisionLoss-cross-entropy", lambda: ms.DeepSupervisionLoss(
        nn.CrossEntropyLoss(ignore_index=1), weights=[1.0, 0.3]),
     lambda n: ([image(n), image(n)], (nx.rand(n, 19, 23) * 3).long())),
    ("MultiScaleInference", lambda: ms.MultiScaleInference(
        ms.UNet(3, 1, [4, 8]), scales=[0.5, 1.0, 1.5], flip=True),
     lambda n: (image(n),)),
    ("MultiScaleInference-max", lambda: ms.MultiScaleInference(
        conv_relu(), scales=[0.7, 1.0], merge="max"),
     lambda n: (image(n),)),
    ("SlidingWindowInference", lambda: ms.SlidingWindowInference(
        ms.UNet(3, 1, [4, 8]), window_size=8, overlap=0.25, batch_size=3),
     lambda n: (image(n),)),
    ("SlidingWindowInference-constant", lambda: ms.SlidingWindowInference(
        conv_relu(), window_size=(16, 9), blend="constant"),
     lambda n: (image(n),)),
]

NOT_EXPORTED = {}  # every multiscale class exports

# Exported at the traced batch size only: the windows of each image are cut and placed one by
# one (a Python loop over the samples), so the graph holds one branch per image; export
# refuses a dynamic batch, naming the first op written for the traced batch.
STATIC_BATCH = {"SlidingWindowInference", "SlidingWindowInference-constant"}


@pytest.mark.parametrize("name, make, inputs", MULTISCALE, ids=[case[0] for case in MULTISCALE])
def test_multiscale_class_runs_in_onnx_runtime_as_in_neurenix(name, make, inputs, roundtrip):
    nx.manual_seed(0)
    model = make()
    if name in STATIC_BATCH:
        roundtrip(model, *inputs(2))
        with pytest.raises(ValueError, match=r"axis 0 of 'input_0' dynamic, but IndexPut in "
                                             r"layer \(model\) \(SlidingWindowInference\) "
                                             r"records an exact size"):
            roundtrip(model, *inputs(2), other_batch=inputs(3))
    else:
        roundtrip(model, *inputs(2), other_batch=inputs(3))


def test_list_outputs_are_graph_outputs_in_order(roundtrip):
    proto = roundtrip(ms.PyramidDownsample(3), image(1, h=20, w=20))
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1", "output_2"]
    sizes = [[d.dim_value for d in o.type.tensor_type.shape.dim][2:] for o in proto.graph.output]
    assert sizes == [[20, 20], [10, 10], [5, 5]]


def test_the_unet_skips_resized_at_odd_sizes_are_onnx_resizes(roundtrip):
    proto = roundtrip(ms.UNet(3, 1, features=[4, 8]), image(1, h=21, w=15))
    kinds = [n.op_type for n in proto.graph.node]
    resizes = [n for n in proto.graph.node if n.op_type == "Resize"]
    assert len(resizes) == 2 and "MatMul" not in kinds
    assert all({a.name: a for a in n.attribute}["coordinate_transformation_mode"].s ==
               b"half_pixel" for n in resizes)


def test_non_divisible_adaptive_pooling_is_exact(roundtrip):
    proto = roundtrip(ms.PyramidPooling(8, 8, [1, 2, 3, 6]), image(1, 8, 13, 17))
    kinds = [n.op_type for n in proto.graph.node]
    assert "GlobalAveragePool" in kinds and "MatMul" in kinds  # pool size 1, and 13 -> 6


def test_every_multiscale_class_is_exported_above():
    classes = {name for name in ms.__all__ if isinstance(getattr(ms, name), type)}
    tested = {case[0].split("-")[0] for case in MULTISCALE}
    assert sorted(classes - tested - set(NOT_EXPORTED)) == []
