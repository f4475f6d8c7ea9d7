"""neurenix: a deep-learning framework written from scratch on NumPy.

``import neurenix as nx`` gives the Tensor, the ops and factories, ``nx.no_grad``,
``nx.gradcheck``, ``nx.save`` / ``nx.load``, and the sub-packages ``nx.nn``, ``nx.optim``,
``nx.data``, ``nx.linalg``, ``nx.autograd``, ``nx.multiscale`` and ``nx.onnx`` (export).
"""
from .core import *  # noqa: F401,F403  (the public core API is listed in core/__init__.py)
from . import autograd  # noqa: E402  (the package: grad, functional, gradgradcheck)
from . import linalg  # noqa: E402  (vector_norm, matrix_norm, norm)
from . import nn, optim, data  # noqa: E402
from . import multiscale  # noqa: E402  (after nn: it is built from nn layers)
from . import viz  # noqa: E402
from . import onnx  # noqa: E402  (imports the onnx package only inside export)
from .serialization import SerializationError, load, save  # noqa: E402  (above nn)

__version__ = "0.1.0"
