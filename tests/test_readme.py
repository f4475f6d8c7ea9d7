"""Every Python code block of the README runs, as written, in a fresh namespace."""
import pathlib
import re

import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(), flags=re.S | re.M)


def test_readme_has_code_blocks_and_both_commands():
    text = README.read_text()
    assert len(BLOCKS) >= 5
    assert 'pip install ".[examples]" && python -m neurenix.demo' in text
    assert 'pip install ".[test]" && python -m pytest -q' in text


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=lambda i: f"block{i}")
def test_readme_block_runs(index, tmp_path, monkeypatch):
    code = BLOCKS[index]
    if "import torch" in code:  # the interoperability block needs the oracle installed
        pytest.importorskip("torch")
        pytest.importorskip("safetensors")
    if "import onnxruntime" in code:  # the export block runs the file (test extra installs it)
        pytest.importorskip("onnx")
        pytest.importorskip("onnxruntime")
    monkeypatch.chdir(tmp_path)  # blocks that save files write them here
    exec(compile(code, f"README.md block {index}", "exec"), {"__name__": "readme"})
