"""Converters of max pooling's indices and of max unpooling.

ONNX's MaxPool returns, as its second output, flat positions in the whole (N, C, H, W) input;
PyTorch's (and neurenix's) are positions h * W + w in each (H, W) plane: the remainder modulo
H*W. Unpooling writes each value at its position in a zero (N, C, OH*OW) tensor
(ScatterElements along the plane), the batch axis dynamic.
"""
import numpy as np

from ...core.ops import pool, unpool
from ..registry import converts
from .pool import _pads


@converts(pool.MaxPoolIndices)
def max_pool_indices(g, call):
    x, kernel, stride, padding, dilation, out_size = call.args
    g.written("the pooling window and the size of a plane",
              lambda args: (*args[1:], args[0].shape[2] * args[0].shape[3]))
    _, indices = g.op("MaxPool", g.value(x), outputs=2, kernel_shape=list(kernel),
                      strides=list(stride), dilations=list(dilation),
                      pads=_pads(g, x.shape, kernel, stride, padding, dilation, out_size))
    return g.op("Mod", indices, g.constant(np.asarray(x.shape[2] * x.shape[3], np.int64)))


@converts(unpool.MaxUnpool2dOp)
def max_unpool2d(g, call):
    x, index, size = call.args
    xv, dtype = g.value(x), call.out.dtype
    planes = g.op("Shape", xv, start=0, end=2)  # (N, C), N dynamic
    zeros = g.op("ConstantOfShape", g.op("Concat", planes, g.ints([size[0] * size[1]]), axis=0),
                 value=g.onnx.numpy_helper.from_array(np.zeros(1, dtype)))
    flat = g.op("ScatterElements", zeros, g.op("Reshape", g.value(index), g.ints([0, 0, -1])),
                g.op("Reshape", xv, g.ints([0, 0, -1])), axis=2)
    return g.op("Reshape", flat, g.op("Concat", planes, g.ints(list(size)), axis=0))
