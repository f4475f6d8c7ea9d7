"""Converters of the activations: ReLU, leaky ReLU, sigmoid, tanh, GELU, softmax and log-softmax
(``core/ops/activation.py``), hardtanh, hardsigmoid, hardswish (``piecewise.py``), ELU and SELU,
softplus, mish (``smooth.py``).

ONNX has a node for most (Relu, Elu, Selu, HardSigmoid, HardSwish, Softplus); the others are
written as the formula in their op's docstring: GELU (ONNX's Gelu is opset 20), softplus with
beta and a threshold, mish (opset 18), an ELU whose input is scaled.
"""
import math

from ...core.ops import activation, dropout, piecewise, smooth
from ..registry import UnsupportedOperatorError, converts

_UNARY = {activation.ReLUOp: "Relu", activation.SigmoidOp: "Sigmoid",
          activation.TanhOp: "Tanh", piecewise.HardswishOp: "HardSwish"}


@converts(*_UNARY)
def unary_activation(g, call):
    return g.op(_UNARY[call.op], g.value(call.args[0]))


@converts(activation.LeakyReLUOp)
def leaky_relu(g, call):
    return g.op("LeakyRelu", g.value(call.args[0]), alpha=float(call.args[1]))


@converts(activation.GELUOp)
def gelu(g, call):
    """x * Phi(x) = x (1 + erf(x / sqrt(2))) / 2, or with approximate="tanh"
    x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x**3))) / 2."""
    x, approximate = call.args
    xv, dtype = g.value(x), call.out.dtype
    if approximate == "tanh":
        cube = g.op("Mul", g.op("Mul", xv, xv), xv)
        inner = g.op("Add", xv, g.op("Mul", cube, g.scalar(0.044715, dtype)))
        curve = g.op("Tanh", g.op("Mul", inner, g.scalar(math.sqrt(2 / math.pi), dtype)))
    else:
        curve = g.op("Erf", g.op("Mul", xv, g.scalar(1 / math.sqrt(2), dtype)))
    half = g.op("Mul", xv, g.scalar(0.5, dtype))
    return g.op("Mul", half, g.op("Add", curve, g.scalar(1, dtype)))


@converts(activation.SoftmaxOp)
def softmax(g, call):
    return g.op("Softmax", g.value(call.args[0]), axis=int(call.args[1]))


@converts(activation.LogSoftmaxOp)
def log_softmax(g, call):
    return g.op("LogSoftmax", g.value(call.args[0]), axis=int(call.args[1]))


@converts(piecewise.HardtanhOp)
def hardtanh(g, call):
    """min(max(x, lo), hi) with the bounds in x's dtype (relu6 is hardtanh(x, 0, 6))."""
    x, lo, hi = call.args
    dtype = call.out.dtype
    return g.op("Clip", g.value(x), g.scalar(lo, dtype), g.scalar(hi, dtype))


@converts(piecewise.HardsigmoidOp)
def hardsigmoid(g, call):
    """min(max(x + 3, 0), 6) / 6 = max(0, min(1, x / 6 + 1 / 2))."""
    return g.op("HardSigmoid", g.value(call.args[0]), alpha=1 / 6, beta=0.5)


@converts(smooth.ELUOp)
def elu(g, call):
    """scale * x for x > 0, alpha * scale * (exp(input_scale * x) - 1) for x <= 0: ONNX's Elu
    (scale 1) and Selu (gamma = scale), or the formula for another input_scale."""
    x, alpha, scale, input_scale = call.args
    xv, dtype = g.value(x), call.out.dtype
    if input_scale == 1:
        if scale == 1:
            return g.op("Elu", xv, alpha=float(alpha))
        return g.op("Selu", xv, alpha=float(alpha), gamma=float(scale))
    negative = g.op("Mul", g.op("Sub", g.op("Exp", g.op("Mul", xv, g.scalar(input_scale, dtype))),
                                g.scalar(1, dtype)), g.scalar(alpha * scale, dtype))
    return g.op("Where", g.op("Greater", xv, g.scalar(0, dtype)),
                g.op("Mul", xv, g.scalar(scale, dtype)), negative)


def softplus(g, x: str, beta: float, threshold: float, dtype) -> str:
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold."""
    if beta == 1:
        out = g.op("Softplus", x)
        scaled = x
    else:
        scaled = g.op("Mul", x, g.scalar(beta, dtype))
        out = g.op("Div", g.op("Softplus", scaled), g.scalar(beta, dtype))
    if threshold == math.inf:
        return out
    return g.op("Where", g.op("Greater", scaled, g.scalar(threshold, dtype)), x, out)


@converts(smooth.SoftplusOp)
def softplus_op(g, call):
    x, beta, threshold = call.args
    return softplus(g, g.value(x), beta, threshold, call.out.dtype)


@converts(smooth.MishOp)
def mish(g, call):
    """x * tanh(softplus(x))."""
    xv = g.value(call.args[0])
    return g.op("Mul", xv, g.op("Tanh", softplus(g, xv, 1, math.inf, call.out.dtype)))


@converts(dropout.DropoutOp)
def dropout_(g, call):
    raise UnsupportedOperatorError(
        "dropout in training mode multiplies by a mask drawn in NumPy at each call; export "
        "runs the model in eval mode, where nn.Dropout does nothing, so a forward that calls "
        "F.dropout(x, training=True) itself cannot be exported")
