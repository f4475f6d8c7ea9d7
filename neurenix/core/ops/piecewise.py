"""Piecewise-linear and piecewise-quadratic activations: hardtanh, relu6, hardsigmoid,
hardswish. Same shape and dtype as the input.

Each is linear (hardswish: quadratic) between kinks, so its derivative is a constant mask or
factor on each piece, decided once in the forward. The values at the kinks are PyTorch's: a
bound of hardtanh or relu6 gets gradient 0, hardsigmoid's derivative is 0 at -3 and 3, and
hardswish's is 0 at -3 and 1 at 3 (its second derivative 1/3 strictly between them).

``inplace=True`` writes the result into the input and returns it, as PyTorch does; when a
graph is recorded that is the in-place mechanism of ``tensor_methods/inplace.py``.
"""
import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from .arithmetic import Mul
from .unary import floating


class HardtanhOp(Function):
    """y = min(max(x, lo), hi).  dL/dx = dL/dy * (lo < x < hi): a constant mask, 0 at the
    bounds (PyTorch's ``hardtanh_backward``)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward((x > lo) & (x < hi))
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, grad_out):
        (inside,) = ctx.saved_tensors
        return Mul.apply(grad_out, inside.data), None, None


class HardsigmoidOp(Function):
    """y = min(max(x + 3, 0), 6) / 6.  dL/dx = dL/dy * (-3 < x < 3) / 6, a constant factor."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        # exactly 1/6 (PyTorch's kernel multiplies by the float32 1/6 even in float64, a
        # difference of 3e-8 relative)
        ctx.save_for_backward(np.where((x > -3) & (x < 3), x.dtype.type(1 / 6), x.dtype.type(0)))
        return np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx, grad_out):
        (factor,) = ctx.saved_tensors
        return (Mul.apply(grad_out, factor.data),)


class HardswishOp(Function):
    """y = x * min(max(x + 3, 0), 6) / 6.  dL/dx = ``HardswishBackward``(dL/dy, x)."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return (HardswishBackward.apply(grad_out, x),)


class HardswishBackward(Function):
    """out = g * (0 if x <= -3, x / 3 + 1/2 if -3 < x < 3, 1 if x >= 3).
    dL/dg = HardswishBackward(dL/dout, x), dL/dx = dL/dout * g * (-3 < x < 3) / 3."""

    __slots__ = ()

    @staticmethod
    def forward(ctx, g, x):
        ctx.save_for_backward(g, x)
        slope = np.where(x <= -3, 0, np.where(x < 3, x / 3 + 0.5, 1)).astype(x.dtype, copy=False)
        return g * slope

    @staticmethod
    def backward(ctx, grad_out):
        g, x = ctx.saved_tensors
        need_g, need_x = ctx.needs_input_grad
        grad_x = None
        if need_x:
            inside = (x.data > -3) & (x.data < 3)  # the pieces are straight: a constant curvature
            grad_x = grad_out * g * Tensor._wrap(inside.astype(x.dtype) / 3)
        return HardswishBackward.apply(grad_out, x) if need_g else None, grad_x


def apply_activation(op: str, input: Tensor, inplace: bool, function,
                     keep_integers: bool = False) -> Tensor:
    """``function(input)`` for the activation ``op``: ``input`` checked to be a Tensor and made
    floating (integers give the default float) unless ``keep_integers``. With ``inplace`` the
    result is written into ``input``, which is returned, as PyTorch's ``F.elu(x, inplace=True)``
    (recorded in the graph when it needs to be, see ``tensor_methods/inplace.py``).

    Raises: TypeError for a non-Tensor, or for ``inplace`` on an integer tensor whose result is
        floating.
    """
    x = input if keep_integers else floating(op, input)
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if not inplace:
        return function(x)
    if x is not input:
        raise TypeError(f"{op}: inplace=True needs a floating tensor: the result cannot be "
                        f"stored in place in a tensor of dtype {input.dtype} and shape "
                        f"{input.shape}")
    return input._update(op, lambda a, _, out: np.copyto(out, function(Tensor._wrap(a)).data),
                         None, lambda before, _: function(before))


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """Clamp into [min_val, max_val]; the gradient is 1 strictly inside and 0 at and beyond the
    bounds, as in PyTorch.

    Args:  input: any tensor (integer tensors stay integer, their bounds truncated as PyTorch
        does).  min_val, max_val: the bounds.  inplace: write the result into ``input`` and
        return it.
    Shape: (*) -> (*), the dtype of ``input``.
    Raises: ValueError when min_val > max_val.

    Examples: ``F.hardtanh(x, -2.0, 2.0)``.
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val="
                         f"{min_val}, max_val={max_val}")
    return _clamp_between("hardtanh", input, min_val, max_val, inplace)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(input, 0), 6): ``hardtanh(input, 0, 6)``, with gradient 0 at 0 and at 6 as in
    PyTorch (MobileNet's activation).

    Shape: (*) -> (*), the dtype of ``input``.

    Examples: ``F.relu6(x)``, ``F.relu6(x, inplace=True)``.
    """
    return _clamp_between("relu6", input, 0.0, 6.0, inplace)


def _clamp_between(op: str, input: Tensor, lo: float, hi: float, inplace: bool) -> Tensor:
    def clamp(t):  # an integer input keeps its dtype: the bounds are truncated to it
        return HardtanhOp.apply(t, t.dtype.type(lo), t.dtype.type(hi))
    return apply_activation(op, input, inplace, clamp, keep_integers=True)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(input + 3) / 6: a piecewise-linear sigmoid, 0 below -3 and 1 above 3.

    Shape: (*) -> (*), the dtype of ``input`` (integers give the default float).

    Examples: ``F.hardsigmoid(x)``.
    """
    return apply_activation("hardsigmoid", input, inplace, HardsigmoidOp.apply)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """input * relu6(input + 3) / 6 (MobileNetV3's activation): 0 below -3, the identity
    above 3, a parabola between.

    Shape: (*) -> (*), the dtype of ``input`` (integers give the default float).

    Examples: ``F.hardswish(x)``.
    """
    return apply_activation("hardswish", input, inplace, HardswishOp.apply)
