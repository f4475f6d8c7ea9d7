"""Embedding against PyTorch's layer loaded from its state dict (strict): forward, the weight's
gradient (padding row, frequency scaling) and second derivative, max_norm, state-dict keys,
repr, default initialisation, from_pretrained and freezing, errors."""
import numpy as np
import pytest

import neurenix as nx
from layer_reference import assert_layer_matches, torch_pair

LAYERS = [  # name, make(lib)
    ("Embedding", lambda lib: lib.nn.Embedding(10, 3)),
    ("Embedding padding_idx", lambda lib: lib.nn.Embedding(10, 4, padding_idx=0)),
    ("Embedding negative padding_idx", lambda lib: lib.nn.Embedding(10, 2, padding_idx=-1)),
    ("Embedding scale_grad_by_freq",
     lambda lib: lib.nn.Embedding(10, 3, padding_idx=2, scale_grad_by_freq=True)),
    ("Embedding max_norm", lambda lib: lib.nn.Embedding(10, 3, max_norm=1.0, norm_type=1.0)),
]
IDS = [spec[0] for spec in LAYERS]
INDEX = np.array([[0, 2, 9, 2], [5, 9, 9, 1]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name, make", LAYERS, ids=IDS)
def test_layer_matches_torch(name, make, dtype):
    """Rows, the weight's gradient and its second derivative through a square."""
    torch = pytest.importorskip("torch")
    ours, theirs = assert_layer_matches(torch, make, lambda layer, i: layer(i) ** 2, INDEX,
                                        dtype=dtype, training=True,
                                        second_order=dtype == np.float64)
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(),
                               rtol=1e-6, err_msg="the table after max_norm's renormalisation")


@pytest.mark.parametrize("name, make", LAYERS, ids=IDS)
def test_state_dict_keys_repr_and_default_initialisation_match_torch(name, make):
    """Keys and repr as PyTorch's; the table drawn from N(0, 1) with the padding row zero."""
    torch = pytest.importorskip("torch")
    ours, theirs = make(nx), make(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.weight.shape == tuple(theirs.weight.shape) and ours.weight.dtype == nx.float32
    assert repr(ours) == repr(theirs)
    assert ours.padding_idx == theirs.padding_idx
    if ours.padding_idx is not None:
        assert not ours.weight.numpy()[ours.padding_idx].any()
    big = make(nx).__class__(2000, 50)
    assert abs(big.weight.numpy().std() - 1) < 0.02 and abs(big.weight.numpy().mean()) < 0.02


def test_from_pretrained_shares_the_table_and_freezes_it_as_torch():
    torch = pytest.importorskip("torch")
    table = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    ours = nx.nn.Embedding.from_pretrained(nx.tensor(table), padding_idx=1)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), padding_idx=1)
    assert repr(ours) == repr(theirs)
    assert not ours.weight.requires_grad and not theirs.weight.requires_grad
    np.testing.assert_array_equal(ours.weight.numpy(), table)  # not zeroed at padding_idx
    trainable = nx.nn.Embedding.from_pretrained(nx.tensor(table), freeze=False)
    assert trainable.weight.requires_grad
    out = trainable(nx.tensor([[1, 3]]))
    out.sum().backward()
    np.testing.assert_array_equal(trainable.weight.grad.numpy()[[1, 3]], np.ones((2, 3)))


def test_padding_row_stays_fixed_through_an_optimizer_step():
    torch = pytest.importorskip("torch")
    ours, theirs = torch_pair(torch, lambda lib: lib.nn.Embedding(5, 2, padding_idx=0),
                              training=True)
    index = np.array([0, 1, 0, 4])
    for layer, lib, idx in ((ours, nx, nx.tensor(index)), (theirs, torch, torch.tensor(index))):
        optimizer = lib.optim.SGD(layer.parameters(), lr=0.5)
        layer(idx).pow(2).sum().backward()
        optimizer.step()
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-12)
    assert not ours.weight.numpy()[0].any()


def test_errors():
    with pytest.raises(ValueError, match=r"Embedding: padding_idx 10 must be within "
                                         r"num_embeddings \(10\)"):
        nx.nn.Embedding(10, 3, padding_idx=10)
    with pytest.raises(ValueError, match="Embedding: sparse=True is not supported"):
        nx.nn.Embedding(10, 3, sparse=True)
    with pytest.raises(ValueError, match=r"Embedding: the shape of _weight \(3, 3\)"):
        nx.nn.Embedding(10, 3, _weight=nx.zeros(3, 3))
    with pytest.raises(ValueError, match=r"from_pretrained: embeddings must be 2-D"):
        nx.nn.Embedding.from_pretrained(nx.zeros(3))
    with pytest.raises(IndexError, match=r"embedding: index 10 is out of range.*\(10, 3\)"):
        nx.nn.Embedding(10, 3)(nx.tensor([10]))
