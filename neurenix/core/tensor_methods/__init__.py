"""Tensor's methods by op family, as mixins of ``Tensor`` (``tensor.py`` keeps the data, autograd
and operators). Each method calls its op; the op modules are imported at the end of ``tensor.py``
and reached through the ``ops`` package at call time, which breaks the import cycle
ops -> tensor -> methods -> ops."""
from .creation import CreationMethods
from .elementwise import ElementwiseMethods
from .index import IndexMethods
from .inplace import InplaceMethods
from .logical import LogicalMethods
from .math import MathMethods
from .reduce import ReductionMethods
from .shape import ShapeMethods

__all__ = ["CreationMethods", "ElementwiseMethods", "IndexMethods", "InplaceMethods",
           "LogicalMethods", "MathMethods", "ReductionMethods", "ShapeMethods"]
