"""Saving replaces a file atomically: a failed save leaves the old file and no temporary, the
error names the target, a killed save's temporary is cleaned up by the next save, and the
process umask is never touched."""
import os
import re
import signal
import subprocess
import sys
import textwrap

import pytest

import neurenix as nx
from neurenix import nn
from neurenix.serialization import atomic
from serialization_helpers import assert_same_module


class _FailingFile:
    """Wraps the temporary file: writes ``budget`` bytes, then fails as a full disk would."""

    def __init__(self, f, budget):
        self.f, self.budget = f, budget

    def write(self, data):
        data = memoryview(data).cast("B")
        if len(data) > self.budget:
            self.f.write(data[:self.budget])
            raise OSError(28, "No space left on device")
        self.budget -= len(data)
        return self.f.write(data)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return self.f.__exit__(*exc_info)


@pytest.mark.parametrize("failure", ["mid-write", "fsync", "interrupt"])
def test_a_failed_save_leaves_the_previous_file_and_no_temporary(failure, tmp_path, monkeypatch):
    path = tmp_path / "model.nx"
    old = nn.Linear(4, 3)
    nx.save(old, path)
    new = nn.Linear(40, 30)
    if failure == "mid-write":
        fdopen = os.fdopen
        monkeypatch.setattr(os, "fdopen", lambda fd, mode: _FailingFile(fdopen(fd, mode), 500))
        expected, message = OSError, "No space left on device"
    elif failure == "fsync":
        def fsync(fd):
            raise OSError(5, "Input/output error")
        monkeypatch.setattr(os, "fsync", fsync)
        expected, message = OSError, "Input/output error"
    else:
        def interrupt(*args):
            raise KeyboardInterrupt
        monkeypatch.setattr(os, "replace", interrupt)
        expected, message = KeyboardInterrupt, None
    with pytest.raises(expected, match=message) as info:
        nx.save(new, path)
    monkeypatch.undo()
    if expected is OSError:  # the error names the target, not the temporary file
        assert info.value.filename == str(path) and ".tmp" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.nx"]
    assert_same_module(old, nx.load(path))


def test_a_missing_folder_a_read_only_folder_or_a_directory_target_is_named(tmp_path,
                                                                             monkeypatch):
    target = tmp_path / "nope" / "model.nx"
    with pytest.raises(FileNotFoundError, match=re.escape(str(target))) as info:
        nx.save(nn.Linear(2, 2), target)
    assert ".tmp" not in str(info.value)
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError, match=re.escape(str(tmp_path / "folder"))):
        nx.save(nn.Linear(2, 2), tmp_path / "folder")
    open_ = os.open

    def read_only_folder(name, flags, mode=0o777, **kwargs):
        if flags & os.O_CREAT:
            raise PermissionError(13, "Permission denied", name)
        return open_(name, flags, mode, **kwargs)

    monkeypatch.setattr(os, "open", read_only_folder)  # as a chmod 555 folder (tests may be root)
    with pytest.raises(PermissionError, match=re.escape(str(tmp_path / "model.nx"))) as info:
        nx.save(nn.Linear(2, 2), tmp_path / "model.nx")
    assert ".tmp" not in str(info.value) and "nx.save: Permission denied" in str(info.value)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]


def test_saving_never_touches_the_umask_and_files_get_the_usual_permissions(tmp_path,
                                                                           monkeypatch):
    umask = os.umask(0o027)
    try:
        def forbidden(mask):
            raise AssertionError("nx.save changed the process umask")
        monkeypatch.setattr(os, "umask", forbidden)
        nx.save({"a": nx.zeros(1)}, tmp_path / "new.nx")
        assert (tmp_path / "new.nx").stat().st_mode & 0o777 == 0o640  # 0o666 under the umask
        (tmp_path / "new.nx").chmod(0o604)
        nx.save({"a": nx.ones(1)}, tmp_path / "new.nx")
        assert (tmp_path / "new.nx").stat().st_mode & 0o777 == 0o604  # a replaced file's mode
    finally:
        monkeypatch.undo()
        os.umask(umask)


_KILLED_WRITER = textwrap.dedent("""
    import os, signal, sys
    from neurenix.serialization import atomic
    with atomic.replacing(sys.argv[1]) as f:
        f.write(b"half a file")
        f.flush()
        os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer or a power cut would
""")


def test_the_temporary_file_of_a_killed_save_is_removed_by_the_next_save(tmp_path):
    path = tmp_path / "model.nx"
    nx.save({"a": nx.zeros(2)}, path)
    root = os.path.dirname(os.path.dirname(nx.__file__))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    killed = subprocess.run([sys.executable, "-c", _KILLED_WRITER, str(path)], env=env)
    assert killed.returncode == -signal.SIGKILL
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "model.nx"]
    assert len(leftovers) == 1 and re.fullmatch(r"\.model\.nx\.[0-9a-f]{16}\.tmp", leftovers[0])
    (tmp_path / ".model.nx.backup.tmp").write_bytes(b"a user's own file, not a temporary")
    nx.save({"a": nx.ones(2)}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".model.nx.backup.tmp", "model.nx"]
    assert nx.load(path)["a"].tolist() == [1.0, 1.0]


def test_a_save_in_progress_keeps_its_temporary_file_when_another_save_starts(tmp_path):
    path = tmp_path / "model.nx"
    with atomic.replacing(str(path)) as f:
        nx.save({"a": nx.zeros(2)}, path)  # meanwhile, from another thread or process
        (writing,) = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        f.write((tmp_path / "model.nx").read_bytes())
    assert not writing.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.nx"]
