"""core/tracing.py: a Trace sees every op call of its thread, with its arguments, node, output
and layer, and nothing when no trace is open."""
import threading

import pytest

import neurenix as nx
from neurenix.core import tracing
from neurenix.core.ops import activation, arithmetic, conv


def test_a_trace_records_each_call_with_its_arguments_node_output_and_layer():
    x, w = nx.randn(1, 2, 5, 5), nx.randn(3, 2, 3, 3)
    with tracing.Trace() as trace:
        trace.enter("conv (Conv2d)")
        y = nx.conv2d(x, w, stride=2)
        trace.leave()
        z = (y * 2).relu()
    assert [c.op for c in trace.events] == [conv.Conv2dOp, arithmetic.Mul, activation.ReLUOp]
    first = trace.events[0]
    assert first.args[0] is x and first.args[1] is w and first.args[3] == (2, 2)
    assert first.ctx.stride == (2, 2)  # what forward set on the node
    assert first.out.data is y.data and trace.events[2].out.data is z.data
    assert [c.layer for c in trace.events] == ["conv (Conv2d)", "", ""]


def test_ops_are_recorded_with_grad_mode_on_or_off():
    x = nx.randn(3, requires_grad=True)
    with tracing.Trace() as trace:
        x.exp()
        with nx.no_grad():
            x.exp()
    assert len(trace.events) == 2


def test_in_place_updates_are_recorded_as_ops_and_aliases():
    x = nx.zeros(3)
    with tracing.Trace() as trace, nx.no_grad():
        x += 1
    kinds = [type(e).__name__ for e in trace.events]
    assert kinds == ["Alias", "Call", "Alias"] and trace.events[1].op is arithmetic.Add
    assert trace.events[2].new is x and x.tolist() == [1.0, 1.0, 1.0]


def test_without_a_trace_nothing_is_recorded_and_traces_do_not_nest():
    assert tracing.slot.trace is None
    with tracing.Trace():
        with pytest.raises(RuntimeError, match="already tracing"):
            with tracing.Trace():
                pass
    assert tracing.slot.trace is None


def test_a_trace_sees_only_its_own_thread():
    def other():
        nx.randn(4).exp()

    with tracing.Trace() as trace:
        worker = threading.Thread(target=other)
        worker.start()
        worker.join()
    assert trace.events == []


def test_a_listener_gets_each_event_as_it_happens():
    seen = []
    with tracing.Trace(listener=lambda event: seen.append(event.out.tolist())) as trace:
        y = nx.ones(2) * 3
        y = y + 1
    assert seen == [[3.0, 3.0], [4.0, 4.0]] and trace.events == []
