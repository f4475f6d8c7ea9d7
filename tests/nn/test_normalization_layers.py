"""LayerNorm, GroupNorm and InstanceNorm2d against PyTorch's layers loaded from their state dicts
(strict): forward, input and parameter gradients, second derivatives, running statistics over
training steps then eval, state-dict keys, repr, default initialisation, errors."""
import warnings

import numpy as np
import pytest

import neurenix as nx
from layer_reference import assert_layer_matches, torch_pair


def _spread(shape, seed=0):
    """Random values plus distinct offsets: no normalised group is nearly constant."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) + np.arange(int(np.prod(shape))).reshape(shape) * 0.37 % 1.3


LAYERS = [  # name, make(lib), input shape
    ("LayerNorm", lambda lib: lib.nn.LayerNorm(5), (2, 3, 5)),
    ("LayerNorm 2-D shape", lambda lib: lib.nn.LayerNorm((3, 5), eps=1e-3), (2, 3, 5)),
    ("LayerNorm no bias", lambda lib: lib.nn.LayerNorm(4, bias=False), (3, 4)),
    ("LayerNorm no affine", lambda lib: lib.nn.LayerNorm([2, 4], elementwise_affine=False),
     (3, 2, 4)),
    ("GroupNorm", lambda lib: lib.nn.GroupNorm(2, 4), (2, 4, 3, 3)),
    ("GroupNorm 1-D", lambda lib: lib.nn.GroupNorm(3, 6, eps=1e-3), (2, 6, 5)),
    ("GroupNorm no affine", lambda lib: lib.nn.GroupNorm(1, 3, affine=False), (2, 3, 2, 2)),
    ("GroupNorm no bias", lambda lib: lib.nn.GroupNorm(4, 4, bias=False), (2, 4, 3)),
    ("InstanceNorm2d", lambda lib: lib.nn.InstanceNorm2d(3), (2, 3, 4, 4)),
    ("InstanceNorm2d affine", lambda lib: lib.nn.InstanceNorm2d(3, affine=True), (2, 3, 3, 4)),
    ("InstanceNorm2d tracked", lambda lib: lib.nn.InstanceNorm2d(
        2, momentum=0.3, affine=True, track_running_stats=True), (3, 2, 4, 3)),
    ("InstanceNorm2d unbatched", lambda lib: lib.nn.InstanceNorm2d(3, affine=True), (3, 4, 4)),
]
IDS = [spec[0] for spec in LAYERS]


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("name, make, shape", LAYERS, ids=IDS)
def test_layer_matches_torch_to_second_order(name, make, shape, training):
    torch = pytest.importorskip("torch")
    ours, theirs = assert_layer_matches(torch, make, lambda layer, x: layer(x), _spread(shape),
                                        training=training, second_order=True)
    for key, value in theirs.state_dict().items():  # running statistics after the step
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-9,
                                   err_msg=key)


@pytest.mark.parametrize("name, make, shape", LAYERS, ids=IDS)
def test_layer_matches_torch_in_float32(name, make, shape):
    torch = pytest.importorskip("torch")
    assert_layer_matches(torch, make, lambda layer, x: layer(x), _spread(shape),
                         dtype=np.float32, training=True)


@pytest.mark.parametrize("name, make, shape", LAYERS, ids=IDS)
def test_state_dict_keys_repr_and_default_initialisation_match_torch(name, make, shape):
    torch = pytest.importorskip("torch")
    ours, theirs = make(nx), make(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():  # ones, zeros and counters: deterministic
        assert ours.state_dict()[key].dtype == np.dtype(str(value.dtype).replace("torch.", ""))
        np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy(), key)
    assert repr(ours) == repr(theirs)


def test_instance_norm_running_statistics_over_steps_then_eval_match_torch():
    """Training blends the batch's per-instance statistics into the running ones (without
    counting num_batches_tracked, as PyTorch); eval mode normalises with them."""
    torch = pytest.importorskip("torch")

    def make(lib):
        return lib.nn.InstanceNorm2d(3, momentum=None, affine=True, track_running_stats=True)

    ours, theirs = torch_pair(torch, make, training=True)
    for step in range(3):
        x = _spread((2, 3, 4, 5), step) * (step + 1)
        np.testing.assert_allclose(ours(nx.tensor(x)).numpy(),
                                   theirs(torch.tensor(x)).detach().numpy(), rtol=1e-9)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-9,
                                   err_msg=key)
    assert ours.num_batches_tracked.item() == 0
    ours.eval()
    theirs.eval()
    x = _spread((2, 3, 4, 5), 9)
    np.testing.assert_allclose(ours(nx.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-9)


def test_instance_norm_channel_mismatch_warns_without_affine_and_raises_with_it():
    x = nx.tensor(_spread((2, 4, 3, 3)))
    with pytest.warns(UserWarning, match="num_features"):
        nx.nn.InstanceNorm2d(3)(x)
    with pytest.raises(ValueError, match=r"InstanceNorm2d: .*num_features \(3\).*\(2, 4, 3, 3\)"):
        nx.nn.InstanceNorm2d(3, affine=True)(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nx.nn.InstanceNorm2d(4)(x)


def test_constructor_and_forward_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(5\) must be divisible by "
                                         r"num_groups \(2\)"):
        nx.nn.GroupNorm(2, 5)
    with pytest.raises(ValueError, match=r"InstanceNorm2d: expected 3D or 4D input.*\(2, 3\)"):
        nx.nn.InstanceNorm2d(3)(nx.zeros(2, 3))
    with pytest.raises(ValueError, match=r"layer_norm: .*\[4\].*\(2, 3\)"):
        nx.nn.LayerNorm(4)(nx.zeros(2, 3))
    with pytest.raises(TypeError, match=r"layer_norm: weight dtype float32 differs.*float64"):
        nx.nn.LayerNorm(3)(nx.zeros(2, 3, dtype=nx.float64))
