"""unfold (im2col) and fold (col2im): the sliding windows of an image as columns, and back.

``unfold`` lays every KH x KW window of the zero-padded image (N, C, H, W) out as one column of
a (N, C*KH*KW, L) tensor, L = OH*OW windows (rows ordered c, i, j, as the convolution's im2col;
``windows.sliding_windows`` views them without a copy, one copy lays them out). A convolution
is then ``weight.view(O, -1) @ unfold(x)``.

``fold`` is its adjoint: each column is added back onto its window of a zero image (one strided
slab addition per kernel position, as col2im), and what falls on the padding is cut off.
Overlapping windows add up, so ``fold(unfold(x))`` is x times the number of windows covering
each pixel. Both are linear, each the other's backward, so gradients are differentiable to any
order.
"""
import numpy as np

from .._shapes import pair
from ..autograd import Function
from ..tensor import Tensor
from .pad import constant_pad_array
from .windows import sliding_windows, window_slices


class UnfoldOp(Function):
    """out[n, (c, i, j), (oh, ow)] = x padded at (oh*sh + i*dh, ow*sw + j*dw).
    dL/dx = ``FoldOp`` of dL/dout: each column added back onto its window."""

    __slots__ = ("kernel", "dilation", "padding", "stride", "size")

    @staticmethod
    def forward(ctx, x, kernel, dilation, padding, stride, blocks):
        ctx.kernel, ctx.dilation, ctx.padding, ctx.stride = kernel, dilation, padding, stride
        ctx.size = x.shape[2:]
        (ph, pw), (N, C) = padding, x.shape[:2]
        xp = constant_pad_array(x, ((ph, ph), (pw, pw)))
        windows = sliding_windows(xp, *kernel, *blocks, stride, dilation)
        # (N, C, OH, OW, KH, KW) -> (N, C, KH, KW, OH, OW): one copy
        out = np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3))
        return out.reshape(N, C * kernel[0] * kernel[1], blocks[0] * blocks[1])

    @staticmethod
    def backward(ctx, grad_out):
        return (FoldOp.apply(grad_out, ctx.size, ctx.kernel, ctx.dilation, ctx.padding,
                             ctx.stride), None, None, None, None, None)


class FoldOp(Function):
    """out (N, C, *size) = the sum, over the columns of x, of each column placed on its window.
    dL/dx = ``UnfoldOp`` of dL/dout: each window read out as a column."""

    __slots__ = ("kernel", "dilation", "padding", "stride", "blocks")

    @staticmethod
    def forward(ctx, x, size, kernel, dilation, padding, stride):
        ctx.kernel, ctx.dilation, ctx.padding, ctx.stride = kernel, dilation, padding, stride
        (KH, KW), (ph, pw), (H, W) = kernel, padding, size
        OH, OW = ctx.blocks = _blocks(size, kernel, dilation, padding, stride)
        N, C = x.shape[0], x.shape[1] // (KH * KW)
        cols = x.reshape(N, C, KH, KW, OH, OW)
        out = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
        for i in range(KH):
            for j in range(KW):
                out[(..., *window_slices(i, j, OH, OW, stride, dilation))] += cols[:, :, i, j]
        return np.ascontiguousarray(out[:, :, ph:ph + H, pw:pw + W])  # the padding dropped

    @staticmethod
    def backward(ctx, grad_out):
        return (UnfoldOp.apply(grad_out, ctx.kernel, ctx.dilation, ctx.padding, ctx.stride,
                               ctx.blocks), None, None, None, None, None)


def _blocks(size, kernel, dilation, padding, stride) -> tuple:
    """(OH, OW): how many windows fit along each axis of the padded image."""
    return tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                 for n, k, d, p, s in zip(size, kernel, dilation, padding, stride))


def _window_args(op: str, kernel_size, dilation, padding, stride) -> tuple:
    """Validated (kernel, dilation, padding, stride) pairs."""
    args = tuple(pair(op, name, value) for name, value in (
        ("kernel_size", kernel_size), ("dilation", dilation), ("padding", padding),
        ("stride", stride)))
    kernel, dilation, padding, stride = args
    if min(kernel + dilation + stride) < 1 or min(padding) < 0:
        raise ValueError(f"{op}: kernel_size {kernel}, dilation {dilation} and stride {stride} "
                         f"must be positive and padding {padding} non-negative")
    return args


def _check_blocks(op: str, size, args, blocks, what: str) -> None:
    if min(blocks) < 1:
        kernel, dilation, padding, stride = args
        raise ValueError(f"{op}: {what} {tuple(size)} with kernel_size={kernel}, dilation="
                         f"{dilation}, padding={padding}, stride={stride} has {blocks} sliding "
                         f"blocks; each must be at least one")


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract every sliding window of a batch of images as a column (im2col), as
    ``torch.nn.functional.unfold``.

    Args:
        input: (N, C, H, W) or (C, H, W).
        kernel_size, dilation, padding (zeros, any size), stride: an int or a pair.

    Shape: (N, C, H, W) -> (N, C*KH*KW, L), L = OH * OW with
        OH = floor((H + 2*ph - dh*(KH-1) - 1) / sh) + 1 (likewise OW); column l = oh * OW + ow
        holds window (oh, ow), row (c * KH + i) * KW + j its tap (i, j) of channel c.

    Raises: ValueError naming unfold, the arguments and the shapes.

    Examples: ``cols = F.unfold(x, 3, padding=1)``; ``(weight.view(O, -1) @ cols)`` convolves
    """
    op = "unfold"
    if not isinstance(input, Tensor) or input.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 4-D input (N, C, H, W) or 3-D (C, H, W), got "
                         f"{getattr(input, 'shape', type(input).__name__)}")
    if input.ndim == 3:
        return unfold(input.unsqueeze(0), kernel_size, dilation, padding, stride).squeeze(0)
    args = _window_args(op, kernel_size, dilation, padding, stride)
    blocks = _blocks(input.shape[2:], *args)
    _check_blocks(op, input.shape, args, blocks, "input")
    return UnfoldOp.apply(input, *args, blocks)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum columns of sliding windows back into images (col2im), as
    ``torch.nn.functional.fold``: the adjoint of ``unfold``.

    Args:
        input: (N, C*KH*KW, L) or (C*KH*KW, L), laid out as ``unfold`` returns them.
        output_size: (H, W) of the images, an int or a pair.
        kernel_size, dilation, padding, stride: an int or a pair, as for ``unfold``.

    Shape: (N, C*KH*KW, L) -> (N, C, H, W), where L must be the number of windows
        ``unfold`` finds in an (H, W) image; overlapping windows add up.

    Raises: ValueError naming fold, the arguments and the shapes.

    Examples: ``F.fold(F.unfold(x, 2, stride=2), x.shape[-2:], 2, stride=2)`` is x
    """
    op = "fold"
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 3-D input (N, C*KH*KW, L) or 2-D (C*KH*KW, L), got "
                         f"{getattr(input, 'shape', type(input).__name__)}")
    if input.ndim == 2:
        return fold(input.unsqueeze(0), output_size, kernel_size, dilation, padding,
                    stride).squeeze(0)
    size = pair(op, "output_size", output_size)
    args = _window_args(op, kernel_size, dilation, padding, stride)
    blocks = _blocks(size, *args)
    _check_blocks(op, size, args, blocks, "output_size")
    taps = args[0][0] * args[0][1]
    if input.shape[1] % taps:
        raise ValueError(f"{op}: input {input.shape}: dimension 1 must be divisible by the "
                         f"kernel's {taps} taps (kernel_size={args[0]})")
    if input.shape[2] != blocks[0] * blocks[1]:
        raise ValueError(f"{op}: input {input.shape}: dimension 2 must be the number of sliding "
                         f"blocks, {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, of "
                         f"output_size={size} (kernel_size={args[0]}, dilation={args[1]}, "
                         f"padding={args[2]}, stride={args[3]})")
    return FoldOp.apply(input, size, *args)
