"""The layers of DESIGN.md hold: neurenix.core imports nothing from the layers above it (nn,
optim, data, multiscale, serialization, ...), so the engine can be read and tested alone."""
import ast
from pathlib import Path

import neurenix as nx

CORE = Path(nx.__file__).parent / "core"


def _imported_modules(source: str, package: str) -> list:
    """The absolute names a module of ``package`` imports, relative imports resolved; for
    ``from X import y``, both X and X.y (y may be a module: ``from .. import nn``)."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            names += [base] + [f"{base}.{alias.name}" for alias in node.names]
    return names


def test_core_imports_only_core_and_third_party_modules():
    files = sorted(CORE.rglob("*.py"))
    assert len(files) > 20
    offenders = []
    for path in files:
        package = ".".join(path.relative_to(CORE.parent.parent).parts[:-1])
        offenders += [(str(path.relative_to(CORE)), name)
                      for name in _imported_modules(path.read_text(), package)
                      if name.split(".")[0] == "neurenix"
                      and not (name + ".").startswith("neurenix.core.")]
    assert offenders == []


def test_the_scan_sees_every_kind_of_import():
    source = ("from ...nn import Module\nfrom ... import optim\nimport neurenix.data\n"
              "from neurenix.multiscale import UNet\nfrom .. import dtypes\nimport numpy\n")
    assert _imported_modules(source, "neurenix.core.ops") == [
        "neurenix.nn", "neurenix.nn.Module", "neurenix", "neurenix.optim", "neurenix.data",
        "neurenix.multiscale", "neurenix.multiscale.UNet", "neurenix.core",
        "neurenix.core.dtypes", "numpy"]
