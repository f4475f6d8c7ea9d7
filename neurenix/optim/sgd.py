"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""
import numpy as np

from ..core.tensor import Tensor
from .optimizer import Optimizer, in_blocks


class SGD(Optimizer):
    """Stochastic gradient descent, step for step as ``torch.optim.SGD``.

    For each parameter p with gradient g (negated when ``maximize``)::

        g = g + weight_decay * p
        buf = g                                    (first step)
        buf = momentum * buf + (1 - dampening) * g (later steps)
        g = g + momentum * buf if nesterov else buf   (when momentum != 0)
        p = p - lr * g

    Args:
        params: parameters or parameter groups.  lr: learning rate (default 1e-3).
        momentum, dampening, weight_decay: as above (default 0).
        nesterov: Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: ascend instead of descend.
    State: ``momentum_buffer`` per parameter (when momentum != 0), of the parameter's shape
        and dtype.
    Raises: ValueError for a negative lr, momentum or weight_decay, or Nesterov without
        momentum or with dampening.
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False):
        if lr < 0:
            raise ValueError(f"SGD: invalid learning rate: {lr}")
        if momentum < 0:
            raise ValueError(f"SGD: invalid momentum value: {momentum}")
        if weight_decay < 0:
            raise ValueError(f"SGD: invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _step_group(self, group: dict) -> None:
        # Python floats: a NumPy float64 hyperparameter would promote float32 arrays.
        lr, momentum, dampening = (float(group[k]) for k in ("lr", "momentum", "dampening"))
        weight_decay, nesterov = float(group["weight_decay"]), group["nesterov"]

        def update(p, g, buf, first):  # in place, on one block (see in_blocks)
            if weight_decay != 0:
                g = g + weight_decay * p                   # g = g + wd * p
            if buf is not None:
                if first:
                    np.copyto(buf, g)                      # buf = g (first step)
                else:
                    buf *= momentum                        # buf = momentum buf
                    buf += (1 - dampening) * g             #     + (1 - dampening) g
                g = g + momentum * buf if nesterov else buf
            p -= lr * g                                    # p = p - lr g

        for p in group["params"]:
            if p.grad is None:
                continue
            g = -p.grad.data if group["maximize"] else p.grad.data
            buf, first = None, False
            if momentum != 0:
                state = self.state.setdefault(p, {})
                first = "momentum_buffer" not in state
                if first:
                    state["momentum_buffer"] = Tensor._wrap(np.empty_like(p.data))
                buf = state["momentum_buffer"].data
            in_blocks(update, (p.data, g, buf), first)
