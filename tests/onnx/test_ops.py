"""The converters of the Tensor ops that no layer above reaches alone (reductions, shapes,
indexing, elementwise functions): each op in a one-line model, through ONNX Runtime."""
import pytest

import neurenix as nx
from neurenix import nn

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")



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
    ("getitem-negative-step", lambda x: x[..., ::-1][:, :2, :2] - x[::-1, 1::-1, -2:],
     [(2, 3, 4, 5)]),
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
    ("interpolate-area", lambda x: nx.interpolate(x, size=(3, 7), mode="area"), [(2, 3, 7, 9)]),
    ("unfold-fold", lambda x: nn.functional.fold(nn.functional.unfold(x, 3, padding=1),
                                                 (5, 6), 3, padding=1), [(2, 3, 5, 6)]),
    ("max-pool-unpool", lambda x: nn.functional.max_unpool2d(
        *nx.max_pool2d(x, 2, return_indices=True), 2, output_size=(5, 7)), [(2, 3, 5, 7)]),
    ("layer-group-instance-norm", lambda x: nx.layer_norm(x, (4, 5)) + nx.group_norm(x, 3) +
     nx.instance_norm(x), [(2, 6, 4, 5)]),
    ("trig", lambda x: x.sin() + x.cos() + x.tan() / 10 + nx.atan(x) + nx.sinh(x) / 5 +
     nx.cosh(x) / 5 + nx.asin(x.tanh() * 0.9) + nx.acos(x.tanh() * 0.9), [(2, 3)]),
    ("atan2", lambda y, x: nx.atan2(y, x) + nx.atan2(y, -x.abs()), [(3, 4), (3, 4)]),
    ("exp-log-erf", lambda x: nx.expm1(x) + nx.log1p(x.abs()) + nx.log2(x.abs() + 1) +
     nx.log10(x.abs() + 1) + nx.erf(x), [(2, 3)]),
    ("reciprocal-rsqrt", lambda x: nx.reciprocal(x.abs() + 1) + nx.rsqrt(x.abs() + 1), [(2, 3)]),
    ("rounding", lambda x: (x * 3).floor() + (x * 3).ceil() + (x * 3).trunc() + (x * 3).round() +
     nx.round(x, decimals=1) + x.sign() + nx.div(x, 0.3, rounding_mode="floor") +
     nx.div(x, 0.3, rounding_mode="trunc"), [(3, 4)]),
    ("prod-cumsum-cumprod", lambda x: x.prod(dim=1) + x.cumsum(1).sum(1) + x.cumprod(1).sum(1) +
     x.prod(), [(2, 3, 4)]),
    ("vector-norms", lambda x: sum(nx.linalg.vector_norm(x, ord=p, dim=1) for p in (2, 1, 3, 0)),
     [(2, 3, 4)]),
    ("median-of-all", lambda x: x.median() * x, [(3, 5)]),
    ("flip-roll", lambda x: x.flip(1) + x.roll(2, dims=2) + nx.roll(x, (1, -1), (1, 2)),
     [(2, 3, 4)]),
    ("einsum", lambda x, y: nx.einsum("bij,jk->bik", x, y), [(2, 3, 4), (4, 5)]),
    ("integer-array-indexing", lambda x: x[:, [0, 2, -1]] + nx.gather(x, 1, nx.tensor(
        [[0, 1, 2], [2, 2, 0]])) + x.index_select(1, nx.tensor([2, 0, 1])), [(2, 3)]),
    ("composites", lambda x, y: nx.lerp(x, y, 0.3) + nx.movedim(x, 0, 1).T +
     nx.narrow(x, 1, 0, 3) + sum(nx.unbind(x, 0)) + x.repeat(1, 1) + x.repeat_interleave(1, 0),
     [(2, 3), (2, 3)]),
    ("scatter-scatter-add", lambda x, y: x.scatter(1, nx.tensor([[2, 0], [1, 1]]), y) +
     x.scatter_add(0, nx.tensor([[1, 0, 1]]), y[:1].expand(1, 3)) + x.scatter(1, nx.tensor(
         [[0], [2]]), 0.5), [(2, 3), (2, 3)]),
    ("attention-causal", lambda q, k, v: nn.functional.scaled_dot_product_attention(
        q, k, v, is_causal=True), [(2, 2, 4, 8), (2, 2, 4, 8), (2, 2, 4, 6)]),
]


def _written(x):
    with nx.no_grad():
        out = x.clone()
        out[0] = 1.0
        out[:, 1:, 2] = x[:, :2, 0] * 3
    return out


@pytest.mark.parametrize("name, fn, shapes", OPS, ids=[case[0] for case in OPS])
def test_op_runs_in_onnx_runtime_as_in_neurenix(name, fn, shapes, roundtrip, lambda_layer):
    nx.manual_seed(0)
    roundtrip(lambda_layer(fn), *[nx.randn(*shape) for shape in shapes])


@pytest.mark.parametrize("opset", [17, 19])
@pytest.mark.parametrize("pad, mode", [((2, 1, 1, 3), "circular"), ((-1, 2, 1, -1), "reflect"),
                                       ((2, -1, -1, 2), "circular"), ((0, 1, -1, 2), "replicate")])
def test_padding_modes_with_cropping_widths_export(pad, mode, opset, roundtrip, lambda_layer):
    roundtrip(lambda_layer(lambda x: nx.pad(x, pad, mode=mode)), nx.randn(2, 3, 4, 5),
              opset_version=opset)


def test_max_pooling_indices_export(roundtrip, lambda_layer):
    def fn(x):
        return (nx.adaptive_max_pool2d(x, (2, 3), return_indices=True)[1].sum() +
                nx.max_pool2d(x, 3, 2, 1, return_indices=True)[1].sum()) * 1.0

    roundtrip(lambda_layer(fn), nx.randn(2, 3, 5, 7))
