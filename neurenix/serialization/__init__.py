"""Saving and loading: ``nx.save`` / ``nx.load`` (files.py) over the safetensors layout
(layout.py), written atomically (atomic.py). A module is rebuilt from its recorded classes
(modules.py); any other value from its JSON form (values.py); tied tensors stay tied (ties.py).

This package sits above ``nn`` because it rebuilds Modules; ``neurenix.core`` never imports it.
"""
from .files import load, save
from .layout import SerializationError

__all__ = ["SerializationError", "load", "save"]
