"""Keep the memory of freed arrays in the process, so the next step's arrays reuse it.

A training step allocates and frees the same large arrays every step (im2col columns,
activations, gradients). glibc's malloc serves each block above 32 MiB (its largest mmap
threshold) with a fresh ``mmap`` and hands it back with ``munmap`` when NumPy frees it, and it
trims the top of its heap as soon as 128 KiB are free. The next step then pays a page fault
per 4 KiB page to get the same memory back, with the kernel zeroing every page; in a virtual
machine a page returned to the host costs more again. That is a large share of a
convolutional network's step, and nothing in the step's arithmetic.

``keep_freed_memory()`` asks glibc (``mallopt``) to serve large blocks from its heap as well and
not to trim it, so a freed block stays mapped and is reused, as PyTorch's and the GPU
frameworks' caching allocators do. Peak memory is unchanged: a block is reused, not added.
It is called once when neurenix is imported; set ``NEURENIX_KEEP_FREED_MEMORY=0`` to leave
malloc as it was, and it does nothing where the C library is not glibc.
"""
import ctypes
import ctypes.util
import os

_M_TRIM_THRESHOLD, _M_MMAP_MAX = -1, -4  # mallopt's parameter numbers (malloc.h)


def keep_freed_memory() -> bool:
    """Configure glibc's malloc to keep freed memory for reuse. Returns True if it did."""
    if os.environ.get("NEURENIX_KEEP_FREED_MEMORY", "1") == "0":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl without mallopt)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    # no mmap for large blocks (they come from the heap, which can be reused), and trim the
    # heap only when 1 GiB at its top is free
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, 2 ** 30))
