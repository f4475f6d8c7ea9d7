"""Converters of the elementwise ops: arithmetic, exp and log, trigonometry, powers, rounding,
casts, ``where`` and ``clamp``.

Most map to one ONNX node of the same meaning; ONNX broadcasts as NumPy does. A number operand
becomes a constant of the output's dtype (what NumPy gave it in the forward). Where ONNX has no
node (expm1, log2, atan2, trunc...) the converter writes the formula the op's docstring states.
"""
import math

import numpy as np

from ...core.ops import arithmetic, exp_log, powers, rounding, trig, unary
from ..registry import UnsupportedOperatorError, converts

_BINARY = {arithmetic.Add: "Add", arithmetic.Sub: "Sub", arithmetic.Mul: "Mul",
           arithmetic.Div: "Div", arithmetic.Pow: "Pow", arithmetic.Maximum: "Max",
           arithmetic.Minimum: "Min"}
_UNARY = {arithmetic.Neg: "Neg", unary.Exp: "Exp", unary.Log: "Log", unary.Sqrt: "Sqrt",
          unary.Abs: "Abs", exp_log.Erf: "Erf", trig.Sin: "Sin", trig.Cos: "Cos",
          trig.Tan: "Tan", trig.Asin: "Asin", trig.Acos: "Acos", trig.Atan: "Atan",
          trig.Sinh: "Sinh", trig.Cosh: "Cosh", powers.Reciprocal: "Reciprocal",
          rounding.Sign: "Sign", rounding.Floor: "Floor", rounding.Ceil: "Ceil"}


@converts(*_BINARY)
def binary(g, call):
    x, y = call.args
    dtype = call.out.dtype
    return g.op(_BINARY[call.op], g.value(x, dtype), g.value(y, dtype))


@converts(*_UNARY)
def unary_op(g, call):
    return g.op(_UNARY[call.op], g.value(call.args[0]))


@converts(exp_log.Expm1, exp_log.Log1p, exp_log.Log2, exp_log.Log10, powers.Rsqrt)
def composed_unary(g, call):
    """expm1 = exp(x) - 1, log1p = log(1 + x), log2 / log10 = ln(x) / ln(base),
    rsqrt = 1 / sqrt(x)."""
    x, dtype = g.value(call.args[0]), call.out.dtype
    if call.op is exp_log.Expm1:
        return g.op("Sub", g.op("Exp", x), g.scalar(1, dtype))
    if call.op is exp_log.Log1p:
        return g.op("Log", g.op("Add", x, g.scalar(1, dtype)))
    if call.op is powers.Rsqrt:
        return g.op("Reciprocal", g.op("Sqrt", x))
    base = 2 if call.op is exp_log.Log2 else 10
    return g.op("Div", g.op("Log", x), g.scalar(math.log(base), dtype))


def trunc(g, x: str) -> str:
    """x rounded toward zero: sign(x) * floor(|x|) (ONNX has no Trunc)."""
    return g.op("Mul", g.op("Sign", x), g.op("Floor", g.op("Abs", x)))


@converts(rounding.Trunc)
def trunc_op(g, call):
    return trunc(g, g.value(call.args[0]))


@converts(rounding.Round)
def round_op(g, call):
    """Round halves to even, as NumPy; ``decimals`` scales by 10**decimals around it."""
    x, decimals = call.args
    if not decimals:
        return g.op("Round", g.value(x))
    scale = g.scalar(10.0 ** decimals, call.out.dtype)
    return g.op("Div", g.op("Round", g.op("Mul", g.value(x), scale)), scale)


@converts(rounding.RoundedDiv)
def rounded_div(g, call):
    """x / y rounded down ("floor") or toward zero ("trunc"), for floating tensors."""
    x, y, mode = call.args
    if call.out.dtype.kind != "f":
        raise UnsupportedOperatorError("integer division with a rounding_mode is not exported; "
                                       "divide floating tensors")
    dtype = call.out.dtype
    quotient = g.op("Div", g.value(x, dtype), g.value(y, dtype))
    return g.op("Floor", quotient) if mode == "floor" else trunc(g, quotient)


@converts(trig.Atan2)
def atan2(g, call):
    """atan(y / x), moved by pi to the quadrant of (x, y) where x < 0: pi if y >= 0, else -pi."""
    y, x = call.args
    dtype = call.out.dtype
    yv, xv = g.value(y, dtype), g.value(x, dtype)
    zero = g.scalar(0, dtype)
    base = g.op("Atan", g.op("Div", yv, xv))
    turn = g.op("Where", g.op("GreaterOrEqual", yv, zero), g.scalar(math.pi, dtype),
                g.scalar(-math.pi, dtype))
    return g.op("Where", g.op("Less", xv, zero), g.op("Add", base, turn), base)


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
