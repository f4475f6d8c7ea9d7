"""``nx.autograd``: the engine's public face, as ``torch.autograd``.

``grad`` and ``backward`` take derivatives (to any order with ``create_graph=True``),
``Function`` defines a new op, the grad-mode contexts switch recording, ``gradcheck`` and
``gradgradcheck`` prove first and second derivatives right, and ``functional`` builds
Jacobians, Hessians and their products from ``grad``. The engine itself lives in
``neurenix/core/autograd.py``.
"""
from ..core.autograd import (Function, backward, detect_anomaly, enable_grad, grad,
                             inference_mode, is_grad_enabled, no_grad, set_grad_enabled)
from ..core.gradcheck import GradcheckError, gradcheck, gradgradcheck
from . import functional

__all__ = ["Function", "GradcheckError", "backward", "detect_anomaly", "enable_grad",
           "functional", "grad", "gradcheck", "gradgradcheck", "inference_mode",
           "is_grad_enabled", "no_grad", "set_grad_enabled"]
