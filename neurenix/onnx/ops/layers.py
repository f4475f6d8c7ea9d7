"""Converters of the ops behind the weight layers: convolutions, the linear map, matmul and
einsum, batch normalisation. Each is one ONNX node or a few, taking the layer's weights as
initializers. (Layer, group and instance normalisation are in ``layer_norm.py``, the embedding
in ``embedding.py``.)"""
import numpy as np

from ...core.ops import conv, einsum, linear, matmul, normalization
from ..registry import converts


def _optional(g, t) -> list:
    return [g.value(t)] if t is not None else []


@converts(conv.Conv2dOp)
def conv2d(g, call):
    """``pads`` are (top, bottom, left, right); ONNX lists all begins, then all ends."""
    x, w, b, stride, pads, dilation, groups, _ = call.args
    pt, pb, pl, pr = pads
    return g.op("Conv", g.value(x), g.value(w), *_optional(g, b),
                kernel_shape=list(w.shape[2:]), strides=list(stride), dilations=list(dilation),
                pads=[pt, pl, pb, pr], group=int(groups))


@converts(conv.ConvTranspose2dOp)
def conv_transpose2d(g, call):
    """The op's ``pads`` are those of the conv2d it is the adjoint of, (padding, padding -
    output_padding) per axis (``conv.conv_transpose2d``): ONNX takes padding and output_padding
    and computes the output size from the input's, so the batch and image size stay dynamic."""
    x, w, b, stride, pads, dilation, groups, _, _ = call.args
    pt, pb, pl, pr = pads
    g.size_free()  # the recorded output size is ONNX's own formula, at run time
    return g.op("ConvTranspose", g.value(x), g.value(w), *_optional(g, b),
                kernel_shape=list(w.shape[2:]), strides=list(stride), dilations=list(dilation),
                pads=[pt, pl, pt, pl], output_padding=[pt - pb, pl - pr], group=int(groups))


@converts(linear.LinearOp)
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


@converts(einsum.Einsum)
def einsum_(g, call):
    equation, *xs = call.args
    return g.op("Einsum", *[g.value(x) for x in xs], equation=equation)


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
    """Normalisation by the batch's own statistics: (x - mean) / sqrt(biased var + eps) * w + b
    per channel, as a BatchNorm without running statistics runs in eval mode too. (The
    running statistics it would update are not used by an inference-only graph.)"""
    x, w, b, _, _, _, eps = call.args
    dtype, axes = call.out.dtype, [0] + list(range(2, x.ndim))
    xv = g.value(x)
    centered = g.op("Sub", xv, g.reduce("ReduceMean", xv, axes, True))
    var = g.reduce("ReduceMean", g.op("Mul", centered, centered), axes, True)
    out = g.op("Div", centered, g.op("Sqrt", g.op("Add", var, g.scalar(eps, dtype))))
    if w is not None or b is not None:  # (C,) as (C, 1, ...); C may be N * channels
        channel = g.sizes(g.across(lambda args: (args[0].shape[1],) + (1,) * (args[0].ndim - 2)),
                          f"the channels of {x.shape}")
    if w is not None:
        out = g.op("Mul", out, g.op("Reshape", g.value(w), channel))
    if b is not None:
        out = g.op("Add", out, g.op("Reshape", g.value(b), channel))
    return out
