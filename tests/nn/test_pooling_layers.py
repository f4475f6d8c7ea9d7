"""MaxPool1d, AvgPool1d, AdaptiveAvgPool1d, MaxUnpool2d and the return_indices of MaxPool1d,
MaxPool2d and AdaptiveMaxPool2d against PyTorch's layers: forward, indices, input gradients,
second derivatives, repr, attributes."""
import numpy as np
import pytest

import neurenix as nx
from layer_reference import assert_layer_matches


def _distinct(shape, seed=0):
    """Values 0.1 apart: no window has two maxima."""
    rng = np.random.default_rng(seed)
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.0


LAYERS = [  # name, make(lib), input shape
    ("MaxPool1d", lambda lib: lib.nn.MaxPool1d(2), (2, 3, 8)),
    ("MaxPool1d all options",
     lambda lib: lib.nn.MaxPool1d(3, 2, 1, dilation=2, ceil_mode=True), (2, 3, 9)),
    ("MaxPool1d indices", lambda lib: lib.nn.MaxPool1d(3, stride=2, return_indices=True),
     (2, 3, 9)),
    ("MaxPool1d unbatched", lambda lib: lib.nn.MaxPool1d(2), (3, 6)),
    ("AvgPool1d", lambda lib: lib.nn.AvgPool1d(2), (2, 3, 8)),
    ("AvgPool1d all options", lambda lib: lib.nn.AvgPool1d(3, 2, 1, ceil_mode=True,
                                                           count_include_pad=False), (2, 3, 8)),
    ("AdaptiveAvgPool1d", lambda lib: lib.nn.AdaptiveAvgPool1d(3), (2, 3, 7)),
    ("AdaptiveAvgPool1d 1", lambda lib: lib.nn.AdaptiveAvgPool1d(1), (3, 5)),
    ("MaxPool2d indices", lambda lib: lib.nn.MaxPool2d(2, return_indices=True), (2, 2, 4, 6)),
    ("MaxPool2d indices strided padded",
     lambda lib: lib.nn.MaxPool2d(3, stride=2, padding=1, return_indices=True), (1, 2, 7, 5)),
    ("AdaptiveMaxPool2d indices", lambda lib: lib.nn.AdaptiveMaxPool2d((2, 3),
                                                                        return_indices=True),
     (2, 2, 5, 7)),
]
IDS = [spec[0] for spec in LAYERS]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, make, shape", LAYERS, ids=IDS)
def test_layer_matches_torch(name, make, shape, dtype):
    """Values (and int64 indices), input gradients, and second derivatives through a tanh (the
    pools are linear with their windows' maxima fixed)."""
    torch = pytest.importorskip("torch")

    def call(layer, x):
        out = layer(x)
        return out[0].tanh() if isinstance(out, tuple) else out.tanh()

    x = _distinct(shape).astype(dtype)
    ours, theirs = assert_layer_matches(torch, make, call, x, dtype=dtype, training=True,
                                        second_order=dtype == np.float64)
    if getattr(ours, "return_indices", False):
        indices, reference = ours(nx.tensor(x))[1], theirs(torch.tensor(x))[1]
        assert indices.dtype == nx.int64 and not indices.requires_grad
        np.testing.assert_array_equal(indices.numpy(), reference.numpy())


UNPOOL = [  # name, make(lib), pooled shape, pooling kernel, stride, padding, output_size
    ("MaxUnpool2d", lambda lib: lib.nn.MaxUnpool2d(2), (2, 2, 6, 6), 2, 2, 0, None),
    ("MaxUnpool2d strided padded output_size",
     lambda lib: lib.nn.MaxUnpool2d((3, 2), stride=2, padding=1), (1, 2, 7, 6), (3, 2), 2, 1,
     (7, 6)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, make, shape, kernel, stride, padding, size", UNPOOL,
                         ids=[u[0] for u in UNPOOL])
def test_max_unpool2d_matches_torch(name, make, shape, kernel, stride, padding, size, dtype):
    torch = pytest.importorskip("torch")
    values, indices = nx.max_pool2d(nx.tensor(_distinct(shape)), kernel, stride, padding,
                                    return_indices=True)
    assert_layer_matches(torch, make, lambda layer, x, i: layer(x, i, size).tanh(),
                         values.numpy(), indices.numpy(), dtype=dtype,
                         second_order=dtype == np.float64)


@pytest.mark.parametrize("name, make, shape", LAYERS + [u[:3] for u in UNPOOL],
                         ids=IDS + [u[0] for u in UNPOOL])
def test_repr_attributes_and_empty_state_dict_match_torch(name, make, shape):
    torch = pytest.importorskip("torch")
    ours, theirs = make(nx), make(torch)
    assert repr(ours) == repr(theirs)
    for attr in ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices",
                 "output_size", "count_include_pad"):
        if hasattr(theirs, attr):
            assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []


def test_max_pool_then_unpool_layers_restore_the_maxima():
    x = nx.tensor(_distinct((1, 2, 4, 4)))
    values, indices = nx.nn.MaxPool2d(2, return_indices=True)(x)
    restored = nx.nn.MaxUnpool2d(2)(values, indices)
    kept = restored.numpy() != 0
    np.testing.assert_array_equal(restored.numpy()[kept], x.numpy()[kept])
    assert kept.sum() == values.numel()
