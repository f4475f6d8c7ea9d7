"""RMSprop: gradient steps divided by a running root mean square of the gradient."""
import numpy as np

from .optimizer import Optimizer, check_nonnegative, first_state


class RMSprop(Optimizer):
    """RMSprop, step for step as ``torch.optim.RMSprop``.

    For each parameter p with gradient g (negated when ``maximize``)::

        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        g_avg = g_avg + (1 - alpha) * (g - g_avg)          (centered only)
        denom = sqrt(v - g_avg**2) + eps if centered else sqrt(v) + eps
        buf = momentum * buf + g / denom;  p = p - lr * buf   (momentum > 0)
        p = p - lr * g / denom                                (momentum == 0)

    ``eps`` is added after the square root (TensorFlow adds it inside), as PyTorch does.

    Args:
        params: parameters or parameter groups.  lr: learning rate (default 1e-2).
        alpha: smoothing constant of the running averages (default 0.99).
        eps: added to the denominator (default 1e-8).  weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).  centered: divide by an estimate of the
            gradient's variance instead of its raw second moment.
        capturable, foreach: accepted for PyTorch's signature; they choose kernels and
            devices there and change nothing here.
        maximize: ascend instead of descend.
        differentiable: only False (the step runs under ``no_grad``).
    State: ``step`` (a float32 scalar tensor), ``square_avg`` and, with momentum,
        ``momentum_buffer``, with centered, ``grad_avg``; each of the parameter's shape and
        dtype.
    Raises: ValueError for a negative lr, eps, momentum, weight_decay or alpha, or for
        ``differentiable=True``.
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach=None, maximize: bool = False,
                 differentiable: bool = False):
        check_nonnegative("RMSprop", lr=lr, eps=eps, momentum=momentum,
                          weight_decay=weight_decay, alpha=alpha)
        if differentiable:
            raise ValueError("RMSprop: differentiable=True is not supported; the step runs "
                             "under no_grad")
        # The group keys and their order are PyTorch's, so state dicts match key for key.
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _step_group(self, group: dict) -> None:
        # Python floats: a NumPy float64 hyperparameter would promote float32 arrays.
        lr, alpha, eps = (float(group[k]) for k in ("lr", "alpha", "eps"))
        weight_decay, momentum = float(group["weight_decay"]), float(group["momentum"])
        for p, g, state in self._with_grads(group):
            if not state:
                state.update(first_state(p, ["square_avg"] + ["momentum_buffer"] * (momentum > 0)
                                         + ["grad_avg"] * group["centered"]))
            state["step"].data += 1  # counted, as PyTorch does, though the update ignores it
            if weight_decay != 0:
                g = g + weight_decay * p.data
            v = state["square_avg"].data
            v *= alpha
            v += (1 - alpha) * (g * g)
            if group["centered"]:
                g_avg = state["grad_avg"].data
                g_avg += (1 - alpha) * (g - g_avg)  # PyTorch's lerp toward g
                denom = v - g_avg * g_avg
                np.sqrt(denom, out=denom)
            else:
                denom = np.sqrt(v)
            denom += eps
            if momentum > 0:
                buf = state["momentum_buffer"].data
                buf *= momentum
                buf += g / denom
                p.data -= lr * buf
            else:
                p.data -= lr * (g / denom)
