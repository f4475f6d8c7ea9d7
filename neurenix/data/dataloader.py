"""DataLoader: batches of samples from a Dataset, optionally shuffled, collated into Tensors."""
import math
from collections.abc import Mapping, Sequence

import numpy as np

from ..core import random
from ..core.ops.shape import stack
from ..core.tensor import Tensor


def default_collate(batch):
    """Merge a list of samples into a batch, as PyTorch's ``default_collate``.

    Tensors and NumPy arrays are stacked along a new first axis into a Tensor (dtype kept);
    Python floats become a float64 Tensor, ints int64 and bools bool (PyTorch's choice); NumPy
    scalars keep their dtype. Tuples, lists, named tuples and dicts are collated field by field,
    strings are left as a list.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        if any(t.requires_grad for t in batch):
            return stack(batch)  # keeps the graph
        return Tensor._wrap(np.stack([t.data for t in batch]))
    if isinstance(elem, (np.ndarray, np.generic)):
        return Tensor._wrap(np.stack([np.asarray(b) for b in batch]))
    if isinstance(elem, bool):
        return Tensor._wrap(np.array(batch, dtype=np.bool_))
    if isinstance(elem, int):
        return Tensor._wrap(np.array(batch, dtype=np.int64))
    if isinstance(elem, float):
        return Tensor._wrap(np.array(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of "
                               "equal size")
        fields = [default_collate(list(field)) for field in zip(*batch)]
        return tuple(fields) if isinstance(elem, tuple) else fields
    raise TypeError(f"default_collate: batch must contain Tensors, NumPy arrays, numbers, "
                    f"dicts or lists; found {type(elem).__name__}")


def default_convert(sample):
    """Turn the NumPy arrays and NumPy scalars in one sample into Tensors, as PyTorch's
    ``default_convert``: what a DataLoader with ``batch_size=None`` applies to each sample.

    Mappings, named tuples and lists are converted field by field (a plain tuple becomes a
    list, PyTorch's backward-compatible choice); anything else is returned unchanged.
    """
    if isinstance(sample, np.ndarray) and sample.dtype.kind not in "USO":
        return Tensor._wrap(sample)
    if isinstance(sample, np.generic) and sample.dtype.kind not in "USO":
        return Tensor._wrap(np.asarray(sample))
    if isinstance(sample, Mapping):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):  # a named tuple
        return type(sample)(*(default_convert(field) for field in sample))
    if isinstance(sample, (list, tuple)):
        return [default_convert(field) for field in sample]
    return sample


class DataLoader:
    """Iterates over ``dataset`` in batches.

    Args:
        dataset: a Dataset (anything with ``__getitem__`` and ``__len__``).
        batch_size: samples per batch (None: yield single samples, each passed through
            ``collate_fn``, by default ``default_convert``).
        shuffle: a new random order at every ``iter()``, drawn from ``generator`` or else from
            neurenix's generator, so ``nx.manual_seed`` makes it reproducible.
        sampler: an iterable of indices to use instead of 0 .. len-1 (not with shuffle).
        num_workers, pin_memory: accepted for PyTorch compatibility; loading happens in this
            process.
        drop_last: drop a last batch smaller than ``batch_size``.
        collate_fn: merges a list of samples into a batch (default ``default_collate``); with
            ``batch_size=None``, converts one sample.
        generator: a ``numpy.random.Generator`` for the shuffling.
    Shape: with TensorDataset(x, y) of x (N, *) and y (N,), each batch is a tuple of
        (B, *) and (B,) Tensors, B = batch_size (less for the last unless drop_last), dtypes
        kept (see ``default_collate``).
    Raises: ValueError for a batch_size that is not a positive int or None, or a sampler
        given with shuffle.
    """

    def __init__(self, dataset, batch_size=1, shuffle: bool = False, sampler=None,
                 num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, generator=None):
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size should be a positive integer or None, "
                             f"got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.sampler, self.num_workers, self.pin_memory = sampler, num_workers, pin_memory
        if collate_fn is None:
            collate_fn = default_collate if batch_size is not None else default_convert
        self.collate_fn = collate_fn
        self.drop_last, self.generator = drop_last, generator

    def _indices(self) -> list:
        if self.sampler is not None:
            return list(self.sampler)
        if self.shuffle:
            gen = self.generator if self.generator is not None else random.default_generator()
            return gen.permutation(len(self.dataset)).tolist()
        return list(range(len(self.dataset)))

    def __iter__(self):
        indices = self._indices()
        if self.batch_size is None:
            for i in indices:
                yield self.collate_fn(self.dataset[i])
            return
        for start in range(0, len(indices), self.batch_size):
            chunk = indices[start:start + self.batch_size]
            if len(chunk) < self.batch_size and self.drop_last:
                return
            yield self.collate_fn([self.dataset[i] for i in chunk])

    def __len__(self) -> int:
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
