"""Optimizer: parameter groups, per-parameter state, and their state dict, as ``torch.optim``."""
import copy

import numpy as np

from ..core import autograd, factories
from ..core.tensor import Tensor


class Optimizer:
    """Base class of the optimizers: it holds ``param_groups`` (each a dict with ``"params"``
    and the hyperparameters) and ``state`` (per parameter, e.g. momentum buffers).

    Subclasses implement ``_step_group(group)``, which updates the ``.data`` arrays of the
    group's parameters in place (keeping their dtype); ``step()`` calls it under ``no_grad``.

    Args:
        params: an iterable of Tensors, or of dicts ``{"params": [...], "lr": ...}`` whose
            options override ``defaults`` for that group.
        defaults: the default hyperparameters.
    Parameters are leaf Tensors (floating, as only those require grad: float32 or float64);
    each update, and each state array, keeps its parameter's shape and dtype.
    Raises: TypeError for a single Tensor instead of an iterable, or a non-Tensor parameter;
        ValueError for an empty list, a non-leaf, or a parameter given twice.
    """

    def __init__(self, params, defaults: dict):
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        self.defaults = defaults
        self.state = {}  # Parameter -> dict (Tensors hash by identity)
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters (e.g. a layer unfrozen during fine-tuning) with its own
        options; unspecified options take the defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("optimizer: a parameter appears more than once in a parameter "
                             "group")
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in existing for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = {key: value for key, value in self.defaults.items()}
        group.update({key: value for key, value in param_group.items() if key != "params"})
        group["params"] = params
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (the default, as PyTorch) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.data[...] = 0

    def step(self, closure=None):
        """Update every parameter that has a gradient, in place.

        Args: closure: optional function that re-evaluates the model and returns the loss
            (run with grad enabled); its result is returned.
        """
        loss = None
        if closure is not None:
            with autograd.enable_grad():
                loss = closure()
        with autograd.no_grad():
            for group in self.param_groups:
                self._step_group(group)
        return loss

    def _step_group(self, group: dict) -> None:
        raise NotImplementedError  # abstract: each optimizer defines its update

    def _with_grads(self, group: dict):
        """Yield ``(p, g, state)`` for each parameter of ``group`` that has a gradient: the
        gradient's array, negated under ``maximize`` (so every update descends), and the
        parameter's state dict, empty before its first step."""
        for p in group["params"]:
            if p.grad is not None:
                g = -p.grad.data if group["maximize"] else p.grad.data
                yield p, g, self.state.setdefault(p, {})

    # ----- state dict -------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """PyTorch's layout: ``{"state": {index: {name: value}}, "param_groups": [{options...,
        "params": [indices]}]}``, parameters numbered in group order. Values are the live
        state (as PyTorch); ``load_state_dict`` copies them."""
        index, groups = {}, []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = ids
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and state saved by ``state_dict`` (from this class, with
        the same group sizes). State arrays may be Tensors or NumPy arrays; floating ones are
        cast to their parameter's dtype, as PyTorch does."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, the "
                             f"optimizer has {len(self.param_groups)}")
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't "
                                 f"match the size of optimizer's group {i} "
                                 f"({len(saved['params'])} vs {len(group['params'])} params)")
        by_index = {}
        for group, saved in zip(self.param_groups, saved_groups):
            by_index.update(zip(saved["params"], group["params"]))
        self.state = {}
        for key, values in state_dict["state"].items():
            param = by_index.get(int(key))
            if param is None:
                continue
            self.state[param] = {name: _state_value(value, param, name)
                                 for name, value in values.items()}
        for group, saved in zip(self.param_groups, saved_groups):
            params = group["params"]
            group.clear()
            group.update({k: copy.deepcopy(v) for k, v in saved.items() if k != "params"})
            group["params"] = params

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        return "\n".join(lines) + "\n)"


# An update touches every weight of the model once per step and makes a dozen elementwise
# passes (the terms of its formula). Over a whole 100 MB parameter each pass streams it from
# memory; over blocks this size (a few arrays of them fit in the L2 cache) only the first read
# and the last write of each block reach memory, and the passes in between run in cache.
_BLOCK = 1 << 15


def in_blocks(update, arrays: tuple, *options) -> None:
    """Call ``update(*block, *options)`` on matching blocks of ``arrays`` (the parameter first,
    then its gradient and its state, None for a state not kept: all of one shape), flat views
    of at most ``_BLOCK`` elements, so that ``update`` can work in place block by block. Small
    arrays, and arrays that are not all C-contiguous, make one block: the arrays themselves."""
    if arrays[0].size <= _BLOCK or not all(a is None or a.flags.c_contiguous for a in arrays):
        update(*arrays, *options)
        return
    flat = [None if a is None else a.reshape(-1) for a in arrays]
    for start in range(0, arrays[0].size, _BLOCK):
        update(*(None if a is None else a[start:start + _BLOCK] for a in flat), *options)


def first_state(p: Tensor, names) -> dict:
    """A parameter's state before its first step: a float32 ``step`` counter (as PyTorch)
    and, under each of ``names``, zeros of the parameter's shape and dtype."""
    state = {"step": factories.tensor(0.0, dtype=np.float32)}
    state.update((name, Tensor._wrap(np.zeros_like(p.data))) for name in names)
    return state


def check_nonnegative(optimizer: str, **options) -> None:
    """Raise a ValueError naming the first option that is negative (or NaN)."""
    for name, value in options.items():
        if not value >= 0:
            raise ValueError(f"{optimizer}: invalid {name}: {value} (must be >= 0)")


def _state_value(value, param: Tensor, name: str):
    """A copy of one saved state entry; arrays become Tensors, floating ones in the
    parameter's dtype ("step" counters keep theirs)."""
    if isinstance(value, (Tensor, np.ndarray)):
        array = np.array(value.data if isinstance(value, Tensor) else value)
        if array.dtype.kind == "f" and name != "step":
            array = array.astype(param.dtype)
        return Tensor._wrap(array)
    return copy.deepcopy(value)
