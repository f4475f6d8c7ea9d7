"""Adagrad: each weight's step shrinks with the sum of its squared gradients so far."""
import numpy as np

from ..core.tensor import Tensor
from .optimizer import Optimizer, check_nonnegative, first_state


class Adagrad(Optimizer):
    """Adagrad, step for step as ``torch.optim.Adagrad``.

    For each parameter p with gradient g (negated when ``maximize``), at step t::

        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g**2                     (sum starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(sum) + eps)

    Args:
        params: parameters or parameter groups.  lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay per step (default 0).  weight_decay: L2 penalty
            (default 0).  initial_accumulator_value: the starting value of ``sum`` (default
            0).  eps: added to the denominator (default 1e-10).
        foreach, fused: accepted for PyTorch's signature; they choose kernels there and
            change nothing here.
        maximize: ascend instead of descend.
        differentiable: only False (the step runs under ``no_grad``).
    State: ``step`` (a float32 scalar tensor) and ``sum``, of the parameter's shape and dtype,
        made for every parameter when the optimizer is built (so the state dict lists them
        all before the first step), as PyTorch does. As in PyTorch, ``sum`` starts from the
        constructor's ``initial_accumulator_value``: a per-group value is stored but unused.
    Raises: ValueError for a negative lr, lr_decay, weight_decay, initial_accumulator_value
        or eps, or for ``differentiable=True``.
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, fused=None):
        check_nonnegative("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value, eps=eps)
        if differentiable:
            raise ValueError("Adagrad: differentiable=True is not supported; the step runs "
                             "under no_grad")
        # The group keys and their order are PyTorch's, so state dicts match key for key.
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = self._first_state(p)

    def _first_state(self, p: Tensor) -> dict:
        state = first_state(p, ["sum"])
        state["sum"].data += self.defaults["initial_accumulator_value"]
        return state

    def _step_group(self, group: dict) -> None:
        # Python floats: a NumPy float64 hyperparameter would promote float32 arrays.
        lr, lr_decay, eps = (float(group[k]) for k in ("lr", "lr_decay", "eps"))
        weight_decay = float(group["weight_decay"])
        for p, g, state in self._with_grads(group):
            if not state:  # a parameter added by add_param_group after construction
                state.update(self._first_state(p))
            state["step"].data += 1
            step = float(state["step"].data)
            if weight_decay != 0:
                g = g + weight_decay * p.data
            clr = lr / (1 + (step - 1) * lr_decay)
            total = state["sum"].data
            total += g * g
            denom = np.sqrt(total)
            denom += eps
            p.data -= clr * (g / denom)
