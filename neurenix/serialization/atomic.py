"""Replacing a file atomically: the old file stays whole until the new one is completely on disk.

The new file is written to a temporary file in the same folder (so that the final rename is
atomic), named ``.<target name>.<16 hex digits>.tmp``, flushed, fsynced and renamed over the
target. The writer holds an advisory lock (``flock``) on its temporary file until the rename;
the system drops the lock when the writer's process ends, however it ends. So the next save to
the same path can tell the temporary file of a killed writer (unlocked: removed) from one being
written right now (locked: left alone). Where there is no ``flock`` (Windows), leftovers stay.

The temporary file is created with mode 0o666, which the system reduces by the umask, as for
any new file; the process umask itself is never read or changed (that takes setting it, which
would affect files other threads create meanwhile). A replaced file keeps its permissions.
"""
import contextlib
import errno
import os
import re
import secrets
import stat

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None


@contextlib.contextmanager
def replacing(path: str):
    """A binary file to write that replaces ``path`` when the block ends without an error.

    On any error (or interrupt) the temporary file is removed and ``path`` is untouched.
    Raises: OSError (of the same kind as the failure) naming ``path`` itself, never the
        temporary file: the folder is missing or read-only, the disk is full, ...
    """
    if os.path.isdir(path):  # checked first, so as not to write a whole file in vain
        raise IsADirectoryError(errno.EISDIR, "nx.save: the target is a directory", path)
    folder, name = os.path.split(os.path.abspath(path))
    try:
        _remove_stale(folder, name)
        fd, temporary = _create(folder, name)
    except OSError as e:
        raise _naming(e, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
            with contextlib.suppress(FileNotFoundError):  # a new file has the mode it was made with
                os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
            os.replace(temporary, path)  # while still locked: no other save removes it first
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(e, OSError):
            raise _naming(e, path) from None
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (POSIX folders only)
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _naming(e: OSError, path: str) -> OSError:
    """``e`` again, naming the target instead of the temporary file the user never chose."""
    return type(e)(e.errno, f"nx.save: {e.strerror or e}", path)


def _create(folder: str, name: str) -> tuple:
    """(fd, path) of a new temporary file for the target ``name``, locked."""
    while True:
        temporary = os.path.join(folder, f".{name}.{secrets.token_hex(8)}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
        if fcntl is None:
            return fd, temporary
        fcntl.flock(fd, fcntl.LOCK_EX)
        # Another save's cleanup may have taken it for stale between the open and the lock
        # and removed it; then start again with a new name.
        if os.fstat(fd).st_nlink > 0:
            return fd, temporary
        os.close(fd)


def _remove_stale(folder: str, name: str) -> None:
    """Remove the temporary files of earlier saves to ``name`` whose writers are gone."""
    if fcntl is None:
        return
    pattern = re.compile(re.escape(f".{name}.") + "[0-9a-f]{16}" + re.escape(".tmp"))
    with os.scandir(folder) as entries:
        stale = [entry.path for entry in entries
                 if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)]
    for temporary in stale:
        with contextlib.suppress(OSError):  # locked by a live writer, or gone already
            # Not following a link, not blocking on a FIFO: the name may have changed since.
            fd = os.open(temporary, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(temporary)
            finally:
                os.close(fd)
