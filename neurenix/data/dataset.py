"""Datasets: anything with ``__getitem__`` and ``__len__``; tensors side by side; subsets and
random splits."""
import math

import numpy as np

from ..core import random
from ..core.tensor import Tensor


class Dataset:
    """Base class of map-style datasets: subclass it and define ``__getitem__(index)`` (one
    sample) and ``__len__()``. ``a + b`` concatenates two datasets."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")  # abstract

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")  # abstract

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the i-th rows of each tensor: ``dataset[i] == (x[i], y[i])``.

    Args: *tensors: Tensors (or NumPy arrays, wrapped with their dtype kept) with the same
        first dimension N.
    Shape: tensors (N, *) each -> a sample is a tuple of (*) rows, in each tensor's dtype
        (e.g. float32 images (C, H, W) and int64 class indices ()).
    Raises: ValueError naming every shape when the first dimensions differ (or a tensor is
        0-d), or when no tensor is given.
    """

    def __init__(self, *tensors):
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if None in sizes or len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors: every tensor needs "
                             f"the same first dimension, got shapes "
                             f"{[t.shape for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Args: dataset: any Dataset.  indices: a sequence of ints into it.
    ``subset[i]`` is ``dataset[indices[i]]``; a list of positions gives a list of samples.
    """

    def __init__(self, dataset: Dataset, indices):
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index):
        if isinstance(index, (list, tuple)):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The datasets one after another: indices 0 .. len(a)-1 are ``a``'s, then ``b``'s...

    Args: datasets: a non-empty iterable of Datasets.
    Raises: ValueError for an empty iterable; IndexError naming the index and the length.
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int):
        if index < 0:
            if -index > len(self):
                raise IndexError(f"ConcatDataset: index {index} is out of range for length "
                                 f"{len(self)}")
            index += len(self)
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        if which == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} is out of range for length "
                             f"{len(self)}")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(dataset: Dataset, lengths, generator=None) -> list:
    """Split ``dataset`` into non-overlapping random Subsets.

    Args:
        dataset: what to split.
        lengths: the subsets' lengths (summing to ``len(dataset)``), or fractions summing to 1:
            each gets floor(fraction * len), and the remainder is dealt one by one from the
            first subset on, as PyTorch does.
        generator: a ``numpy.random.Generator``; default neurenix's generator (so
            ``nx.manual_seed`` makes the split reproducible).
    Returns: a list of Subsets.
    Raises: ValueError when the lengths do not add up.
    """
    lengths = list(lengths)
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        if any(not 0 <= f <= 1 for f in lengths):
            raise ValueError(f"random_split: fractions must be in [0, 1], got {lengths}")
        sizes = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal "
                         f"the length of the input dataset ({n})")
    gen = generator if generator is not None else random.default_generator()
    order = gen.permutation(n).tolist()
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start:start + length]))
        start += length
    return subsets
