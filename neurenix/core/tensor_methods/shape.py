"""Tensor methods that move data: reshape, permute, expand, split... each calls its op."""
from .. import ops as _ops  # the op modules are loaded by tensor.py; reached here at call time


class ShapeMethods:
    """Mixed into ``Tensor``."""

    __slots__ = ()

    @property
    def T(self) -> "Tensor":
        """All axes reversed (``permute(ndim-1, .., 0)``).  Shape: (a, .., z) -> (z, .., a)."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> "Tensor":
        """The last two axes swapped (a batch of matrices transposed).  (*, n, m) -> (*, m, n)."""
        return self.transpose(-2, -1)

    def reshape(self, *shape):
        """Same elements in ``shape`` (one entry may be -1); see ``nx.reshape``.  (*) -> shape."""
        return _ops.shape.reshape(self, *shape)

    def view(self, *shape):
        """As ``reshape`` (there are no strided views here).  (*) -> shape."""
        return _ops.shape.reshape(self, *shape)

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge axes ``start_dim`` .. ``end_dim``; see ``nx.flatten``.  (N, C, H, W) -> (N, C*H*W)
        with start_dim=1.
        """
        return _ops.shape.flatten(self, start_dim, end_dim)

    def transpose(self, dim0, dim1):
        """Swap axes ``dim0`` and ``dim1``; see ``nx.transpose``.
        (.., a, .., b) -> (.., b, .., a)."""
        return _ops.shape.transpose(self, dim0, dim1)

    def permute(self, *dims):
        """Axes reordered by ``dims``; see ``nx.permute``.  (d_0, ..) -> (d_dims[0], ..)."""
        return _ops.shape.permute(self, *dims)

    def t(self):
        """Transpose of a 2-D tensor: (n, m) -> (m, n); 0-d and 1-d tensors come back as is.

        Raises: ValueError for more than 2 dimensions (use ``transpose`` or ``permute``).
        """
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor of at most 2 dimensions, got shape {self.shape}; "
                             "use transpose(dim0, dim1) or permute")
        return _ops.shape.transpose(self, 0, 1) if self.ndim == 2 else self

    def unsqueeze(self, dim):
        """New axis of length 1 at ``dim``; see ``nx.unsqueeze``.  (a, b) -> (1, a, b) at dim=0."""
        return _ops.shape.unsqueeze(self, dim)

    def squeeze(self, dim=None):
        """Drop axes of length 1 (only ``dim`` if given); see ``nx.squeeze``.  (1, a, 1) -> (a,)."""
        return _ops.shape.squeeze(self, dim)

    def expand(self, *sizes):
        """Broadcast to ``sizes`` without copying (-1 keeps an axis); see ``nx.expand``."""
        return _ops.shape.expand(self, *sizes)

    def expand_as(self, other):
        """Broadcast to ``other.shape``; see ``expand``."""
        return _ops.shape.expand(self, *other.shape)

    def reshape_as(self, other):
        """Reshape to ``other.shape``; see ``reshape``."""
        return _ops.shape.reshape(self, *other.shape)

    view_as = reshape_as

    def contiguous(self):
        """This tensor itself: NumPy-backed tensors need no layout change."""
        return self

    def chunk(self, chunks, dim=0):
        """``chunks`` pieces along ``dim``, each of ceil(n / chunks) (the last may be shorter); see
        ``nx.chunk``.  Returns a list of tensors.
        """
        return _ops.shape.chunk(self, chunks, dim)

    def split(self, split_size, dim=0):
        """Pieces along ``dim`` of ``split_size`` each, or of the sizes in a list; see ``nx.split``.
        Returns a list of tensors.
        """
        return _ops.shape.split(self, split_size, dim)

    def swapaxes(self, axis0, axis1):
        """Swap axes ``axis0`` and ``axis1``; see ``nx.swapaxes``.  (.., a, .., b) -> (.., b, .., a).
        """
        return _ops.views.swapaxes(self, axis0, axis1)

    def swapdims(self, dim0, dim1):
        """Swap axes ``dim0`` and ``dim1``; see ``nx.swapdims``.  (.., a, .., b) -> (.., b, .., a).
        """
        return _ops.views.swapdims(self, dim0, dim1)

    def movedim(self, source, destination):
        """Axes ``source`` moved to ``destination``; see ``nx.movedim``.  (2, 3, 4) -> (3, 4, 2)
        for (0, -1)."""
        return _ops.views.movedim(self, source, destination)

    moveaxis = movedim

    def narrow(self, dim, start, length):
        """``length`` slices along ``dim`` from ``start``; see ``nx.narrow``.
        (.., n, ..) -> (.., length, ..)."""
        return _ops.views.narrow(self, dim, start, length)

    def unflatten(self, dim, sizes):
        """Axis ``dim`` split into ``sizes``; see ``nx.unflatten``.  (N, C*H*W) -> (N, C, H, W)."""
        return _ops.views.unflatten(self, dim, sizes)

    def unbind(self, dim=0):
        """The slices along ``dim`` as a tuple; see ``nx.unbind``.  (.., n, ..) -> n x (.., ..)."""
        return _ops.views.unbind(self, dim)

    def repeat(self, *repeats):
        """Copies along each axis (``repeats`` at least one per axis); see ``nx.repeat``.
        (a, b) -> (r0 * a, r1 * b)."""
        return _ops.tile.repeat(self, *repeats)

    def tile(self, *dims):
        """Copies along each axis, ``dims`` padded with leading 1s; see ``nx.tile``."""
        return _ops.tile.tile(self, *dims)

    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        """Each slice along ``dim`` repeated in place; see ``nx.repeat_interleave``.
        (.., n, ..) -> (.., sum(repeats), ..)."""
        return _ops.tile.repeat_interleave(self, repeats, dim, output_size=output_size)

    def flip(self, *dims):
        """Reversed along ``dims`` (a copy); see ``nx.flip``.  (*) -> (*)."""
        return _ops.tile.flip(self, dims)

    def fliplr(self):
        """Reversed along dim 1; see ``nx.fliplr``.  (n, m, *) -> (n, m, *)."""
        return _ops.tile.fliplr(self)

    def flipud(self):
        """Reversed along dim 0; see ``nx.flipud``.  (n, *) -> (n, *)."""
        return _ops.tile.flipud(self)

    def roll(self, shifts, dims=None):
        """Shifted cyclically along ``dims`` (None: flattened); see ``nx.roll``.  (*) -> (*)."""
        return _ops.tile.roll(self, shifts, dims)
