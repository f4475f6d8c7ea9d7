"""Tensor's methods by op family, as mixins of ``Tensor`` (``tensor.py`` keeps the data, autograd,
in-place updates and operators). Each method is one line calling its op; the op modules are
imported at the end of ``tensor.py`` and reached through the ``ops`` package at call time, which
breaks the import cycle ops -> tensor -> methods -> ops."""
from .elementwise import ElementwiseMethods
from .reduce import ReductionMethods
from .shape import ShapeMethods

__all__ = ["ElementwiseMethods", "ReductionMethods", "ShapeMethods"]
