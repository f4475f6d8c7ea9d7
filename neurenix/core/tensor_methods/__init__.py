"""Tensor's methods by op family, as mixins of ``Tensor`` (``tensor.py`` keeps the data, autograd
and operators). Each method calls its op; the op modules are imported at the end of ``tensor.py``
and reached through the ``ops`` package at call time, which breaks the import cycle
ops -> tensor -> methods -> ops."""
from .elementwise import ElementwiseMethods
from .inplace import InplaceMethods
from .reduce import ReductionMethods
from .shape import ShapeMethods

__all__ = ["ElementwiseMethods", "InplaceMethods", "ReductionMethods", "ShapeMethods"]
