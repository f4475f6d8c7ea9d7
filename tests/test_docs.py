"""The documentation stays true: every public name is in the API reference, the pages MkDocs
builds exist, and the reading path of "How neurenix works" is in dependency order."""
import ast
import importlib
import importlib.util
import re
import types
from pathlib import Path

import pytest

import neurenix

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _hook():
    spec = importlib.util.spec_from_file_location("reference_hook",
                                                  DOCS / "hooks" / "reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


reference = _hook()


# ----- the API reference ---------------------------------------------------------------------
def test_every_sub_package_of_neurenix_is_documented_or_internal():
    subpackages = {f"neurenix.{name}" for name, value in vars(neurenix).items()
                   if isinstance(value, types.ModuleType) and not name.startswith("_")}
    missing = subpackages - set(reference.PUBLIC_MODULES) - set(reference.INTERNAL)
    assert sorted(missing) == []


@pytest.mark.parametrize("module_name", list(reference.PUBLIC_MODULES))
def test_every_public_name_is_on_its_reference_page(module_name):
    page = reference.reference_pages()[reference.page_path(module_name)]
    module = importlib.import_module(module_name)
    names = reference.public_names(module)
    assert names, f"{module_name} has no public names"
    blocks = {line[4:].rsplit(".", 1)[-1] for line in page.splitlines()
              if line.startswith("::: ")}
    linked = set(re.findall(r"^## (\w+)$", page, flags=re.M))
    assert sorted(set(names) - blocks - linked) == []


def test_the_reference_covers_nx_star_and_names_added_later():
    names = reference.public_names(neurenix)
    assert {"Tensor", "relu", "conv2d", "no_grad", "float32", "gradcheck"} <= set(names)
    assert reference.where_defined(neurenix, "relu") == "neurenix.core.ops.activation.relu"


def test_the_navigation_lists_every_page():
    config = (ROOT / "mkdocs.yml").read_text()
    pages = re.findall(r":\s*(\S+\.md)\s*$", config, flags=re.M)
    pages += re.findall(r"^\s*-\s*(\S+\.md)\s*$", config, flags=re.M)
    generated = {"reference/index.md"} | set(reference.reference_pages())
    for page in pages:
        assert page in generated or (DOCS / page).is_file(), page
    assert generated <= set(pages)


def test_the_multiscale_api_page_is_the_api_document():
    spec = ROOT.parent / "shared" / "spec" / "multiscale-api.md"
    if not spec.is_file():
        pytest.skip("the shared API document is not beside this clone")
    assert (DOCS / "multiscale-api.md").read_text() == spec.read_text()


# ----- the reading path ----------------------------------------------------------------------
ENTRY = re.compile(r"^\d+\. `(neurenix/[\w/]+\.py)` \(([\d,]+) lines?\)")


def _reading_path() -> list:
    """(file, stated length, files named "Imports ahead") per entry of the page, in order."""
    text = (DOCS / "how-neurenix-works.md").read_text()
    entries = re.split(r"\n(?=\d+\. `)", text)
    path = []
    for entry in entries:
        found = ENTRY.match(entry.strip())
        if not found:
            continue
        ahead = entry.split("Imports ahead:", 1)[1] if "Imports ahead:" in entry else ""
        path.append((found.group(1), int(found.group(2).replace(",", "")),
                     set(re.findall(r"`(neurenix/[\w/]+\.py)`", ahead))))
    return path


def _file_of(dotted: str):
    """The source file a dotted import name lives in (a module, or a package's __init__)."""
    parts = dotted.split(".")
    while parts:
        base = ROOT.joinpath(*parts)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate.relative_to(ROOT).as_posix()
        parts.pop()
    return None


def _imports(relative: str) -> set:
    """The neurenix files a file's own import lines name (relative imports resolved)."""
    path = ROOT / relative
    package = ".".join(Path(relative).parent.parts)
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            names += [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    files = {_file_of(n) for n in names if n.split(".")[0] == "neurenix"}
    return files - {None, relative}


def test_the_reading_path_lists_files_that_exist_with_about_their_length():
    path = _reading_path()
    assert len(path) >= 30
    for relative, stated, _ in path:
        lines = len((ROOT / relative).read_text().splitlines())
        assert abs(lines - stated) <= max(10, 0.25 * lines), (relative, stated, lines)


def test_each_file_imports_only_files_before_it_or_names_why_not():
    path = _reading_path()
    seen = set()
    for relative, _, ahead in path:
        later = _imports(relative) - seen
        assert later <= ahead, f"{relative} imports {sorted(later - ahead)} before the page " \
                               "lists them, and its entry does not say why"
        assert ahead <= {f for f, _, _ in path}, f"{relative} names files the page omits"
        seen.add(relative)


def test_the_core_comes_first_and_is_about_1500_lines():
    """The first part ends with gradcheck and marks the four files to read (the Tensor, the
    engine, one op family, gradcheck): about 1,500 lines together."""
    text = (DOCS / "how-neurenix-works.md").read_text()
    first_part = text.split("\n## 1.", 1)[1].split("\n## ", 1)[0]
    entries = {found.group(1): entry for entry in re.split(r"\n(?=\d+\. `)", first_part)
               if (found := ENTRY.match(entry.strip()))}
    core = ["neurenix/core/tensor.py", "neurenix/core/autograd.py",
            "neurenix/core/ops/unary.py", "neurenix/core/gradcheck.py"]
    assert list(entries)[-1] == core[-1]
    assert [f for f in entries if "**Read it" in entries[f]] == core
    assert sum(len((ROOT / f).read_text().splitlines()) for f in core) < 1500


def test_the_readme_points_to_the_page_and_gives_the_docs_command():
    readme = (ROOT / "README.md").read_text()
    assert "docs/how-neurenix-works.md" in readme
    assert 'pip install ".[docs]" && mkdocs build --strict' in readme
    assert 'pip install --quiet ".[docs]" && mkdocs build --strict' in \
        (ROOT / ".ci" / "run").read_text()
