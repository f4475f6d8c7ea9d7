"""A picture of the autograd graph: Graphviz DOT text, and a rendering with ``dot``.

``to_dot(y)`` walks the graph behind ``y`` the way ``backward`` does (iteratively, from the root
to the leaves) and writes one node per op (its Function class) and per leaf tensor (shape, dtype,
whether it requires grad), with each edge labelled by the shape and dtype of the tensor that
flows along it. Read it bottom-up: leaves at the bottom, the output at the top.

    >>> import neurenix as nx
    >>> w = nx.randn(3, 2, requires_grad=True)
    >>> print(nx.viz.to_dot((nx.ones(4, 3) @ w).relu().sum(), names={"w": w}))  # doctest: +SKIP
"""
import shutil
import subprocess

from .core.autograd import Function
from .core.tensor import Tensor

_INSTALL_HINT = ("the Graphviz 'dot' program is not installed; install Graphviz (Debian/Ubuntu: "
                 "apt-get install graphviz, macOS: brew install graphviz, conda: conda install "
                 "graphviz) or render the text of nx.viz.to_dot() elsewhere")


def _describe(shape, dtype) -> str:
    return f"{tuple(shape)} {dtype}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(tensor: Tensor, names: dict = None) -> str:
    """Graphviz DOT text of the graph that produced ``tensor``.

    Only tensors that require grad are recorded in a graph, so inputs that don't (constants,
    data) do not appear; every leaf shown requires grad unless ``tensor`` itself is a leaf.

    Args:
        tensor: any Tensor; a leaf gives a one-node graph.
        names: optional ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) used to
            label leaves.

    Returns: the DOT source, a ``digraph`` whose op nodes are ellipses named by their Function
    class and whose leaves are boxes with shape, dtype and ``requires_grad``.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(tensor).__name__}")
    label_of = {id(t): name for name, t in (names or {}).items()}
    ids, lines = {}, []

    def node_id(obj) -> str:
        if id(obj) not in ids:
            ids[id(obj)] = f"n{len(ids)}"
        return ids[id(obj)]

    def leaf(t: Tensor) -> str:
        if id(t) in ids:  # declared already: another op uses the same leaf
            return ids[id(t)]
        name = label_of.get(id(t), "leaf")
        grad = "\nrequires_grad" if t.requires_grad else ""
        fill = "lightblue" if t.requires_grad else "lightgrey"
        lines.append(f"  {node_id(t)} [label={_quote(f'{name}{chr(10)}{_describe(t.shape, t.dtype)}{grad}')}, "
                     f"shape=box, style=filled, fillcolor={fill}];")
        return node_id(t)

    out = "output"
    lines.append(f"  {out} [label={_quote('output' + chr(10) + _describe(tensor.shape, tensor.dtype))}, "
                 "shape=box, style=filled, fillcolor=darkolivegreen1];")
    if tensor._node is None:
        lines.append(f"  {leaf(tensor)} -> {out};")
        return _wrap_graph(lines)
    lines.append(f"  {node_id(tensor._node)} -> {out};")
    seen, stack = set(), [tensor._node]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        lines.append(f"  {node_id(node)} [label={_quote(type(node).__name__)}, shape=ellipse];")
        for parent in node.parents:
            if parent is None:
                continue
            if isinstance(parent, Function):  # an op: the tensor it made is described by its node
                source, meta = node_id(parent), parent.out_meta
                stack.append(parent)
            else:
                source, meta = leaf(parent), (parent.shape, parent.dtype)
            lines.append(f"  {source} -> {node_id(node)} [label={_quote(_describe(*meta))}];")
    return _wrap_graph(lines)


def _wrap_graph(lines: list) -> str:
    header = ["digraph autograd {", "  rankdir=BT;", '  node [fontname="Helvetica", fontsize=10];',
              '  edge [fontname="Helvetica", fontsize=8];']
    return "\n".join(header + lines + ["}"]) + "\n"


def draw(tensor: Tensor, path: str, names: dict = None) -> str:
    """Render the graph behind ``tensor`` to ``path`` (the format from its extension: .svg,
    .png, .pdf) with Graphviz's ``dot``; a ``.dot`` path just writes the text.

    Returns: ``path``.
    Raises: RuntimeError saying how to install Graphviz when ``dot`` is missing.
    """
    source = to_dot(tensor, names)
    fmt = str(path).rsplit(".", 1)[-1].lower() if "." in str(path) else "svg"
    if fmt in ("dot", "gv"):
        with open(path, "w") as f:
            f.write(source)
        return path
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(f"viz.draw: cannot render {path}: {_INSTALL_HINT}")
    result = subprocess.run([dot, f"-T{fmt}", "-o", str(path)], input=source, text=True,
                            capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"viz.draw: dot failed to render {path}: {result.stderr.strip()}")
    return path
