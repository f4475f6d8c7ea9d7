"""Learning-rate schedules, with ``torch.optim.lr_scheduler``'s recurrences, so the same calls
give the same learning rates.

Call ``scheduler.step()`` once per epoch (or iteration), after ``optimizer.step()``. Creating a
scheduler records each group's ``initial_lr`` and sets ``last_epoch`` to 0.

This module holds the schedules that are a rule of the epoch; the base class
(``scheduler.py``), OneCycleLR (``one_cycle.py``) and ReduceLROnPlateau (``plateau.py``) live
in their own files and are reachable from here, as in PyTorch.
"""
import math
import types
from bisect import bisect_right
from collections import Counter

from .one_cycle import OneCycleLR
from .optimizer import Optimizer
from .plateau import ReduceLROnPlateau
from .scheduler import LRScheduler, check_optimizer, per_group

__all__ = ["CosineAnnealingLR", "CosineAnnealingWarmRestarts", "ExponentialLR", "LRScheduler",
           "LambdaLR", "LinearLR", "MultiStepLR", "OneCycleLR", "ReduceLROnPlateau",
           "SequentialLR", "StepLR"]


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs:
    lr = base_lr * gamma ** (epoch // step_size).

    Args: optimizer, last_epoch: as LRScheduler.  step_size: epochs between decays (int).
        gamma: the decay factor (default 0.1).
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        """The current rates, times ``gamma`` when ``last_epoch`` is a multiple of step_size."""
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list:
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at each epoch listed in ``milestones``.

    Args: optimizer, last_epoch: as LRScheduler.  milestones: epochs (ints; a repeated one
        decays that many times).  gamma: the decay factor (default 0.1).
    """

    def __init__(self, optimizer: Optimizer, milestones, gamma: float = 0.1,
                 last_epoch: int = -1):
        self.milestones, self.gamma = Counter(milestones), gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        """The current rates, times ``gamma`` per occurrence of ``last_epoch`` in milestones."""
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in self._current_lrs()]

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a ``state_dict()``; the milestones become a Counter again (``nx.load`` gives
        a saved Counter back as a plain dict)."""
        super().load_state_dict(state_dict)
        self.milestones = Counter(self.milestones)

    def _get_closed_form_lr(self) -> list:
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch)
                for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch: lr = base_lr * gamma ** epoch.

    Args: optimizer, last_epoch: as LRScheduler.  gamma: the decay factor.
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        """The current rates times ``gamma`` (unchanged on the constructor's step)."""
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from the base learning rate down to ``eta_min`` over ``T_max`` epochs:
    lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2.

    Stepping uses PyTorch's recurrence (so a learning rate changed by hand carries through),
    which equals that closed form for an untouched schedule, and continues past T_max as a
    cosine wave, as PyTorch does.

    Args: optimizer, last_epoch: as LRScheduler.  T_max: epochs of a half period (int).
        eta_min: the lowest learning rate (default 0).
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1):
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        """PyTorch's cosine recurrence from the current rates (the closed form on resuming)."""
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and t > 0:  # resumed at epoch t
            return [eta_min + (base - eta_min) * (1 + math.cos(t * math.pi / T)) / 2
                    for base in self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:  # at a trough the ratio below would divide by zero
            return [lr + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for base, lr in zip(self.base_lrs, self._current_lrs())]
        return [(1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
                * (lr - eta_min) + eta_min for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list:
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(epoch), with one function or one per group.

    Args: optimizer, last_epoch: as LRScheduler.  lr_lambda: a function of the epoch (int)
        returning a factor, or a list with one per parameter group.
    Raises: ValueError when a list of lr_lambdas does not match the number of groups.
    """

    def __init__(self, optimizer: Optimizer, lr_lambda, last_epoch: int = -1):
        check_optimizer(optimizer)
        self.lr_lambdas = per_group("LambdaLR", "lr_lambda", lr_lambda, optimizer)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        """base_lr * lr_lambda(last_epoch) for each group."""
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict:
        """Every attribute but the optimizer; for ``lr_lambdas``, as PyTorch, None for a plain
        function (code, not state) and the attribute dict of a callable object."""
        state = super().state_dict()
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the attributes; the functions stay this scheduler's own (a callable
        object gets its saved attributes back)."""
        self.__dict__.update({k: v for k, v in state_dict.items() if k != "lr_lambdas"})
        for fn, saved in zip(self.lr_lambdas, state_dict.get("lr_lambdas", ())):
            if saved is not None:
                fn.__dict__.update(saved)


class LinearLR(LRScheduler):
    """Scale the base learning rate by a factor that moves linearly from ``start_factor`` to
    ``end_factor`` over ``total_iters`` epochs, then stays there:
    lr = base_lr * (start_factor + (end_factor - start_factor) * min(epoch, total_iters)
    / total_iters). Stepping uses PyTorch's recurrence (the ratio of successive factors).

    Args: optimizer, last_epoch: as LRScheduler.  start_factor: in (0, 1] (default 1/3).
        end_factor: in [0, 1] (default 1).  total_iters: epochs of the ramp (default 5).
    Raises: ValueError for a factor out of its range.
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1):
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        self.start_factor, self.end_factor, self.total_iters = start_factor, end_factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        """The current rates times start_factor at epoch 0, then times the ratio of this
        epoch's factor to the last one's, until total_iters."""
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in self._current_lrs()]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        slope = self.end_factor - self.start_factor
        ratio = 1.0 + slope / (self.total_iters * self.start_factor
                               + (self.last_epoch - 1) * slope)
        return [lr * ratio for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list:
        return [base * (self.start_factor + (self.end_factor - self.start_factor)
                        * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing that restarts from the base learning rate every T_i epochs (SGDR):
    lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2, where T_cur counts
    the epochs since the last restart and T_i starts at T_0, growing T_mult-fold per restart.

    ``step(epoch)`` accepts a fractional epoch (``epoch + i / iters`` to anneal per batch)
    and finds T_cur and T_i for it in closed form, as PyTorch does.

    Args: optimizer, last_epoch: as LRScheduler.  T_0: epochs to the first restart (int > 0).
        T_mult: growth of the period after a restart (int >= 1, default 1).  eta_min: the
        lowest learning rate (default 0).
    Raises: ValueError for a T_0, T_mult or eta_min of the wrong kind, or a negative epoch.
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1):
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected a positive integer T_0, "
                             f"got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected an integer T_mult >= 1, "
                             f"got {T_mult}")
        if not isinstance(eta_min, (float, int)):
            raise ValueError(f"CosineAnnealingWarmRestarts: expected a float or int eta_min, "
                             f"got {eta_min!r} of type {type(eta_min).__name__}")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        """The cosine at T_cur / T_i, from each group's base rate."""
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2 for base in self.base_lrs]

    def step(self, epoch=None) -> None:
        """Advance one epoch, restarting when T_cur reaches T_i; or jump to ``epoch`` (a float
        is fine), after which plain ``step()`` calls continue from there."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        elif epoch < 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: expected a non-negative epoch, "
                             f"got {epoch}")
        elif epoch < self.T_0:
            self.T_i, self.T_cur = self.T_0, epoch
        elif self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        else:
            # Periods T_0 * T_mult**k sum to T_0 * (T_mult**n - 1) / (T_mult - 1) after n
            # restarts; n is the largest one not past ``epoch`` (PyTorch's formula, rounding
            # and all, so a restart lands on the same step).
            n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
            self.T_i = self.T_0 * self.T_mult ** n
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self._current_lrs()


class SequentialLR(LRScheduler):
    """Run ``schedulers`` one after another, switching at the epochs in ``milestones``.

    At a milestone the next schedule starts from its own epoch 0 (its closed form there),
    however far its recurrence had been run by its constructor, as in PyTorch.

    Args:
        optimizer: the Optimizer every one of ``schedulers`` drives.
        schedulers: a list of schedules (not ReduceLROnPlateau, whose step needs a metric).
        milestones: the epochs at which each next schedule takes over (one fewer than
            ``schedulers``).
        last_epoch: as LRScheduler.
    Raises: ValueError for no schedulers, a ReduceLROnPlateau, a schedule of another
        optimizer, or a wrong number of milestones; TypeError for a schedule without an
        ``optimizer``.
    """

    def __init__(self, optimizer: Optimizer, schedulers: list, milestones: list,
                 last_epoch: int = -1):
        if len(schedulers) < 1:
            raise ValueError("SequentialLR: expects at least one scheduler, got none")
        for i, scheduler in enumerate(schedulers):
            if not hasattr(scheduler, "optimizer"):
                raise TypeError(f"SequentialLR: schedulers[{i}] ({type(scheduler).__name__}) "
                                "has no optimizer attribute")
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(f"SequentialLR: schedulers[{i}] is a ReduceLROnPlateau, whose "
                                 "step needs a metric; it cannot be sequenced")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: schedulers[{i}] ({type(scheduler).__name__}) "
                                 "belongs to another optimizer than the one given")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expects one milestone fewer than schedulers, got "
                             f"{len(schedulers)} schedulers and {len(milestones)} milestones")
        self._schedulers, self._milestones = schedulers, milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:  # undo what the schedulers' constructors did
            group["lr"] = group["initial_lr"]
        self.recursive_undo()
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def recursive_undo(self, sched=None) -> None:
        """Take back the constructor's step of every (nested) schedule."""
        sched = self if sched is None else sched
        if hasattr(sched, "_schedulers"):
            for inner in sched._schedulers:
                self.recursive_undo(inner)
        elif hasattr(sched, "last_epoch"):
            sched.last_epoch -= 1

    def step(self) -> None:
        """Advance the schedule in charge of this epoch (restarting it at its milestone)."""
        self.last_epoch += 1
        index = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict:
        """Every attribute but the optimizer, with each schedule's own state dict."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the attributes and each schedule's state."""
        self.__dict__.update({k: v for k, v in state_dict.items() if k != "_schedulers"})
        for scheduler, saved in zip(self._schedulers, state_dict["_schedulers"]):
            scheduler.load_state_dict(saved)
