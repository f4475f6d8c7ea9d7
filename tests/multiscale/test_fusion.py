"""FeatureFusion, ScaleFusion and AttentionFusion, against the same fusion written in PyTorch."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import neurenix as nx
from neurenix.multiscale import AttentionFusion, FeatureFusion, ScaleFusion
from neurenix.testing import assert_matches

METHODS = ["concat", "sum", "attention"]


def _image(n, c, h, w, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal((n, c, h, w)).astype(dtype)


def _torch_fusion(torch, module, features, reference):
    """The documented fusion with torch.nn.functional, reading the module's weights."""
    F = torch.nn.functional
    w = {k: torch.tensor(v.numpy()) for k, v in module.state_dict().items()}
    size = features[reference].shape[-2:]

    def resize(t):
        if tuple(t.shape[-2:]) == tuple(size):
            return t
        return F.interpolate(t, size=size, mode="bilinear", align_corners=False)

    if module.fusion_method == "concat":
        return F.conv2d(torch.cat([resize(f) for f in features], dim=1), w["merge.weight"],
                        w["merge.bias"])
    projected = []
    for k, f in enumerate(features):
        if f"projections.{k}.weight" in w:
            f = F.conv2d(f, w[f"projections.{k}.weight"], w[f"projections.{k}.bias"])
        projected.append(resize(f))
    if module.fusion_method == "sum":
        return sum(projected[1:], projected[0])
    scores = torch.cat([F.conv2d(f, w["scorer.weight"], w["scorer.bias"]) for f in projected], 1)
    weights = torch.softmax(scores, dim=1)
    return sum(f * weights[:, k:k + 1] for k, f in enumerate(projected))


@pytest.mark.parametrize("method", METHODS)
@given(sizes=st.lists(st.tuples(st.integers(1, 6), st.integers(1, 6)), min_size=1, max_size=3),
       data=st.data())
def test_feature_fusion_matches_torch(method, sizes, data):
    torch = pytest.importorskip("torch")
    channels = [data.draw(st.sampled_from([2, 3])) for _ in sizes]
    nx.manual_seed(0)
    module = FeatureFusion(channels, 3, method).to(nx.float64)
    arrays = [_image(2, c, h, w, seed=k) for k, (c, (h, w)) in enumerate(zip(channels, sizes))]

    def fn(lib, *features):
        if lib is nx:
            return module(list(features))
        return _torch_fusion(torch, module, list(features), 0)

    assert_matches(torch, fn, *arrays, rtol=1e-7, atol=1e-9)
    assert tuple(module([nx.tensor(a) for a in arrays]).shape) == (2, 3) + sizes[0]


@pytest.mark.parametrize("method", METHODS)
def test_scale_fusion_uses_the_largest_scale_and_matches_torch(method):
    torch = pytest.importorskip("torch")
    nx.manual_seed(1)
    module = ScaleFusion([0.5, 1.0, 0.25], 2, 3, method).to(nx.float64)
    arrays = [_image(1, 2, 4, 3, 0), _image(1, 2, 8, 7, 1), _image(1, 2, 2, 1, 2)]
    assert_matches(torch, lambda lib, *f: module(list(f)) if lib is nx
                   else _torch_fusion(torch, module, list(f), 1), *arrays, rtol=1e-7, atol=1e-9)
    assert tuple(module([nx.tensor(a) for a in arrays]).shape) == (1, 3, 8, 7)


@pytest.mark.parametrize("method", METHODS)
@given(sizes=st.lists(st.integers(1, 5), min_size=4, max_size=4), seed=st.integers(0, 2 ** 16))
def test_fusion_gradcheck(method, sizes, seed):
    nx.manual_seed(seed)
    module = FeatureFusion([2, 3], 2, method).to(nx.float64)
    a = nx.tensor(_image(1, 2, sizes[0], sizes[1], seed), requires_grad=True)
    b = nx.tensor(_image(1, 3, sizes[2], sizes[3], seed + 1), requires_grad=True)
    assert nx.gradcheck(lambda x, y: module([x, y]), (a, b))


def test_attention_fusion_is_feature_fusion_with_attention():
    nx.manual_seed(3)
    ours = AttentionFusion([2, 4], 3)
    nx.manual_seed(3)
    reference = FeatureFusion([2, 4], 3, "attention")
    assert isinstance(ours, FeatureFusion) and ours.fusion_method == "attention"
    assert list(ours.state_dict()) == list(reference.state_dict())
    features = [nx.randn(2, 2, 5, 5), nx.randn(2, 4, 3, 2)]
    np.testing.assert_array_equal(ours(features).numpy(), reference(features).numpy())
    weights = sum(p.numel() for p in ours.parameters())
    assert weights == (2 * 3 + 3) + (4 * 3 + 3) + (3 + 1)


def test_sum_projects_only_mismatched_inputs():
    module = FeatureFusion([4, 2, 4], 4, "sum")
    assert [type(p).__name__ for p in module.projections] == ["Identity", "Conv2d", "Identity"]
    a, c = nx.randn(1, 4, 3, 3), nx.randn(1, 4, 3, 3)
    b = nx.zeros(1, 2, 2, 2)
    with nx.no_grad():
        module.projections[1].bias.zero_()
    np.testing.assert_allclose(module([a, b, c]).numpy(), (a + c).numpy(), rtol=1e-6)


def test_attention_weights_are_a_softmax_across_inputs():
    """With every input equal after projection, the weights are equal and the output is it."""
    module = AttentionFusion([3, 3], 3)
    with nx.no_grad():
        module.projections[1].weight.copy_(module.projections[0].weight)
        module.projections[1].bias.copy_(module.projections[0].bias)
    x = nx.randn(2, 3, 4, 4)
    np.testing.assert_allclose(module([x, x]).numpy(), module.projections[0](x).numpy(),
                               rtol=1e-5, atol=1e-6)


def test_fusion_errors():
    with pytest.raises(ValueError, match=r"FeatureFusion: unknown fusion_method 'max'; valid "
                                         r"methods are 'concat', 'sum', 'attention'"):
        FeatureFusion([2], 2, "max")
    with pytest.raises(ValueError, match=r"ScaleFusion: unknown fusion_method 'mean'"):
        ScaleFusion([1.0, 0.5], 2, 2, "mean")
    with pytest.raises(ValueError, match=r"ScaleFusion: scale must be a positive number, got -0.5"):
        ScaleFusion([1.0, -0.5], 2, 2)
    with pytest.raises(ValueError, match=r"FeatureFusion: in_channels must not be empty"):
        FeatureFusion([], 2)
    with pytest.raises(ValueError, match=r"AttentionFusion: out_channels must be a positive "
                                         r"integer, got 0"):
        AttentionFusion([2], 0)
    module = FeatureFusion([2, 3], 4)
    with pytest.raises(ValueError, match=r"FeatureFusion: expected 2 feature maps "
                                         r"\(in_channels=\[2, 3\]\), got 3"):
        module([nx.randn(1, 2, 2, 2), nx.randn(1, 3, 2, 2), nx.randn(1, 3, 2, 2)])
    with pytest.raises(ValueError, match=r"FeatureFusion: input 1 has 5 channels \(shape "
                                         r"\(1, 5, 2, 2\)\), but in_channels\[1\] is 3"):
        module([nx.randn(1, 2, 2, 2), nx.randn(1, 5, 2, 2)])
    with pytest.raises(ValueError, match=r"FeatureFusion: input 1 has batch size 2, input 0 has 1"):
        module([nx.randn(1, 2, 2, 2), nx.randn(2, 3, 2, 2)])
    with pytest.raises(ValueError, match=r"FeatureFusion: expected a list of 2 feature maps, "
                                         r"got Tensor"):
        module(nx.randn(1, 2, 2, 2))
    with pytest.raises(ValueError, match=r"ScaleFusion: input 0 has 3 channels \(shape "
                                         r"\(1, 3, 2, 2\)\), but in_channels is 2"):
        ScaleFusion([1.0, 0.5], 2, 2)([nx.randn(1, 3, 2, 2), nx.randn(1, 2, 1, 1)])
    with pytest.raises(ValueError, match=r"ScaleFusion: expected 2 feature maps \(one per scale "
                                         r"of \[1.0, 0.5\]\), got 1"):
        ScaleFusion([1.0, 0.5], 2, 2)([nx.randn(1, 2, 2, 2)])
    with pytest.raises(ValueError, match=r"AttentionFusion: input 0 must be a batch of images"):
        AttentionFusion([2], 2)([nx.randn(2, 2)])
