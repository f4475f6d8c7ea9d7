"""Tensor methods that make new tensors like this one: ``new_zeros``, ``new_ones``,
``new_full``, ``new_empty``, ``new_tensor``, and ``type_as``.

As in PyTorch, a new tensor takes this tensor's dtype (and device: the CPU) unless told
otherwise, and is a leaf that does not require grad.
"""


def _factories():
    """neurenix.core.factories, which imports ``Tensor``: reached at call time, as the ops are
    (see tensor_methods/__init__.py), since this module is loaded while ``Tensor`` is made."""
    from .. import factories
    return factories


class CreationMethods:
    """Mixed into ``Tensor``."""

    __slots__ = ()

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        """Zeros of shape ``size`` in this tensor's dtype (or ``dtype``); see ``nx.zeros``.

        Examples: ``x.new_zeros(2, 3)``, ``x.new_zeros((4,), dtype=nx.int64)``.
        """
        return _factories().zeros(*size, dtype=self.dtype if dtype is None else dtype,
                                  device=device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        """Ones of shape ``size`` in this tensor's dtype (or ``dtype``); see ``nx.ones``.

        Examples: ``x.new_ones(x.shape[0])``.
        """
        return _factories().ones(*size, dtype=self.dtype if dtype is None else dtype,
                                 device=device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
        """``fill_value`` in shape ``size``, in this tensor's dtype (or ``dtype``; the value is
        cast to it, so an int64 tensor's ``new_full((2,), 2.5)`` holds 2); see ``nx.full``.

        Examples: ``x.new_full((2, 2), -1.0)``.
        """
        return _factories().full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                                 device=device, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        """A tensor of shape ``size`` in this tensor's dtype (or ``dtype``), filled with zeros
        by neurenix; see ``nx.empty``.

        Examples: ``x.new_empty(3)``.
        """
        return _factories().empty(*size, dtype=self.dtype if dtype is None else dtype,
                                  device=device, requires_grad=requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
        """A new tensor copied from ``data``, in this tensor's dtype (or ``dtype``), cut from
        any graph; see ``nx.tensor``.

        Examples: ``x.new_tensor([1, 2])`` (in x's dtype).
        """
        return _factories().tensor(data, dtype=self.dtype if dtype is None else dtype,
                                   device=device, requires_grad=requires_grad)

    def type_as(self, other):
        """This tensor in ``other``'s dtype (differentiable; itself when it already has it).

        Examples: ``mask.type_as(x)`` (a bool mask as x's float dtype).
        """
        return self.to(other.dtype)
