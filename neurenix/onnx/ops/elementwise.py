"""Converters of the elementwise ops: arithmetic, unary functions, activations, casts.

Most map to one ONNX node of the same meaning; ONNX broadcasts as NumPy does. A number operand
becomes a constant of the output's dtype (what NumPy gave it in the forward).
"""
import numpy as np

from ...core.ops import activation, arithmetic, unary
from ..registry import converts

_BINARY = {arithmetic.Add: "Add", arithmetic.Sub: "Sub", arithmetic.Mul: "Mul",
           arithmetic.Div: "Div", arithmetic.Pow: "Pow", arithmetic.Maximum: "Max",
           arithmetic.Minimum: "Min"}
_UNARY = {arithmetic.Neg: "Neg", unary.Exp: "Exp", unary.Log: "Log", unary.Sqrt: "Sqrt",
          unary.Abs: "Abs", activation.ReLU: "Relu", activation.Sigmoid: "Sigmoid",
          activation.Tanh: "Tanh"}


@converts(*_BINARY)
def binary(g, call):
    x, y = call.args
    dtype = call.out.dtype
    return g.op(_BINARY[call.op], g.value(x, dtype), g.value(y, dtype))


@converts(*_UNARY)
def unary_op(g, call):
    return g.op(_UNARY[call.op], g.value(call.args[0]))


@converts(arithmetic.Cast)
def cast(g, call):
    to = g.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(call.args[1]))
    return g.op("Cast", g.value(call.args[0]), to=to)


@converts(arithmetic.Where)
def where(g, call):
    cond, x, y = call.args
    dtype = call.out.dtype
    return g.op("Where", g.value(cond), g.value(x, dtype), g.value(y, dtype))


@converts(unary.Clamp)
def clamp(g, call):
    x, lo, hi = call.args
    out = g.value(x)
    # Max then Min, as the forward: Clip would need scalar bounds, and where lo > hi the
    # result is hi, as in PyTorch
    if lo is not None:
        out = g.op("Max", out, g.value(lo, call.out.dtype))
    if hi is not None:
        out = g.op("Min", out, g.value(hi, call.out.dtype))
    return out


@converts(activation.LeakyReLU)
def leaky_relu(g, call):
    return g.op("LeakyRelu", g.value(call.args[0]), alpha=float(call.args[1]))


@converts(activation.GELU)
def gelu(g, call):
    """x * Phi(x) = x * (1 + erf(x / sqrt(2))) / 2: the exact GELU (ONNX's Gelu is opset 20)."""
    x, dtype = g.value(call.args[0]), call.out.dtype
    erf = g.op("Erf", g.op("Mul", x, g.constant(np.asarray(1 / np.sqrt(2), dtype))))
    half = g.op("Mul", x, g.constant(np.asarray(0.5, dtype)))
    return g.op("Mul", half, g.op("Add", erf, g.constant(np.asarray(1, dtype))))


@converts(activation.Softmax)
def softmax(g, call):
    return g.op("Softmax", g.value(call.args[0]), axis=int(call.args[1]))


@converts(activation.LogSoftmax)
def log_softmax(g, call):
    return g.op("LogSoftmax", g.value(call.args[0]), axis=int(call.args[1]))
