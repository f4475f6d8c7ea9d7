"""TensorDataset, Subset, ConcatDataset and random_split."""
import numpy as np
import pytest

import neurenix as nx
from neurenix.data import ConcatDataset, Subset, TensorDataset, random_split


def test_tensor_dataset_indexes_each_tensor():
    x, y = nx.randn(5, 3), nx.arange(5)
    ds = TensorDataset(x, y)
    assert len(ds) == 5
    a, b = ds[2]
    np.testing.assert_array_equal(a.numpy(), x.numpy()[2])
    assert b.item() == 2
    assert TensorDataset(np.zeros((4, 2)))[3][0].shape == (2,)
    with pytest.raises(ValueError, match=r"size mismatch.*\[\(5, 3\), \(4,\)\]"):
        TensorDataset(x, nx.arange(4))


def test_subset_and_concat():
    ds = TensorDataset(nx.arange(6))
    sub = Subset(ds, [4, 0, 2])
    assert len(sub) == 3 and sub[0][0].item() == 4 and sub[-1][0].item() == 2
    both = ds + sub
    assert isinstance(both, ConcatDataset) and len(both) == 9
    assert [both[i][0].item() for i in (0, 5, 6, 8, -1)] == [0, 5, 4, 2, 2]
    with pytest.raises(IndexError, match="out of range"):
        both[9]


@pytest.mark.parametrize("lengths, expected", [
    ([7, 3], [7, 3]),
    ([0.5, 0.5], [5, 5]),
    ([0.3, 0.3, 0.4], [3, 3, 4]),
    ([0.33, 0.33, 0.34], [4, 3, 3]),  # floors 3, 3, 3; the remainder goes to the first
])
def test_random_split_lengths_like_torch(lengths, expected):
    torch = pytest.importorskip("torch")
    parts = random_split(TensorDataset(nx.arange(10)), lengths)
    assert [len(p) for p in parts] == expected == [
        len(p) for p in torch.utils.data.random_split(range(10), lengths)]
    values = sorted(p[i][0].item() for p in parts for i in range(len(p)))
    assert values == list(range(10))  # disjoint and complete


def test_random_split_is_reproducible_and_checks_lengths():
    ds = TensorDataset(nx.arange(20))
    nx.manual_seed(5)
    a = [p.indices for p in random_split(ds, [10, 10])]
    nx.manual_seed(5)
    assert [p.indices for p in random_split(ds, [10, 10])] == a
    gen_a = random_split(ds, [0.5, 0.5], generator=np.random.default_rng(1))
    gen_b = random_split(ds, [0.5, 0.5], generator=np.random.default_rng(1))
    assert [p.indices for p in gen_a] == [p.indices for p in gen_b]
    with pytest.raises(ValueError, match=r"sum of input lengths \(19\) does not equal the "
                                         r"length of the input dataset \(20\)"):
        random_split(ds, [10, 9])
