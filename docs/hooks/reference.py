"""The API reference pages, generated at build time from the package's public names.

An MkDocs hook (``hooks:`` in mkdocs.yml): for every module in ``PUBLIC_MODULES`` it adds a page
``reference/<module>.md`` holding one mkdocstrings block (``::: neurenix.nn.Linear``) per public
name of the module, so a name added to the package is in the reference at the next build, with
the docstring it has. ``tests/test_docs.py`` checks, without building, that every public name
of every public module is on these pages and that no public module is left out.

A module's public names are its ``__all__``; without one, a package's are all its attributes
not starting with an underscore (``nx.*``: the names it re-exports from ``neurenix.core``
and others), a plain module's those it defines itself (not what it imports). An object
that is public in two modules (``nx.relu`` is ``nx.nn.functional.relu``), or under two names
(``nx.concat`` is ``nx.cat``), is documented once, under the name it is defined with, and
linked from the others; an object public only under another name (``nx.linalg.norm`` is
``linalg_norm`` in ``core/ops/norm.py``) gets a heading of that name above its block.
"""
import importlib
import sys
import types

# Module -> one line for the reference index. The order is the navigation's.
PUBLIC_MODULES = {
    "neurenix": "``nx.*``: Tensor, the ops, factories, dtypes, grad mode, gradcheck, save/load",
    "neurenix.nn": "Module, Parameter, layers and losses, as torch.nn",
    "neurenix.nn.functional": "the stateless forms of the layers, as torch.nn.functional",
    "neurenix.nn.init": "parameter initialisation, as torch.nn.init",
    "neurenix.optim": "optimizers, as torch.optim",
    "neurenix.optim.lr_scheduler": "learning-rate schedulers, as torch.optim.lr_scheduler",
    "neurenix.data": "datasets and the data loader, as torch.utils.data",
    "neurenix.multiscale": "the multi-scale models, pooling, fusion and transforms",
    "neurenix.autograd": "gradients to any order, as torch.autograd",
    "neurenix.autograd.functional": "vjp, jvp, jacobian, hessian, hvp, vhp",
    "neurenix.linalg": "vector and matrix norms, as torch.linalg",
    "neurenix.testing": "hypothesis strategies and gradient-check helpers",
    "neurenix.onnx": "export to ONNX",
    "neurenix.viz": "drawing the autograd graph",
}

# Sub-packages of neurenix that are not documented here as modules, and why.
INTERNAL = {
    "neurenix.core": "the implementation of nx.*: its public names are re-exported as nx.*",
    "neurenix.demo": "a program (python -m neurenix.demo), not an API",
    "neurenix.serialization": "nx.save, nx.load and nx.SerializationError, documented as nx.*",
}


def public_names(module: types.ModuleType) -> list:
    """The public names of ``module``, sorted (see the module docstring)."""
    names = getattr(module, "__all__", None)
    if names is None:
        package = hasattr(module, "__path__")
        names = [n for n, value in vars(module).items() if not n.startswith("_") and
                 (package or getattr(value, "__module__", None) == module.__name__)]
    return sorted(n for n in names if not isinstance(getattr(module, n), types.ModuleType))


def where_defined(module: types.ModuleType, name: str) -> str:
    """The dotted path of ``module.name`` where it is defined (``neurenix.relu`` is
    ``neurenix.core.ops.activation.relu``): mkdocstrings reads the source statically and
    cannot follow ``from .core import *`` through a computed ``__all__``."""
    value = getattr(module, name)
    home, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if isinstance(home, str) and home.startswith("neurenix") and qualname and "<" not in qualname:
        return f"{home}.{qualname}"
    # an instance or a library class (a dtype): the deepest module that assigns it
    homes = [other for other in sys.modules if other.startswith("neurenix")
             and vars(sys.modules[other]).get(name) is value]
    return f"{max(homes, key=lambda other: other.count('.'))}.{name}"


def page_path(module_name: str) -> str:
    return f"reference/{module_name}.md"


def reference_pages() -> dict:
    """{page path: Markdown} for every module of ``PUBLIC_MODULES``: the module's docstring,
    then a block per public name (or a link to the page that documents the same object)."""
    pages, owner = {}, {}  # owner: dotted path -> (the module whose page documents it, name)
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        blocks = [f"# {module_name}\n", f"::: {module_name}\n    options:\n"
                  "      members: false\n      show_root_heading: false\n"]
        paths = {name: where_defined(module, name) for name in public_names(module)}
        # the names an object is defined with first, so that it is documented under them
        for name in sorted(paths, key=lambda n: paths[n].rsplit(".", 1)[-1] != n):
            path = paths[name]
            if path in owner:
                page, shown = owner[path]
                blocks.append(f"## {name}\n\nThe same object as [`{page}.{shown}`]"
                              f"({page}.md#{path}).\n")
                continue
            defined = path.rsplit(".", 1)[-1]
            owner[path] = (module_name, name)
            if defined == name:
                blocks.append(f"::: {path}\n")
            else:
                blocks.append(f"## {name}\n\nDefined as `{defined}` in `{path.rsplit('.', 1)[0]}`"
                              f":\n\n::: {path}\n    options:\n      heading_level: 3\n")
        pages[page_path(module_name)] = "\n".join(blocks)
    return pages


def index_page() -> str:
    lines = ["# API reference\n", "Generated from the docstrings of every public name.\n"]
    lines += [f"- [{name}]({name}.md): {summary}" for name, summary in PUBLIC_MODULES.items()]
    return "\n".join(lines) + "\n"


def on_files(files, config):
    """MkDocs hook: add the generated pages to the site's files."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, "reference/index.md", content=index_page()))
    for path, content in reference_pages().items():
        files.append(File.generated(config, path, content=content))
    return files
