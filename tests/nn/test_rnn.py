"""nn.RNN, nn.LSTM and nn.GRU (neurenix/nn/rnn.py) against PyTorch's, loaded from its state
dict: outputs and final states, input, initial-state and parameter gradients and second
derivatives over num_layers, bidirectional, batch_first, bias, proj_size, unbatched inputs;
dropout between layers; weight layout and initialisation; errors."""
import numpy as np
import pytest

import neurenix as nx
import neurenix.nn.functional as F
from layer_reference import assert_layer_matches, torch_pair

IN, HID, L, N = 3, 4, 3, 2
RNG = np.random.default_rng(0)
pytestmark = pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")

OPTIONS = [  # name, constructor keyword arguments
    ("default", {}),
    ("2 layers bidirectional", dict(num_layers=2, bidirectional=True)),
    ("batch_first no bias", dict(batch_first=True, bias=False)),
    ("2 layers batch_first bidirectional", dict(num_layers=2, batch_first=True,
                                                bidirectional=True)),
]
GRID = ([("RNN", kw) for _, kw in OPTIONS] + [("RNN", dict(nonlinearity="relu", num_layers=2))]
        + [("GRU", kw) for _, kw in OPTIONS] + [("LSTM", kw) for _, kw in OPTIONS]
        + [("LSTM", dict(proj_size=2)), ("LSTM", dict(proj_size=3, num_layers=2,
                                                      bidirectional=True, batch_first=True))])
GRID_IDS = [f"{cls} {kw}" for cls, kw in GRID]


def _make(cls, **kwargs):
    return lambda lib: getattr(lib.nn, cls)(IN, HID, **kwargs)


def _input(kwargs, batched=True):
    shape = ((N, L, IN) if kwargs.get("batch_first") else (L, N, IN)) if batched else (L, IN)
    return RNG.standard_normal(shape)


def _initial(cls, kwargs, batched=True):
    """Random initial states: [h_0] or [h_0, c_0]."""
    layers = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
    sizes = [kwargs.get("proj_size") or HID] + ([HID] if cls == "LSTM" else [])
    return [RNG.standard_normal((layers, N, size) if batched else (layers, size))
            for size in sizes]


def _call(cls):
    """layer(x) or layer(x, h_0) / layer(x, (h_0, c_0))."""
    def call(m, x, *states):
        if not states:
            return m(x)
        return m(x, tuple(states) if cls == "LSTM" else states[0])
    return call


@pytest.mark.parametrize("with_states", [False, True], ids=["zero states", "given states"])
@pytest.mark.parametrize("cls, kwargs", GRID, ids=GRID_IDS)
def test_matches_torch_to_second_order_in_float64(cls, kwargs, with_states):
    torch = pytest.importorskip("torch")
    states = _initial(cls, kwargs) if with_states else []
    assert_layer_matches(torch, _make(cls, **kwargs), _call(cls), _input(kwargs), *states,
                         second_order=True)


@pytest.mark.parametrize("cls, kwargs", GRID, ids=GRID_IDS)
def test_unbatched_input_matches_torch(cls, kwargs):
    torch = pytest.importorskip("torch")
    assert_layer_matches(torch, _make(cls, **kwargs), _call(cls), _input(kwargs, False),
                         *_initial(cls, kwargs, False), second_order=True)


@pytest.mark.parametrize("cls, kwargs", GRID, ids=GRID_IDS)
def test_matches_torch_in_float32(cls, kwargs):
    torch = pytest.importorskip("torch")
    assert_layer_matches(torch, _make(cls, **kwargs), _call(cls), _input(kwargs),
                         *_initial(cls, kwargs), dtype=np.float32)


@pytest.mark.parametrize("cls", ["RNN", "GRU", "LSTM"])
def test_dropout_between_layers(cls, monkeypatch):
    """Training drops each layer's output but the last's (p = 1 zeroes it: PyTorch's result,
    deterministic); eval mode drops nothing (PyTorch's result too)."""
    torch = pytest.importorskip("torch")
    make = _make(cls, num_layers=3, dropout=1.0)
    x = _input({})
    assert_layer_matches(torch, make, _call(cls), x, training=True, second_order=True)
    assert_layer_matches(torch, make, _call(cls), x, training=False, second_order=True)
    dropped = []

    def spy(input, p=0.5, training=True, inplace=False):
        out = original(input, p, training)
        dropped.append((training, out.numpy()))
        return out
    original = F.dropout
    monkeypatch.setattr(F, "dropout", spy)
    nx.manual_seed(0)
    layer = getattr(nx.nn, cls)(IN, 40, num_layers=3, dropout=0.3)
    layer(nx.tensor(_input({}).astype(np.float32)))
    assert len(dropped) == 2 * L and all(training for training, _ in dropped)  # per step
    zeros = np.mean([(out == 0).mean() for _, out in dropped])
    assert abs(zeros - 0.3) < 0.08


def test_dropout_with_one_layer_warns_as_torch():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nx.nn.GRU(IN, HID, dropout=0.2)


@pytest.mark.parametrize("cls, kwargs", GRID, ids=GRID_IDS)
def test_state_dict_keys_shapes_and_repr_match_torch(cls, kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = torch_pair(torch, _make(cls, **kwargs))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        assert ours.state_dict()[key].shape == tuple(value.shape), key
    assert repr(ours) == repr(theirs)
    assert [[tuple(w.shape) for w in ws] for ws in ours.all_weights] == \
        [[tuple(w.shape) for w in ws] for ws in theirs.all_weights]


@pytest.mark.parametrize("cls", ["RNN", "GRU", "LSTM"])
def test_default_initialisation_is_uniform_within_one_over_sqrt_hidden(cls):
    layer = getattr(nx.nn, cls)(16, 25, num_layers=2, bidirectional=True)
    assert all(p.dtype == nx.float32 for p in layer.parameters())
    values = np.concatenate([p.numpy().ravel() for p in layer.parameters()])
    assert 0.199 < np.abs(values).max() <= 0.2          # U(-k, k), k = 1 / sqrt(25)
    assert abs(values.mean()) < 0.01 and abs(values.std() - 0.2 / np.sqrt(3)) < 0.005


def test_gate_order_is_torchs():
    """Biases in the order i, f, g, o: with the input gate shut, the forget gate open and a
    non-zero candidate g, c_t keeps c_{t-1}, so c_n equals c_0 (swapping i and f would give
    tanh(1))."""
    layer = nx.nn.LSTM(1, 2).double()
    for p in layer.parameters():
        p.data[...] = 0
    layer.bias_ih_l0.data[0:2] = -50   # i: shut
    layer.bias_ih_l0.data[2:4] = 50    # f: open
    layer.bias_ih_l0.data[4:6] = 1     # g: tanh(1)
    c0 = nx.tensor(np.array([[[0.3, -0.7]]]))
    _, (_, c_n) = layer(nx.tensor(np.ones((4, 1, 1))), (nx.zeros_like(c0), c0))
    np.testing.assert_allclose(c_n.numpy(), c0.numpy())


ERRORS = [  # make, call, exception, words
    (lambda: nx.nn.LSTM(IN, HID), lambda m: m(nx.zeros(5)), ValueError,
     ["LSTM", "(L, H_in)", "(5,)"]),
    (lambda: nx.nn.GRU(IN, HID), lambda m: m(nx.zeros(L, N, IN + 1)), ValueError,
     ["GRU", "input_size = 3", "(3, 2, 4)"]),
    (lambda: nx.nn.GRU(IN, HID, batch_first=True), lambda m: m(nx.zeros(N, 0, IN)),
     ValueError, ["GRU", "sequence length", "(2, 0, 3)"]),
    (lambda: nx.nn.GRU(IN, HID, num_layers=2), lambda m: m(nx.zeros(L, N, IN),
                                                           nx.zeros(1, N, HID)),
     ValueError, ["GRU", "(2, 2, 4)", "(1, 2, 4)"]),
    (lambda: nx.nn.RNN(IN, HID), lambda m: m(nx.zeros(L, IN), nx.zeros(1, N, HID)),
     ValueError, ["RNN", "(1, 4)", "(1, 2, 4)"]),
    (lambda: nx.nn.LSTM(IN, HID), lambda m: m(nx.zeros(L, N, IN), nx.zeros(1, N, HID)),
     TypeError, ["LSTM", "(h_0, c_0)"]),
    (lambda: nx.nn.LSTM(IN, HID, proj_size=2), lambda m: m(
        nx.zeros(L, N, IN), (nx.zeros(1, N, HID), nx.zeros(1, N, HID))),
     ValueError, ["LSTM", "(1, 2, 2)", "(1, 2, 4)"]),
    (lambda: nx.nn.LSTM(IN, HID), lambda m: m(nx.zeros(L, N, IN, dtype=nx.float64)),
     TypeError, ["LSTM", "float64", "float32"]),
]


@pytest.mark.parametrize("make, call, error, words", ERRORS)
def test_forward_errors_name_the_layer_and_shapes(make, call, error, words):
    with pytest.raises(error) as info:
        call(make())
    for word in words:
        assert word in str(info.value), (word, str(info.value))


@pytest.mark.parametrize("make, error, words", [
    (lambda: nx.nn.LSTM(IN, 0), ValueError, ["LSTM", "greater than zero"]),
    (lambda: nx.nn.GRU(IN, HID, dropout=1.5), ValueError, ["GRU", "dropout", "1.5"]),
    (lambda: nx.nn.LSTM(IN, HID, proj_size=HID), ValueError, ["LSTM", "proj_size", "4"]),
    (lambda: nx.nn.RNN(IN, HID, nonlinearity="gelu"), ValueError, ["RNN", "gelu"]),
    (lambda: nx.nn.RNN(IN, 2.5), TypeError, ["RNN", "hidden_size", "float"]),
])
def test_constructor_errors_name_the_layer(make, error, words):
    with pytest.raises(error) as info:
        make()
    for word in words:
        assert word in str(info.value), (word, str(info.value))
