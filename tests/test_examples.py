"""The quick examples run as a user runs them: ``python examples/<name>.py``, in a fresh
process and an empty working directory, exiting 0. (unet_segmentation.py trains for minutes and
is not run here.)"""
import pathlib
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def test_resume_training_continues_exactly(tmp_path):
    run = subprocess.run([sys.executable, str(EXAMPLES / "resume_training.py")], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "resumed weights identical to the run without a break: True" in run.stdout
    assert (tmp_path / "unet_checkpoint.nx").exists()
