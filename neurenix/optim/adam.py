"""Adam and AdamW."""
import math

import numpy as np

from .optimizer import Optimizer, first_state, in_blocks


class Adam(Optimizer):
    """Adam, step for step as ``torch.optim.Adam``.

    For each parameter p with gradient g, at step t::

        g = g + weight_decay * p                 (Adam's L2 penalty), or
        p = p * (1 - lr * weight_decay)          (decoupled_weight_decay, i.e. AdamW)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        v_max = max(v_max, v)                    (amsgrad: use v_max below instead of v)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

    Args:
        params: parameters or parameter groups.  lr: learning rate (default 1e-3).
        betas: (beta1, beta2), default (0.9, 0.999).  eps: default 1e-8.
        weight_decay: default 0.  amsgrad: keep the maximum of v.  maximize: ascend.
        decoupled_weight_decay: shrink the weights directly (AdamW) instead of adding to g.
    State: ``step`` (a float32 scalar tensor), ``exp_avg``, ``exp_avg_sq`` and, with amsgrad,
        ``max_exp_avg_sq``, each of the parameter's shape and dtype.
    Raises: ValueError for a negative lr, eps or weight_decay, or a beta outside [0, 1).
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False):
        name = type(self).__name__
        if lr < 0:
            raise ValueError(f"{name}: invalid learning rate: {lr}")
        if eps < 0:
            raise ValueError(f"{name}: invalid epsilon value: {eps}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name}: invalid beta parameter at index {i}: {beta}")
        if weight_decay < 0:
            raise ValueError(f"{name}: invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _step_group(self, group: dict) -> None:
        # Python floats: a NumPy float64 hyperparameter would promote float32 arrays.
        lr, eps, weight_decay = (float(group[k]) for k in ("lr", "eps", "weight_decay"))
        beta1, beta2 = (float(b) for b in group["betas"])
        decoupled, amsgrad = group["decoupled_weight_decay"], group["amsgrad"]

        def update(p, g, m, v, v_max, step_size, bias2_sqrt):  # in place, on one block
            tmp = np.empty_like(g)  # the one scratch array, block-sized
            if weight_decay != 0:
                if decoupled:
                    p *= 1 - lr * weight_decay              # p = p * (1 - lr * wd)
                else:
                    g = g + weight_decay * p                # g = g + wd * p
            np.subtract(g, m, out=tmp)                      # m = m + (1 - beta1)(g - m),
            tmp *= 1 - beta1                                # PyTorch's lerp form of
            m += tmp                                        # beta1 m + (1 - beta1) g
            v *= beta2                                      # v = beta2 v
            np.multiply(g, g, out=tmp)
            tmp *= 1 - beta2
            v += tmp                                        #     + (1 - beta2) g**2
            if v_max is not None:
                np.maximum(v_max, v, out=v_max)             # v_max = max(v_max, v)
                v = v_max
            np.sqrt(v, out=tmp)                             # sqrt(v) / sqrt(1 - beta2**t)
            tmp /= bias2_sqrt
            tmp += eps                                      #     + eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size                                # lr / (1 - beta1**t) m / ...
            p -= tmp

        for p, g, state in self._with_grads(group):
            if not state:
                state.update(first_state(p, ["exp_avg", "exp_avg_sq"]
                                         + ["max_exp_avg_sq"] * amsgrad))
            state["step"].data += 1
            step = float(state["step"].data)
            step_size, bias2_sqrt = lr / (1 - beta1 ** step), math.sqrt(1 - beta2 ** step)
            v_max = state["max_exp_avg_sq"].data if amsgrad else None
            in_blocks(update, (p.data, g, state["exp_avg"].data, state["exp_avg_sq"].data,
                               v_max), step_size, bias2_sqrt)


class AdamW(Adam):
    """Adam with decoupled weight decay (default 1e-2): the weights shrink by lr * weight_decay
    each step, independent of the gradient's scale, as ``torch.optim.AdamW``.

    Args: as Adam; ``weight_decay`` defaults to 1e-2.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
