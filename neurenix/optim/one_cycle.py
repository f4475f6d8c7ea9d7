"""OneCycleLR: the 1cycle policy, warming the learning rate up to a peak and annealing it
far below where it started, with momentum cycled the opposite way."""
import math

from .optimizer import Optimizer
from .scheduler import LRScheduler, check_optimizer, per_group


class OneCycleLR(LRScheduler):
    """The 1cycle learning-rate policy (Smith, "Super-Convergence"), step for step as
    ``torch.optim.lr_scheduler.OneCycleLR``. Call ``step()`` after every batch.

    Each group's rate goes from ``initial_lr = max_lr / div_factor`` up to ``max_lr`` over
    the first ``pct_start`` of the steps, then down to ``min_lr = initial_lr /
    final_div_factor`` by the last step. With ``three_phase``, it first comes back down to
    initial_lr (mirroring the warm-up) and only then anneals to min_lr. Momentum (or Adam's
    beta1) moves from max_momentum to base_momentum and back, inversely to the rate.

    Args:
        optimizer: the Optimizer whose ``lr`` (and momentum) it sets.
        max_lr: the peak learning rate, one for all groups or a list.
        total_steps: the number of steps in the cycle; or give ``epochs`` and
            ``steps_per_epoch`` and it is their product.
        pct_start: the fraction of the steps spent warming up (a float, default 0.3).
        anneal_strategy: "cos" (default) or "linear" interpolation within a phase.
        cycle_momentum: cycle ``momentum``, or ``betas[0]`` for an optimizer with betas
            (default True).  base_momentum, max_momentum: its range (default 0.85, 0.95),
            one for all groups or a list.
        div_factor: initial_lr = max_lr / div_factor (default 25).
        final_div_factor: min_lr = initial_lr / final_div_factor (default 1e4).
        three_phase: use the three-phase schedule described above (default False).
        last_epoch: the index of the last batch when resuming (default -1: start fresh).
    Raises: ValueError for a missing or non-positive step count, a pct_start that is not a
        float in [0, 1], an unknown anneal_strategy, cycle_momentum with an optimizer that
        has neither momentum nor betas, a list whose length is not the number of groups, or
        stepping past total_steps.
    """

    def __init__(self, optimizer: Optimizer, max_lr, total_steps: int = None,
                 epochs: int = None, steps_per_epoch: int = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum=0.85, max_momentum=0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1):
        check_optimizer(optimizer)
        self.optimizer = optimizer
        self.total_steps = _total_steps(total_steps, epochs, steps_per_epoch)
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: expected a float pct_start in [0, 1], got "
                             f"{pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self._anneal_func_type = anneal_strategy
        # Each phase: the step it ends on, and the group keys its rate and momentum run
        # between. The phases' end steps are PyTorch's, float rounding included.
        warm_up = float(pct_start * self.total_steps) - 1
        last = self.total_steps - 1
        if three_phase:
            self._schedule_phases = [
                _phase(warm_up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(float(2 * pct_start * self.total_steps) - 2, "max_lr", "initial_lr",
                       "base_momentum", "max_momentum"),
                _phase(last, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self._schedule_phases = [
                _phase(warm_up, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                _phase(last, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        max_lrs = per_group("OneCycleLR", "max_lr", max_lr, optimizer)
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"OneCycleLR: cycle_momentum=True needs an optimizer with "
                                 f"momentum or betas; {type(optimizer).__name__} has neither")
            self.use_beta1 = "betas" in optimizer.defaults
            highs = per_group("OneCycleLR", "max_momentum", max_momentum, optimizer)
            lows = per_group("OneCycleLR", "base_momentum", base_momentum, optimizer)
            if last_epoch == -1:
                for group, high, low in zip(optimizer.param_groups, highs, lows):
                    self._set_momentum(group, high)
                    group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict, value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        """From ``start`` (pct 0) to ``end`` (pct 1), on a half cosine or a straight line."""
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list:
        """Each group's rate at step ``last_epoch``, from the phase that step falls in; sets
        the momentum too (when cycling it), as PyTorch does."""
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; total_steps is "
                             f"{self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step - start_step) / (end_step - start_step)
                    break
                start_step = end_step
            lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
            if self.cycle_momentum:
                self._set_momentum(group, self._anneal(group[phase["start_momentum"]],
                                                       group[phase["end_momentum"]], pct))
        return lrs


def _total_steps(total_steps, epochs, steps_per_epoch) -> int:
    """``total_steps`` if given, else ``epochs * steps_per_epoch``, each a positive int."""
    if total_steps is not None:
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"OneCycleLR: expected a positive integer total_steps, got "
                             f"{total_steps!r}")
        return total_steps
    if epochs is None or steps_per_epoch is None:
        raise ValueError("OneCycleLR: give either total_steps or both epochs and "
                         "steps_per_epoch")
    for name, value in (("epochs", epochs), ("steps_per_epoch", steps_per_epoch)):
        if not isinstance(value, int) or value <= 0:
            raise ValueError(f"OneCycleLR: expected a positive integer {name}, got {value!r}")
    return epochs * steps_per_epoch


def _phase(end_step: float, start_lr: str, end_lr: str, start_momentum: str,
           end_momentum: str) -> dict:
    return {"end_step": end_step, "start_lr": start_lr, "end_lr": end_lr,
            "start_momentum": start_momentum, "end_momentum": end_momentum}
