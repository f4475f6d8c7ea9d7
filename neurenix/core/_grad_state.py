"""Grad mode of the current thread, in a module of its own so that both the engine
(``autograd.py``) and the Tensor's in-place methods can read it without importing each other."""
import threading


class _GradState(threading.local):
    """Every thread starts with grad enabled, as in PyTorch."""

    def __init__(self):
        self.enabled = True


state = _GradState()
