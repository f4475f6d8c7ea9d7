"""DataLoader: batching, shuffling under nx.manual_seed, drop_last, collation."""
from collections import namedtuple

import numpy as np
import pytest

import neurenix as nx
from neurenix.data import DataLoader, Dataset, TensorDataset, default_collate


def _dataset(n=10):
    return TensorDataset(nx.arange(n).reshape(n, 1) * 1.0, nx.arange(n))


def _labels(loader):
    return [batch[1].tolist() for batch in loader]


def test_batches_in_order_with_a_short_last_batch():
    loader = DataLoader(_dataset(), batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert [b[0].shape for b in batches] == [(4, 1), (4, 1), (2, 1)]
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64


def test_drop_last():
    loader = DataLoader(_dataset(), batch_size=4, drop_last=True)
    assert len(loader) == 2 and _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(_dataset(8), batch_size=4, drop_last=True)) == 2


def test_shuffle_is_a_permutation_reproducible_under_manual_seed():
    loader = DataLoader(_dataset(), batch_size=3, shuffle=True)
    nx.manual_seed(0)
    first, second = _labels(loader), _labels(loader)
    assert sorted(sum(first, [])) == list(range(10))
    assert first != second  # a new order every epoch
    nx.manual_seed(0)
    assert _labels(loader) == first and _labels(loader) == second


def test_shuffle_with_its_own_generator():
    a = DataLoader(_dataset(), batch_size=5, shuffle=True, generator=np.random.default_rng(4))
    b = DataLoader(_dataset(), batch_size=5, shuffle=True, generator=np.random.default_rng(4))
    assert _labels(a) == _labels(b)


def test_batch_size_none_and_sampler():
    samples = list(DataLoader(_dataset(3), batch_size=None))
    assert [s[1].item() for s in samples] == [0, 1, 2]
    loader = DataLoader(_dataset(), batch_size=2, sampler=[9, 0, 5])
    assert len(loader) == 2 and _labels(loader) == [[9, 0], [5]]
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(_dataset(), sampler=[0], shuffle=True)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(_dataset(), batch_size=0)


Point = namedtuple("Point", ["xy", "label"])


def test_default_collate_recurses_like_torch():
    batch = default_collate([
        {"image": np.ones((2, 2), np.float32), "meta": (1, 0.5, "a", True),
         "point": Point(nx.tensor([1.0, 2.0]), 3)},
        {"image": np.zeros((2, 2), np.float32), "meta": (2, 1.5, "b", False),
         "point": Point(nx.tensor([3.0, 4.0]), 4)},
    ])
    assert batch["image"].shape == (2, 2, 2) and batch["image"].dtype == np.float32
    ints, floats, names, flags = batch["meta"]
    assert ints.dtype == np.int64 and ints.tolist() == [1, 2]
    assert floats.dtype == np.float64 and floats.tolist() == [0.5, 1.5]  # PyTorch's choice
    assert names == ["a", "b"] and flags.dtype == np.bool_
    assert isinstance(batch["point"], Point) and batch["point"].xy.shape == (2, 2)
    assert batch["point"].label.tolist() == [3, 4]


def test_default_collate_matches_torch_dtypes():
    torch = pytest.importorskip("torch")
    torch_collate = torch.utils.data.default_collate
    samples = [(np.float64(1.5), 2, 0.25, np.ones(3, np.float32)),
               (np.float64(2.5), 3, 0.75, np.zeros(3, np.float32))]
    for ours, theirs in zip(default_collate(samples), torch_collate(samples)):
        assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_collate_errors_and_custom_collate():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])
    loader = DataLoader(_dataset(4), batch_size=2, collate_fn=lambda samples: len(samples))
    assert list(loader) == [2, 2]


def test_custom_dataset_and_training_loop():
    class Squares(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return np.array([i], np.float32), np.array([i * i], np.float32)

    model = nx.nn.Linear(1, 1)
    opt = nx.optim.SGD(model.parameters(), lr=0.01)
    losses = []
    for _ in range(5):
        for x, y in DataLoader(Squares(), batch_size=3, shuffle=True):
            opt.zero_grad()
            loss = nx.nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_unbatched_samples_go_through_collate_fn_or_default_convert_as_in_torch():
    torch = pytest.importorskip("torch")
    samples = [{"x": np.arange(3.0), "y": np.int64(2), "pair": (np.float32(1), "a")}]

    def plain(value):
        if isinstance(value, (nx.Tensor, torch.Tensor)):
            return ("tensor", str(value.numpy().dtype), value.numpy().tolist())
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return (type(value).__name__, [plain(v) for v in value])
        return value

    ours = list(DataLoader(samples, batch_size=None))
    theirs = list(torch.utils.data.DataLoader(samples, batch_size=None))
    assert plain(ours) == plain(theirs)
    assert list(DataLoader([[1, 2]], batch_size=None, collate_fn=lambda s: ("c", s))) == \
        [("c", [1, 2])]
