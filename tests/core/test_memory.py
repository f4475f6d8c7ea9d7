"""core/_memory.py: glibc's malloc keeps freed large blocks for reuse, unless told not to."""
import ctypes.util
import sys

import pytest

from neurenix.core._memory import keep_freed_memory


def test_the_environment_variable_opts_out(monkeypatch):
    monkeypatch.setenv("NEURENIX_KEEP_FREED_MEMORY", "0")
    assert keep_freed_memory() is False


@pytest.mark.skipif(not sys.platform.startswith("linux") or not ctypes.util.find_library("c"),
                    reason="mallopt is glibc's")
def test_glibc_takes_the_settings(monkeypatch):
    monkeypatch.delenv("NEURENIX_KEEP_FREED_MEMORY", raising=False)
    assert keep_freed_memory() is True
