"""Converters of the ops behind the weight layers: convolutions, the linear map, matmul and
batch normalisation. Each is one ONNX node taking the layer's weights as initializers."""
import numpy as np

from ...core.ops import conv, linear, matmul, normalization
from ..registry import converts


def _optional(g, t) -> list:
    return [g.value(t)] if t is not None else []


@converts(conv.Conv2d)
def conv2d(g, call):
    x, w, b, stride, pads, dilation, groups, _ = call.args
    pt, pb, pl, pr = pads
    return g.op("Conv", g.value(x), g.value(w), *_optional(g, b),
                kernel_shape=list(w.shape[2:]), strides=list(stride), dilations=list(dilation),
                pads=[pt, pl, pb, pr], group=int(groups))


@converts(conv.ConvTranspose2d)
def conv_transpose2d(g, call):
    x, w, b, stride, padding, output_padding, groups, dilation = call.args
    (ph, pw) = padding
    return g.op("ConvTranspose", g.value(x), g.value(w), *_optional(g, b),
                kernel_shape=list(w.shape[2:]), strides=list(stride), dilations=list(dilation),
                pads=[ph, pw, ph, pw], output_padding=list(output_padding), group=int(groups))


@converts(linear.Linear)
def linear_(g, call):
    x, w, b = call.args
    if x.ndim == 2:
        return g.op("Gemm", g.value(x), g.value(w), *_optional(g, b), transB=1)
    out = g.op("MatMul", g.value(x), g.op("Transpose", g.value(w), perm=[1, 0]))
    return g.op("Add", out, g.value(b)) if b is not None else out


@converts(matmul.MatMul)
def matmul_(g, call):
    x, y = call.args
    return g.op("MatMul", g.value(x), g.value(y))


def _per_channel(g, v, channels: int, fill: float, dtype) -> str:
    """A (C,) weight, or the constant ``fill`` for a layer without it (affine=False)."""
    return g.value(v) if v is not None else g.constant(np.full(channels, fill, dtype))


@converts(normalization.BatchNormEval)
def batch_norm_eval(g, call):
    x, w, b, mean, var, eps = call.args
    c, dtype = x.shape[1], call.out.dtype
    return g.op("BatchNormalization", g.value(x), _per_channel(g, w, c, 1, dtype),
                _per_channel(g, b, c, 0, dtype), g.value(mean), g.value(var), epsilon=float(eps))


@converts(normalization.BatchNormTrain)
def batch_norm_batch_stats(g, call):
    """Normalisation by the batch's own statistics (a BatchNorm without running statistics,
    in eval mode too): (x - mean) / sqrt(biased var + eps) * w + b, per channel."""
    x, w, b, _, _, _, eps = call.args
    dtype, axes = call.out.dtype, [0] + list(range(2, x.ndim))
    xv = g.value(x)
    centered = g.op("Sub", xv, g.reduce("ReduceMean", xv, axes, True))
    var = g.reduce("ReduceMean", g.op("Mul", centered, centered), axes, True)
    std = g.op("Sqrt", g.op("Add", var, g.constant(np.asarray(eps, dtype))))
    out = g.op("Div", centered, std)
    channel = [x.shape[1]] + [1] * (x.ndim - 2)
    if w is not None:
        out = g.op("Mul", out, g.op("Reshape", g.value(w), g.ints(channel)))
    if b is not None:
        out = g.op("Add", out, g.op("Reshape", g.value(b), g.ints(channel)))
    return out
