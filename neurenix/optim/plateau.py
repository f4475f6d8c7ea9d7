"""ReduceLROnPlateau: cut the learning rate when a watched metric stops improving."""
import math

from .optimizer import Optimizer
from .scheduler import LRScheduler, check_optimizer, per_group


class ReduceLROnPlateau(LRScheduler):
    """Multiply each group's learning rate by ``factor`` once the metric passed to
    ``step(metric)`` has not improved for more than ``patience`` epochs, as
    ``torch.optim.lr_scheduler.ReduceLROnPlateau``.

    An epoch improves when its metric beats the best so far by the threshold:
    ``metric < best * (1 - threshold)`` (mode "min", threshold_mode "rel"),
    ``metric < best - threshold`` ("min", "abs"), ``metric > best * (1 + threshold)``
    ("max", "rel") or ``metric > best + threshold`` ("max", "abs").

    Args:
        optimizer: the Optimizer whose ``lr`` it sets.
        mode: "min" (a loss) or "max" (an accuracy).  factor: the cut, < 1 (default 0.1).
        patience: bad epochs tolerated before a cut (default 10).
        threshold, threshold_mode: what counts as an improvement (default 1e-4, "rel").
        cooldown: epochs after a cut during which bad epochs are not counted (default 0).
        min_lr: a floor on the learning rate, one for all groups or a list (default 0).
        eps: a cut smaller than this is skipped (default 1e-8).
    Raises: ValueError for factor >= 1, an unknown mode or threshold_mode, or a list of
        min_lr whose length is not the number of groups.
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr=0, eps: float = 1e-8):
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor should be < 1.0, got {factor}")
        self.factor = factor
        check_optimizer(optimizer)
        self.optimizer = optimizer
        # A single min_lr also covers groups added later; a list is fixed to its groups.
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.min_lrs = per_group("ReduceLROnPlateau", "min_lr", min_lr, optimizer)
        self.patience, self.cooldown, self.eps = patience, cooldown, eps
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _reset(self) -> None:
        """Forget the best metric and the bad-epoch and cooldown counters."""
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def step(self, metrics, epoch=None) -> None:
        """Record this epoch's metric (a number or a one-element Tensor) and cut the
        learning rates if it has been too long since the last improvement."""
        current = float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"ReduceLROnPlateau: the optimizer has {len(groups)} "
                                   f"param_groups but min_lr has {len(self.min_lrs)} values "
                                   "(a group was added?); set min_lrs to match")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    @property
    def in_cooldown(self) -> bool:
        """Whether a recent cut still suspends the counting of bad epochs."""
        return self.cooldown_counter > 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode {mode!r} is unknown; expected 'min' or "
                             "'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold_mode {threshold_mode!r} is unknown; "
                             "expected 'rel' or 'abs'")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the attributes a ``state_dict()`` returned, checking the modes again."""
        self.__dict__.update(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
