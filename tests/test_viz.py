"""nx.viz: the DOT text of the autograd graph, and draw()'s behaviour with and without dot."""
import re
import shutil

import pytest

import neurenix as nx


def _graph():
    w = nx.randn(3, 2, requires_grad=True)
    b = nx.zeros(2, requires_grad=True)
    x = nx.ones(4, 3)
    y = ((x @ w + b).relu() * (x @ w)).sum()
    return y, w, b


def test_to_dot_lists_ops_leaves_shapes_and_dtypes():
    y, w, b = _graph()
    dot = nx.viz.to_dot(y, names={"weight": w, "bias": b})
    assert dot.startswith("digraph autograd {") and dot.rstrip().endswith("}")
    for op in ("Sum", "Mul", "ReLUOp", "Add", "MatMul"):
        assert f'label="{op}"' in dot
    assert 'label="weight\\n(3, 2) float32\\nrequires_grad"' in dot
    assert 'label="bias\\n(2,) float32\\nrequires_grad"' in dot
    assert 'label="output\\n() float32"' in dot
    assert '[label="(4, 2) float32"]' in dot


def test_to_dot_declares_each_node_once_and_edges_point_to_declared_nodes():
    y, w, b = _graph()
    dot = nx.viz.to_dot(y)
    declared = re.findall(r"^\s+(\w+) \[label=", dot, flags=re.M)
    assert len(declared) == len(set(declared))
    # The shared leaf w feeds two MatMuls: one box, two edges out of it.
    edges = re.findall(r"^\s+(\w+) -> (\w+)", dot, flags=re.M)
    assert {a for a, _ in edges} | {b for _, b in edges} <= set(declared)
    w_node = [n for n in declared if f'{n} [label="leaf\\n(3, 2)' in dot]
    assert len(w_node) == 1 and sum(a == w_node[0] for a, _ in edges) == 2


def test_to_dot_of_a_leaf_and_of_a_float64_graph():
    leaf = nx.zeros(2, 2)
    assert 'label="leaf\\n(2, 2) float32"' in nx.viz.to_dot(leaf)
    x = nx.ones(3, dtype=nx.float64, requires_grad=True)
    assert "(3,) float64" in nx.viz.to_dot(x.exp().sum())


def test_to_dot_rejects_non_tensors():
    with pytest.raises(TypeError, match="to_dot"):
        nx.viz.to_dot([1, 2])


def test_draw_writes_dot_text_for_a_dot_path(tmp_path):
    y, _, _ = _graph()
    path = tmp_path / "graph.dot"
    nx.viz.draw(y, str(path))
    assert path.read_text() == nx.viz.to_dot(y)


def test_draw_without_graphviz_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    y, _, _ = _graph()
    with pytest.raises(RuntimeError, match="install Graphviz"):
        nx.viz.draw(y, str(tmp_path / "graph.svg"))


def test_draw_runs_dot_with_the_format_of_the_extension(tmp_path, monkeypatch):
    # A stand-in for Graphviz's dot that records its arguments and the DOT text it was fed,
    # so the test runs whether or not Graphviz is installed.
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "$@" > "$0.args"\ncat > "$0.stdin"\n'
                    'while [ "$1" != "-o" ]; do shift; done\necho "<svg/>" > "$2"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    y, _, _ = _graph()
    path = tmp_path / "graph.svg"
    assert nx.viz.draw(y, str(path)) == str(path)
    assert path.read_text().strip() == "<svg/>"
    assert (tmp_path / "bin" / "dot.args").read_text().split() == ["-Tsvg", "-o", str(path)]
    assert (tmp_path / "bin" / "dot.stdin").read_text() == nx.viz.to_dot(y)
