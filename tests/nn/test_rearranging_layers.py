"""The rearranging layers Unfold, Fold, PixelShuffle and PixelUnshuffle (nn/fold.py and
nn/pixel_shuffle.py) against PyTorch's: forward, input gradients, second derivatives, repr,
errors."""
import numpy as np
import pytest

import neurenix as nx
from layer_reference import assert_layer_matches

LAYERS = [  # name, make(lib), input shape
    ("Unfold", lambda lib: lib.nn.Unfold(2), (2, 3, 4, 5)),
    ("Unfold all options", lambda lib: lib.nn.Unfold((2, 3), dilation=2, padding=1, stride=2),
     (2, 2, 5, 6)),
    ("Unfold unbatched", lambda lib: lib.nn.Unfold(3, padding=1), (2, 3, 3)),
    ("Fold", lambda lib: lib.nn.Fold((4, 5), 2), (2, 12, 12)),
    ("Fold all options", lambda lib: lib.nn.Fold(6, (2, 3), dilation=(1, 2), padding=1,
                                                 stride=2), (1, 12, 8)),
    ("Fold unbatched", lambda lib: lib.nn.Fold((3, 3), 2), (8, 4)),
    ("PixelShuffle", lambda lib: lib.nn.PixelShuffle(2), (2, 8, 3, 2)),
    ("PixelShuffle unbatched", lambda lib: lib.nn.PixelShuffle(3), (9, 2, 2)),
    ("PixelUnshuffle", lambda lib: lib.nn.PixelUnshuffle(2), (2, 2, 4, 6)),
    ("PixelUnshuffle 5-D", lambda lib: lib.nn.PixelUnshuffle(3), (2, 1, 1, 3, 6)),
]
IDS = [spec[0] for spec in LAYERS]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, make, shape", LAYERS, ids=IDS)
def test_layer_matches_torch(name, make, shape, dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape)
    assert_layer_matches(torch, make, lambda layer, x: layer(x).tanh(), x, dtype=dtype,
                         second_order=dtype == np.float64)


@pytest.mark.parametrize("name, make, shape", LAYERS, ids=IDS)
def test_repr_and_empty_state_dict_match_torch(name, make, shape):
    torch = pytest.importorskip("torch")
    ours, theirs = make(nx), make(torch)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []


def test_fold_undoes_a_non_overlapping_unfold():
    x = nx.randn(2, 3, 4, 6)
    cols = nx.nn.Unfold(2, stride=2)(x)
    np.testing.assert_array_equal(nx.nn.Fold((4, 6), 2, stride=2)(cols).numpy(), x.numpy())


def test_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"fold: input \(1, 12, 10\).*3 \* 4 = 12"):
        nx.nn.Fold((4, 5), 2)(nx.zeros(1, 12, 10))
    with pytest.raises(ValueError, match=r"unfold: .*\(1, 2, 2, 2\).*sliding blocks"):
        nx.nn.Unfold(3)(nx.zeros(1, 2, 2, 2))


def test_pixel_shuffle_errors_name_the_op_and_shape():
    with pytest.raises(ValueError, match=r"pixel_shuffle: .*\(1, 6, 2, 2\).*4"):
        nx.nn.PixelShuffle(2)(nx.zeros(1, 6, 2, 2))
    with pytest.raises(ValueError, match=r"pixel_unshuffle: .*\(1, 1, 3, 4\).*2"):
        nx.nn.PixelUnshuffle(2)(nx.zeros(1, 1, 3, 4))
