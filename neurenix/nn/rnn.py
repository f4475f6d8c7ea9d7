"""Recurrent layers, as ``torch.nn.RNN``, ``LSTM`` and ``GRU``: multi-layer, optionally
bidirectional, with PyTorch's parameter names and layout (``weight_ih_l0``, ``weight_hh_l0``,
``bias_ih_l0``, ``bias_hh_l0``, ``*_reverse`` for the backward direction, gates stacked in
PyTorch's order), so a PyTorch state dict loads with ``strict=True``.

The recurrence is a Python loop over time steps made of differentiable ops, so gradients of every
order flow through it. Between layers the sequence stays a list of per-step tensors rather than
one tensor sliced at each step: the gradient of a slice is a zero array of the whole tensor's
size with the slice filled in, so slicing each of L steps makes the backward pass quadratic in
L. Only the input is sliced (recording a graph only if it requires grad).
"""
import math
import warnings

import numpy as np

from ..core import factories
from ..core.ops.shape import cat, stack
from ..core.tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """The parts RNN, LSTM and GRU share: parameters, checks, and the loop over layers,
    directions and time steps. A subclass gives its ``_cell`` (one time step) and its forward.

    Args: as the subclasses; ``mode`` is "RNN_TANH", "RNN_RELU", "LSTM" or "GRU".
    Attributes: for layer k and direction suffix "" or "_reverse", with G the gate count (1,
        4 or 3), H = hidden_size and H_out = proj_size or H:
        weight_ih_l{k}{suffix} (G*H, input_size for k = 0, else D*H_out),
        weight_hh_l{k}{suffix} (G*H, H_out), bias_ih_l{k}{suffix} and bias_hh_l{k}{suffix}
        (G*H,) with ``bias``, weight_hr_l{k}{suffix} (H_out, H) with ``proj_size``. All drawn
        from U(-1/sqrt(H), 1/sqrt(H)), as PyTorch.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing "
                             f"the probability of an element being zeroed, got {dropout!r}")
        for arg, value in (("input_size", input_size), ("hidden_size", hidden_size),
                           ("num_layers", num_layers), ("proj_size", proj_size)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"{name}: {arg} should be of type int, got "
                                f"{type(value).__name__}")
        if input_size <= 0 or hidden_size <= 0 or num_layers <= 0:
            raise ValueError(f"{name}: input_size, hidden_size and num_layers must be greater "
                             f"than zero, got {input_size}, {hidden_size}, {num_layers}")
        if proj_size < 0 or (proj_size and proj_size >= hidden_size):
            raise ValueError(f"{name}: proj_size must be 0 (no projection) or between 1 and "
                             f"hidden_size - 1 = {hidden_size - 1}, got {proj_size}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent "
                          f"layer, so non-zero dropout expects num_layers greater than 1, but "
                          f"got dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        gate_size, out_size = _GATES[mode] * hidden_size, proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._all_weights = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else out_size * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes = {"weight_ih": (gate_size, layer_input),
                          "weight_hh": (gate_size, out_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                names = [f"{kind}_l{layer}{suffix}" for kind in shapes]
                for param_name, shape in zip(names, shapes.values()):
                    setattr(self, param_name, Parameter(factories.zeros(*shape)))
                self._all_weights.append(names)
        self.reset_parameters()
        if device is not None or dtype is not None:
            self.to(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        """Redraw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    @property
    def all_weights(self) -> list:
        """The parameters of each (layer, direction), in PyTorch's order."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def _state_sizes(self) -> tuple:
        """The feature size of each recurrent state: (H,) for RNN and GRU."""
        return (self.hidden_size,)

    def _run(self, input: Tensor, hx) -> tuple:
        """The whole stack on ``input``; ``hx`` is None or a tuple of initial states, one per
        entry of ``_state_sizes()``. Returns (output, tuple of final states)."""
        directions = 2 if self.bidirectional else 1
        batched = self._check_input(input)
        x = input if batched else input.unsqueeze(1)  # an unbatched sequence: a batch of one
        if self.batch_first and batched:
            x = x.transpose(0, 1)  # the loop runs over (L, N, features)
        states = self._initial_states(hx, batched, x.shape[1], x.dtype)
        steps = x.unbind(0)  # the only slicing: each layer's outputs stay a list of steps
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                out, state = self._run_direction(steps, tuple(s[index] for s in states),
                                                 self.all_weights[index], direction == 1)
                outputs.append(out)
                for final, s in zip(finals, state):
                    final.append(s)
            steps = outputs[0] if directions == 1 else [cat(pair, dim=1)
                                                        for pair in zip(*outputs)]
            if self.dropout and layer < self.num_layers - 1:
                steps = [F.dropout(step, self.dropout, self.training) for step in steps]
        output, finals = stack(steps), tuple(stack(final) for final in finals)
        if not batched:
            return output.squeeze(1), tuple(h.squeeze(1) for h in finals)
        return (output.transpose(0, 1) if self.batch_first else output), finals

    def _run_direction(self, steps: list, state: tuple, weights: list, reverse: bool) -> tuple:
        """One layer in one direction over the steps (each (N, features)): (the outputs, each
        (N, H_out), in time order; the final state)."""
        w_ih, w_hh, *rest = weights
        b_ih, b_hh = rest[:2] if self.bias else (None, None)
        w_hr = rest[-1] if self.proj_size else None
        outputs = [None] * len(steps)
        for t in (reversed(range(len(steps))) if reverse else range(len(steps))):
            state = self._cell(F.linear(steps[t], w_ih, b_ih), state, w_hh, b_hh, w_hr)
            outputs[t] = state[0]
        return outputs, state

    def _cell(self, gates_x: Tensor, state: tuple, w_hh, b_hh, w_hr) -> tuple:
        raise NotImplementedError  # each recurrent layer defines its step

    def _check_input(self, input) -> bool:
        """Check the input's type, shape and dtype; True for a batched (3-D) input."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor (packed sequences are not "
                            f"supported), got {type(input).__name__}")
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            layout = "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
            raise ValueError(f"{name}: expected input (L, H_in) or {layout} with H_in = "
                             f"input_size = {self.input_size}, got shape {input.shape}")
        if input.shape[1 if self.batch_first and input.ndim == 3 else 0] == 0:
            raise ValueError(f"{name}: expected sequence length to be larger than 0, got input "
                             f"of shape {input.shape}")
        if input.dtype != self.weight_ih_l0.dtype:
            raise TypeError(f"{name}: input dtype {input.dtype} differs from the parameters' "
                            f"{self.weight_ih_l0.dtype}; convert the input or the module "
                            f"(.to(dtype))")
        return input.ndim == 3

    def _initial_states(self, hx, batched: bool, N: int, dtype) -> tuple:
        """The initial states (num_layers * D, N, size), zeros when ``hx`` is None."""
        name, sizes = type(self).__name__, self._state_sizes()
        layers = self.num_layers * (2 if self.bidirectional else 1)
        if hx is None:
            return tuple(Tensor._wrap(np.zeros((layers, N, size), dtype)) for size in sizes)
        states = []
        for h, size in zip(hx, sizes):
            expected = (layers, N, size) if batched else (layers, size)
            if not isinstance(h, Tensor) or h.shape != expected:
                got = h.shape if isinstance(h, Tensor) else type(h).__name__
                raise ValueError(f"{name}: expected initial state(s) of shape {expected} "
                                 f"(num_layers * num_directions, {'N, ' if batched else ''}"
                                 f"hidden size) for input of {'3' if batched else '2'} dims, "
                                 f"got {got}")
            if h.dtype != dtype:
                raise TypeError(f"{name}: initial state dtype {h.dtype} differs from the "
                                f"input's {dtype}")
            states.append(h if batched else h.unsqueeze(1))
        return tuple(states)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        for arg, default in (("proj_size", 0), ("num_layers", 1), ("bias", True),
                             ("batch_first", False), ("dropout", 0), ("bidirectional", False)):
            if getattr(self, arg) != default:
                s += f", {arg}={getattr(self, arg)}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu.

    Args:
        input_size: H_in, features per step.  hidden_size: H.  num_layers: stacked layers.
        nonlinearity: "tanh" or "relu".  bias: learn b_ih and b_hh.
        batch_first: input and output are (N, L, *) rather than (L, N, *).
        dropout: probability of dropout on each layer's output but the last, in training.
        bidirectional: also run each layer backward in time, concatenating the features.
    Shape: input (L, H_in) or (L, N, H_in) [(N, L, H_in) batch_first]; h_0 (D * num_layers, H)
        or (D * num_layers, N, H), zeros when omitted (D = 2 if bidirectional else 1)
        -> output (L, D * H) or (L, N, D * H) [(N, L, D * H)], h_n like h_0.
    Attributes: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k} (and _reverse), as
        ``RNNBase``.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; select from 'tanh' "
                             "or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)

    def _cell(self, gates_x, state, w_hh, b_hh, w_hr):
        pre = gates_x + F.linear(state[0], w_hh, b_hh)
        return (F.tanh(pre) if self.nonlinearity == "tanh" else F.relu(pre),)

    def forward(self, input: Tensor, hx=None) -> tuple:
        """Returns (output, h_n); see the class docstring for shapes."""
        output, (h_n,) = self._run(input, None if hx is None else (hx,))
        return output, h_n


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's gate order i, f, g, o::

        i, f, g, o = split(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)
        c_t = sigmoid(f) * c_{t-1} + sigmoid(i) * tanh(g)
        h_t = sigmoid(o) * tanh(c_t)            (then h_t W_hr^T with proj_size)

    Args: as ``RNN`` (no nonlinearity), plus proj_size: project h_t to this size (0: none).
    Shape: input as ``RNN``; hx = (h_0, c_0), h_0 (D * num_layers, N, H_out) and c_0
        (D * num_layers, N, H) (no N for unbatched input), zeros when omitted; H_out =
        proj_size or H -> output (L, N, D * H_out) [(N, L, D * H_out) batch_first],
        (h_n, c_n) like (h_0, c_0).
    Attributes: as ``RNNBase``, gates stacked (4H, *) in the order i, f, g, o.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype)

    def _state_sizes(self) -> tuple:
        return (self.proj_size or self.hidden_size, self.hidden_size)

    def _cell(self, gates_x, state, w_hh, b_hh, w_hr):
        h, c = state
        i, f, g, o = (gates_x + F.linear(h, w_hh, b_hh)).chunk(4, dim=-1)
        c = F.sigmoid(f) * c + F.sigmoid(i) * F.tanh(g)
        h = F.sigmoid(o) * F.tanh(c)
        return (h if w_hr is None else F.linear(h, w_hr)), c

    def forward(self, input: Tensor, hx=None) -> tuple:
        """Returns (output, (h_n, c_n)); see the class docstring for shapes."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
        output, (h_n, c_n) = self._run(input, hx)
        return output, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's gate order r, z, n and formula::

        r = sigmoid(x_t W_ir^T + b_ir + h W_hr^T + b_hr)
        z = sigmoid(x_t W_iz^T + b_iz + h W_hz^T + b_hz)
        n = tanh(x_t W_in^T + b_in + r * (h W_hn^T + b_hn))
        h_t = (1 - z) * n + z * h

    Args: as ``RNN`` (no nonlinearity).
    Shape: as ``RNN``: input and h_0 -> (output, h_n).
    Attributes: as ``RNNBase``, gates stacked (3H, *) in the order r, z, n.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device=device, dtype=dtype)

    def _cell(self, gates_x, state, w_hh, b_hh, w_hr):
        (h,) = state
        r_x, z_x, n_x = gates_x.chunk(3, dim=-1)
        r_h, z_h, n_h = F.linear(h, w_hh, b_hh).chunk(3, dim=-1)
        r, z = F.sigmoid(r_x + r_h), F.sigmoid(z_x + z_h)
        n = F.tanh(n_x + r * n_h)
        return (n + z * (h - n),)  # (1 - z) * n + z * h, one product fewer

    forward = RNN.forward  # (output, h_n), as RNN's
