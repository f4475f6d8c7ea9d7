"""Optimizers and learning-rate schedules, as ``torch.optim``: the same calls give the same
numbers. Updates run under ``no_grad`` on the parameters' arrays, in place, keeping dtypes."""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "lr_scheduler"]
