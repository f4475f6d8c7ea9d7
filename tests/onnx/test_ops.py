"""The converters of the Tensor ops that no layer above reaches alone (reductions, shapes,
indexing, elementwise functions): each op in a one-line model, through ONNX Runtime."""
import pytest

import neurenix as nx
from neurenix import nn

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


class Lambda(nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *xs):
        return self.fn(*xs)


OPS = [  # name, the model's forward, its input shapes
    ("sum-keepdim", lambda x: x.sum(dim=(1, 3), keepdim=True), [(2, 3, 4, 5)]),
    ("mean-all", lambda x: x.mean(), [(2, 3, 4)]),
    ("amax-amin", lambda x: nx.amax(x, dim=1) - nx.amin(x, dim=-1, keepdim=True).sum(),
     [(2, 3, 4)]),
    ("var-std", lambda x: x.var(dim=2) + x.std(dim=(0, 2)), [(2, 3, 5)]),
    ("logsumexp", lambda x: nx.logsumexp(x, dim=1), [(2, 3, 4)]),
    ("permute-transpose", lambda x: x.permute(0, 2, 3, 1).transpose(1, 2), [(2, 3, 4, 5)]),
    ("reshape-view", lambda x: x.reshape(2, 12, 5).view(2, 3, 4, 5) * 2, [(2, 3, 4, 5)]),
    ("expand-unsqueeze-squeeze", lambda x: x.expand(2, 4, 3).unsqueeze(1).squeeze(1), [(2, 1, 3)]),
    ("cat-stack-chunk", lambda x, y: nx.cat(nx.stack([x, y], dim=1).chunk(2, dim=1), dim=0),
     [(2, 3, 4), (2, 3, 4)]),
    ("getitem-basic", lambda x: x[1:, None, ..., ::2, -1] + x[0, :, 1:3, 2], [(2, 3, 4, 5)]),
    ("getitem-negative-step", lambda x: x[..., ::-1][:, :2, :2] - x[::-1, 1::-1, -2:], [(2, 3, 4, 5)]),
    ("clone-neg-abs", lambda x: (-x.clone()).abs(), [(2, 3)]),
    ("exp-log-sqrt", lambda x: (x.exp() + 1).log().sqrt(), [(2, 3)]),
    ("pow-div", lambda x, y: (x.abs() + 1) ** y / (y * y + 1), [(2, 3), (3,)]),
    ("clamp-numbers", lambda x: x.clamp(-0.5, 0.5) + x.clamp(min=0.1), [(2, 3)]),
    ("clamp-tensors", lambda x, lo: nx.clamp(x, lo, lo + 1), [(2, 3), (3,)]),
    ("maximum-minimum", lambda x, y: nx.maximum(x, y) - nx.minimum(x, 0.5), [(2, 3), (2, 3)]),
    ("where-constant-mask", lambda x, y: nx.where(nx.tensor([True, False, True]), x, y),
     [(2, 3), (2, 3)]),
    ("cast-float64", lambda x: x.double() * 2, [(2, 3)]),
    ("matmul-batched", lambda x, y: x @ y, [(2, 3, 4), (4, 5)]),
    ("pad-constant", lambda x: nx.pad(x, (1, 2, 0, 1), value=0.5), [(2, 3, 4, 5)]),
    ("pad-reflect", lambda x: nx.pad(x, (2, 1, 1, 2), mode="reflect"), [(2, 3, 4, 5)]),
    ("pad-replicate", lambda x: nx.pad(x, (1, 1), mode="replicate"), [(2, 3, 4)]),
    ("pad-crop", lambda x: nx.pad(x, (-1, 0, 0, -2)), [(2, 3, 4, 5)]),
    ("softmax-log-softmax", lambda x: x.softmax(dim=-1) + x.log_softmax(dim=0), [(2, 3)]),
    ("setitem-under-no-grad", lambda x: _written(x), [(2, 3, 4)]),
]


def _written(x):
    with nx.no_grad():
        out = x.clone()
        out[0] = 1.0
        out[:, 1:, 2] = x[:, :2, 0] * 3
    return out


@pytest.mark.parametrize("name, fn, shapes", OPS, ids=[case[0] for case in OPS])
def test_op_runs_in_onnx_runtime_as_in_neurenix(name, fn, shapes, roundtrip):
    nx.manual_seed(0)
    roundtrip(Lambda(fn), *[nx.randn(*shape) for shape in shapes])
