"""LRScheduler: the base class of the learning-rate schedules in ``lr_scheduler``."""
from .optimizer import Optimizer


class LRScheduler:
    """Base class: ``step()`` advances ``last_epoch`` and writes ``get_lr()`` into the
    optimizer's groups; ``get_last_lr()`` returns what was written last.

    Args:
        optimizer: the Optimizer whose ``lr`` it sets.
        last_epoch: -1 to start fresh; otherwise the epoch to resume from (the groups must
            then already hold ``initial_lr``).
    Raises: TypeError when ``optimizer`` is not an Optimizer; KeyError when resuming without
        ``initial_lr`` in every group.
    Learning rates are Python floats, one per parameter group.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        check_optimizer(optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                                   "when resuming an optimizer")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """The constructor's step (SequentialLR repeats it when a schedule takes over): it
        restarts the step count, and the recurrences keep the current learning rates."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list:
        """The next learning rate of each group (from the current ones: a recurrence)."""
        raise NotImplementedError  # abstract: each schedule defines its rule

    def step(self, epoch: int = None) -> None:
        """Advance one epoch (or jump to ``epoch``, using the closed form where there is one)."""
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch: int = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed_form = getattr(self, "_get_closed_form_lr", None)
            values = closed_form() if closed_form is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._current_lrs()

    def get_last_lr(self) -> list:
        """The learning rates the last ``step()`` set, one per group."""
        return self._last_lr

    def _current_lrs(self) -> list:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict:
        """Every attribute but the optimizer."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the attributes a ``state_dict()`` returned (the optimizer stays this one's)."""
        self.__dict__.update(state_dict)


def check_optimizer(optimizer) -> None:
    """Raise the TypeError every scheduler gives for something that is not an Optimizer."""
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")


def per_group(scheduler: str, name: str, value, optimizer: Optimizer) -> list:
    """One value per parameter group: ``value`` repeated, or a list checked for its length."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(f"{scheduler}: {name} must have one value per parameter group: "
                             f"got {len(value)} values for {groups} param_groups")
        return list(value)
    return [value] * groups
