"""Every layer: a float64 gradient check (input and parameters) and a comparison with PyTorch
(forward, input gradient, every parameter gradient, buffers) from PyTorch's own weights."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurenix as nx
from neurenix.testing import away_from, ranged

SMOOTH = ranged(-3, 3)
KINKED = away_from(0.0, by=1e-2)  # keeps relu's kink out of a finite difference
DISTINCT = "distinct"  # a shuffled grid 0.1 apart: no ties for a max to split


def _seq(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.Tanh(),
                         nn.Conv2d(3, 2, 3, stride=2), nn.Flatten(), nn.Linear(2, 3))


LAYERS = [  # name, make(lib), input shape (N, H, W drawn where None), elements, training
    ("Linear", lambda lib: lib.nn.Linear(5, 3), (None, 5), SMOOTH, True),
    ("Linear no bias 3-D input", lambda lib: lib.nn.Linear(4, 2, bias=False), (None, 2, 4),
     SMOOTH, True),
    ("Conv2d", lambda lib: lib.nn.Conv2d(2, 3, 3), (None, 2, None, None), SMOOTH, True),
    ("Conv2d stride 2 padding 1 no bias",
     lambda lib: lib.nn.Conv2d(2, 3, 3, stride=2, padding=1, bias=False),
     (None, 2, None, None), SMOOTH, True),
    ("Conv2d same dilated grouped",
     lambda lib: lib.nn.Conv2d(4, 2, 3, padding="same", dilation=2, groups=2),
     (None, 4, None, None), SMOOTH, True),
    ("Conv2d same even kernel", lambda lib: lib.nn.Conv2d(2, 2, (2, 3), padding="same"),
     (None, 2, None, None), SMOOTH, True),
    ("Conv2d valid", lambda lib: lib.nn.Conv2d(2, 2, 2, padding="valid"),
     (None, 2, None, None), SMOOTH, True),
    ("Conv2d reflect", lambda lib: lib.nn.Conv2d(2, 2, 3, padding=1, padding_mode="reflect"),
     (None, 2, None, None), SMOOTH, True),
    ("Conv2d replicate",
     lambda lib: lib.nn.Conv2d(2, 2, 3, padding=(1, 2), padding_mode="replicate"),
     (None, 2, None, None), SMOOTH, True),
    ("ConvTranspose2d", lambda lib: lib.nn.ConvTranspose2d(2, 3, 2, stride=2),
     (None, 2, None, None), SMOOTH, True),
    ("ConvTranspose2d padded grouped",
     lambda lib: lib.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1,
                                        groups=2), (None, 4, None, None), SMOOTH, True),
    ("ConvTranspose2d dilated no bias",
     lambda lib: lib.nn.ConvTranspose2d(2, 2, 3, dilation=2, bias=False),
     (None, 2, None, None), SMOOTH, True),
    ("BatchNorm2d", lambda lib: lib.nn.BatchNorm2d(3), (None, 3, None, None), SMOOTH, True),
    ("BatchNorm2d no affine", lambda lib: lib.nn.BatchNorm2d(3, affine=False),
     (None, 3, None, None), SMOOTH, True),
    ("BatchNorm2d no bias", lambda lib: lib.nn.BatchNorm2d(3, bias=False),
     (None, 3, None, None), SMOOTH, True),
    ("BatchNorm2d untracked", lambda lib: lib.nn.BatchNorm2d(2, track_running_stats=False),
     (None, 2, None, None), SMOOTH, True),
    ("BatchNorm2d untracked eval", lambda lib: lib.nn.BatchNorm2d(2, track_running_stats=False),
     (None, 2, None, None), SMOOTH, False),
    ("BatchNorm2d eval", lambda lib: lib.nn.BatchNorm2d(3), (None, 3, None, None), SMOOTH,
     False),
    ("BatchNorm1d", lambda lib: lib.nn.BatchNorm1d(4), (None, 4), SMOOTH, True),
    ("BatchNorm1d 3-D", lambda lib: lib.nn.BatchNorm1d(2, momentum=None), (None, 2, None),
     SMOOTH, True),
    ("ReLU", lambda lib: lib.nn.ReLU(), (None, 3, None), KINKED, True),
    ("LeakyReLU", lambda lib: lib.nn.LeakyReLU(0.2), (None, 3, None), KINKED, True),
    ("Sigmoid", lambda lib: lib.nn.Sigmoid(), (None, 3, None), SMOOTH, True),
    ("Tanh", lambda lib: lib.nn.Tanh(), (None, 3, None), SMOOTH, True),
    ("Softmax", lambda lib: lib.nn.Softmax(dim=1), (None, 3, None), SMOOTH, True),
    ("LogSoftmax", lambda lib: lib.nn.LogSoftmax(dim=-1), (None, 3, None), SMOOTH, True),
    ("GELU", lambda lib: lib.nn.GELU(), (None, 3, None), SMOOTH, True),
    ("GELU tanh", lambda lib: lib.nn.GELU(approximate="tanh"), (None, 3, None), SMOOTH, True),
    ("SiLU", lambda lib: lib.nn.SiLU(), (None, 3, None), SMOOTH, True),
    ("Flatten", lambda lib: lib.nn.Flatten(), (None, 2, None, None), SMOOTH, True),
    ("Flatten 0..-2", lambda lib: lib.nn.Flatten(0, -2), (None, 2, None, None), SMOOTH, True),
    ("Identity", lambda lib: lib.nn.Identity(7, key="ignored"), (None, 3), SMOOTH, True),
    ("Dropout eval", lambda lib: lib.nn.Dropout(0.5), (None, 3), SMOOTH, False),
    ("MaxPool2d", lambda lib: lib.nn.MaxPool2d(2), (None, 2, None, None), DISTINCT, True),
    ("MaxPool2d strided padded dilated ceil",
     lambda lib: lib.nn.MaxPool2d(3, stride=2, padding=1, dilation=1, ceil_mode=True),
     (None, 2, None, None), DISTINCT, True),
    ("MaxPool2d dilated", lambda lib: lib.nn.MaxPool2d(2, stride=1, dilation=2),
     (None, 1, None, None), DISTINCT, True),
    ("AvgPool2d", lambda lib: lib.nn.AvgPool2d(2), (None, 2, None, None), SMOOTH, True),
    ("AvgPool2d padded, pad not counted",
     lambda lib: lib.nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True,
                                  count_include_pad=False), (None, 2, None, None), SMOOTH, True),
    ("AvgPool2d divisor_override", lambda lib: lib.nn.AvgPool2d((2, 1), divisor_override=3),
     (None, 2, None, None), SMOOTH, True),
    ("AdaptiveAvgPool2d", lambda lib: lib.nn.AdaptiveAvgPool2d((2, 3)), (None, 2, None, None),
     SMOOTH, True),
    ("AdaptiveAvgPool2d 1", lambda lib: lib.nn.AdaptiveAvgPool2d(1), (None, 2, None, None),
     SMOOTH, True),
    ("AdaptiveMaxPool2d", lambda lib: lib.nn.AdaptiveMaxPool2d(2), (None, 2, None, None),
     DISTINCT, True),
    ("Upsample nearest x2", lambda lib: lib.nn.Upsample(scale_factor=2), (None, 2, None, None),
     SMOOTH, True),
    ("Upsample nearest-exact size", lambda lib: lib.nn.Upsample(size=(5, 7), mode="nearest-exact"),
     (None, 2, None, None), SMOOTH, True),
    ("Upsample bilinear size", lambda lib: lib.nn.Upsample(size=(5, 7), mode="bilinear"),
     (None, 2, None, None), SMOOTH, True),
    ("Upsample bilinear aligned x1.5",
     lambda lib: lib.nn.Upsample(scale_factor=1.5, mode="bilinear", align_corners=True),
     (None, 2, None, None), SMOOTH, True),
    ("Upsample bicubic recomputed",
     lambda lib: lib.nn.Upsample(scale_factor=(1.7, 2.0), mode="bicubic",
                                 recompute_scale_factor=True), (None, 1, None, None), SMOOTH, True),
    ("Sequential conv-bn-tanh-conv-linear", _seq, (None, 2, 4, 4), SMOOTH, True),
    ("Sequential unet-like", lambda lib: lib.nn.Sequential(
        lib.nn.Conv2d(1, 2, 3, padding=1), lib.nn.BatchNorm2d(2), lib.nn.ReLU(),
        lib.nn.MaxPool2d(2), lib.nn.ConvTranspose2d(2, 2, 2, stride=2),
        lib.nn.Upsample(scale_factor=2, mode="bilinear"), lib.nn.Conv2d(2, 1, 1),
        lib.nn.Sigmoid()), (None, 1, 4, 4), DISTINCT, True),
]

IDS = [spec[0] for spec in LAYERS]


def _shape(template, data=None, sides=(3, 4)):
    """Fill the None entries of ``template``: drawn when ``data`` is given, else the largest."""
    draw = (lambda lo, hi: data.draw(st.integers(lo, hi))) if data is not None else (
        lambda lo, hi: hi)
    return tuple(draw(1, 2) if i == 0 and s is None else draw(*sides) if s is None else s
                 for i, s in enumerate(template))


def _spread(array: np.ndarray) -> np.ndarray:
    """Add distinct offsets, so a batch's values never all coincide (a batch-norm variance of
    ~0 makes finite differences meaningless)."""
    return array + np.arange(array.size).reshape(array.shape) * 0.37 % 1.3


def functional_call(module, x, params):
    """``module(x)`` with its parameters replaced by ``params`` (in named_parameters order)."""
    originals = []
    for (name, _), p in zip(module.named_parameters(), params):
        owner, _, attr = name.rpartition(".")
        sub = module.get_submodule(owner)
        originals.append((sub, attr, sub.__dict__[attr]))
        object.__setattr__(sub, attr, p)
    try:
        return module(x)
    finally:
        for sub, attr, p in originals:
            object.__setattr__(sub, attr, p)


@pytest.mark.parametrize("name, make, template, elements, training", LAYERS, ids=IDS)
@given(data=st.data())
def test_layer_gradcheck(name, make, template, elements, training, data):
    layer = make(nx).double().train(training)
    shape = _shape(template, data)
    if "BatchNorm" in name and training and shape[0] * int(np.prod(shape[2:])) < 2:
        shape = (2,) + shape[1:]  # training needs two values per channel
    if elements is DISTINCT:
        order = data.draw(st.permutations(range(int(np.prod(shape)))))
        array = np.array(order, np.float64).reshape(shape) * 0.1 - 1
    else:
        array = data.draw(hnp.arrays(np.float64, shape, elements=elements))
    if "BatchNorm" in name or "Sequential conv" in name:
        array = _spread(array)
    x = nx.tensor(array, requires_grad=True)
    params = [nx.tensor(p.numpy().copy(), requires_grad=True) for p in layer.parameters()]
    assert nx.gradcheck(lambda a, *ps: functional_call(layer, a, ps), (x, *params))


def _torch_pair(torch, make, dtype, training):
    theirs = make(torch).to(getattr(torch, np.dtype(dtype).name)).train(training)
    ours = make(nx).to(dtype).train(training)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # PyTorch's own
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, make, template, elements, training", LAYERS, ids=IDS)
def test_layer_matches_torch(name, make, template, elements, training, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    ours, theirs = _torch_pair(torch, make, dtype, training)
    array = rng.permutation(np.prod(_shape(template))).reshape(_shape(template)) * 0.1 - 1 \
        if elements is DISTINCT else rng.uniform(-3, 3, _shape(template))
    array = array.astype(dtype)
    x, xt = nx.tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)
    out, ref = ours(x), theirs(xt)
    tol = dict(rtol=1e-9, atol=1e-10) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-5)
    assert out.dtype == dtype and out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), **tol)
    v = rng.standard_normal(out.shape).astype(dtype)
    (out * nx.tensor(v)).sum().backward()
    (ref * torch.tensor(v)).sum().backward()
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **tol, err_msg="input grad")
    ours_params = dict(ours.named_parameters())
    assert list(ours_params) == [n for n, _ in theirs.named_parameters()]
    for key, p in theirs.named_parameters():
        assert ours_params[key].grad.dtype == dtype
        np.testing.assert_allclose(ours_params[key].grad.numpy(), p.grad.numpy(), **tol,
                                   err_msg=f"gradient of {key}")
    for key, value in theirs.state_dict().items():  # running statistics after the step
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), **tol,
                                   err_msg=f"state {key}")


@pytest.mark.parametrize("name, make, template, elements, training", LAYERS, ids=IDS)
def test_layer_state_dict_keys_and_repr_match_torch(name, make, template, elements, training):
    torch = pytest.importorskip("torch")
    ours, theirs = make(nx), make(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].shape == tuple(value.shape), key
    assert repr(ours) == repr(theirs)


def test_layers_run_under_no_grad_without_recording():
    layer = nx.nn.Conv2d(2, 3, 3)
    with nx.no_grad():
        out = layer(nx.randn(1, 2, 5, 5))
    assert not out.requires_grad and out.grad_fn is None


def test_linear_rejects_wrong_features_naming_shapes():
    with pytest.raises(ValueError, match=r"linear.*\(4, 6\).*in_features = 5.*\(3, 5\)"):
        nx.nn.Linear(5, 3)(nx.zeros(4, 6))


def test_linear_refuses_mixed_dtypes_with_advice():
    with pytest.raises(TypeError, match=r"linear: input dtype float64 differs from weight dtype "
                                        r"float32.*module\.to"):
        nx.nn.Linear(2, 2)(nx.zeros(1, 2, dtype=nx.float64))


def test_conv2d_checks_its_arguments():
    with pytest.raises(ValueError, match="Conv2d: in_channels \\(3\\) and out_channels \\(4\\) "
                                         "must be divisible by groups \\(2\\)"):
        nx.nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        nx.nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="padding_mode"):
        nx.nn.Conv2d(3, 4, 3, padding_mode="wrap")
    with pytest.raises(ValueError, match=r"conv2d: weight expects 3 input channels"):
        nx.nn.Conv2d(3, 4, 3)(nx.zeros(1, 2, 5, 5))


def test_conv_transpose2d_output_size_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _torch_pair(torch, lambda lib: lib.nn.ConvTranspose2d(2, 3, 3, stride=2,
                                                                        padding=1),
                               np.float64, True)
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 5))
    for size in [(7, 9), (8, 10), (1, 3, 8, 9)]:
        out = ours(nx.tensor(x), output_size=size)
        ref = theirs(torch.tensor(x), output_size=size)
        assert out.shape == tuple(ref.shape) == (1, 3) + tuple(size)[-2:]
        np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: requested output size \(10, 9\)"):
        ours(nx.tensor(x), output_size=(10, 9))


def test_softmax_without_dim_follows_torchs_legacy_rule():
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = nx.nn.Softmax()(nx.randn(2, 3))
    np.testing.assert_allclose(out.numpy().sum(axis=1), 1, rtol=1e-6)


def test_flatten_and_identity_shapes():
    x = nx.randn(2, 3, 4, 5)
    assert nx.nn.Flatten()(x).shape == (2, 60)
    assert nx.nn.Flatten(2)(x).shape == (2, 3, 20)
    assert nx.nn.Identity()(x) is x


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")  # PyTorch's own init
@pytest.mark.parametrize("in_features, out_features", [(0, 3), (3, 0)])
def test_linear_with_an_empty_side_matches_torch(in_features, out_features):
    torch = pytest.importorskip("torch")
    layer = nx.nn.Linear(in_features, out_features)
    x = nx.randn(2, in_features, requires_grad=True)
    out = layer(x)
    out.sum().backward()
    twin = torch.nn.Linear(in_features, out_features)
    twin.load_state_dict({k: torch.tensor(v.numpy()) for k, v in layer.state_dict().items()})
    tx = torch.tensor(x.numpy(), requires_grad=True)
    t_out = twin(tx)
    t_out.sum().backward()
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(layer.weight.grad.numpy(), twin.weight.grad.numpy())
