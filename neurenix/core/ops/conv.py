"""2-D convolution and transposed convolution through im2col (``windows.py``) and col2im.

im2col: the padded input (N, C, Hp, Wp) is viewed through ``sliding_window_view`` as every
kernel window, and ONE contiguous copy lays the windows out as channel-major columns
(C*KH*KW, N*OH*OW). One matrix product W (O, C*KH*KW) @ cols then covers the whole batch, and
its (O, N, OH, OW) result is laid out NCHW while the bias is added. The gradients are matrix
products too: dL/dW = dL/dout @ cols^T (the columns are kept from the forward), and
dL/dx = col2im(W^T @ dL/dout), a loop over the KH*KW kernel positions that multiplies one
position's block of W^T into dL/dout and adds it onto a strided slice of the input (never
np.add.at, which is an order of magnitude slower).

Why batch-wide products rather than one per sample: each multithreaded BLAS call ends in a
thread synchronisation, and on a machine whose cores are shared with other work one call per
sample measured 2-3x slower (medians of 73 against 207 ms for the forward GEMMs of 8 samples),
while on an idle machine the per-sample calls win by only ~15%.

Groups split the channels into G independent convolutions; reshaping to (G, ...) makes them
a batch axis of the same matmul.

Three ops, each the others' derivative. conv2d is linear in x and in W separately, so its
gradients are linear maps of dL/dout, and each is an op of its own:
    Conv2dOp           out = conv2d(x, W)           (im2col + GEMM)
    ConvTranspose2dOp  conv2d's dL/dx, its adjoint in x: conv_transpose2d(dL/dout, W)  (col2im)
    Conv2dWeightGrad   conv2d's dL/dW, its adjoint in W: dL/dout @ cols(x)^T          (GEMM)
Each backward is written with these three, so a gradient is differentiable again, to any
order: conv_transpose2d's dL/dx is conv2d(dL/dout, W), and the derivatives of the weight
gradient along a direction V are conv2d(x, V) and conv_transpose2d(dL/dout, V).
"""
import numpy as np

from .._shapes import pair
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from .pad import constant_pad_array
from .windows import im2col, window_slices


def channel_major(a: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> contiguous (C, N, H, W): the layout the batch-wide GEMMs read."""
    return np.ascontiguousarray(a.transpose(1, 0, 2, 3))


def _conv_matmul(cols: np.ndarray, w: np.ndarray, b, groups: int) -> np.ndarray:
    """out (N, O, OH, OW) = W (O, C/G*KH*KW) @ cols (+ b), per group, from channel-major
    cols (C, KH, KW, N, OH, OW); the bias is added while the result is laid out NCHW."""
    C, KH, KW, N, OH, OW = cols.shape
    O, G = w.shape[0], groups
    # Explicit sizes, never -1: with an empty batch (N = 0) NumPy cannot infer a length.
    K = C // G * KH * KW
    out = np.matmul(w.reshape(G, O // G, K), cols.reshape(G, K, N * OH * OW))
    out = out.reshape(O, N, OH, OW).transpose(1, 0, 2, 3)
    if b is None:
        return np.ascontiguousarray(out)
    return np.add(out, b.reshape(-1, 1, 1), out=np.empty((N, O, OH, OW), dtype=out.dtype))


def _weight_grad(g_cm: np.ndarray, cols: np.ndarray, w_shape: tuple, groups: int) -> np.ndarray:
    """dL/dW (O, C/G, KH, KW) = dL/dout @ cols^T per group, one GEMM over the whole batch:
    ``g_cm`` is dL/dout channel-major (O, N, OH, OW), ``cols`` (C, KH, KW, N, OH, OW)."""
    G, L = groups, g_cm[0].size
    g = g_cm.reshape(G, w_shape[0] // G, L)
    # computed as (cols @ dL/dout^T)^T: OpenBLAS splits its threads over the tall C*KH*KW side,
    # where split over the short O side its threads starve on busy cores (benchmarks/ has it)
    K = w_shape[1] * w_shape[2] * w_shape[3]  # (C/G) * KH * KW: never -1, as N may be 0
    grad_w_t = np.matmul(cols.reshape(G, K, L), g.transpose(0, 2, 1))
    return np.ascontiguousarray(grad_w_t.transpose(0, 2, 1)).reshape(w_shape)


def col2im_matmul(g_cm: np.ndarray, w: np.ndarray, shape: tuple, stride: tuple,
                  dilation: tuple, groups: int) -> np.ndarray:
    """col2im(W^T @ dL/dout): the gradient (N, C, Hp, Wp) = ``shape`` of a padded conv input,
    from dL/dout channel-major ``g_cm`` (O, N, OH, OW) and W (O, C/G, KH, KW); returned as a
    (non-contiguous) view. The adjoint of im2col-then-matmul.

    One kernel position at a time: its columns (W[:, :, i, j]^T @ dL/dout)^T (N*OH*OW, C), one
    GEMM over the whole batch, go into one reused buffer and are added onto their strided slab
    of the input. This never holds all KH*KW column blocks (9x less memory for 3x3). The
    products are taken transposed, tall side first, and the slabs kept channels-last, because
    OpenBLAS splits its threads over the tall side (2x faster on shared cores)."""
    O, N, OH, OW = g_cm.shape
    G, (_, Cg, KH, KW) = groups, w.shape
    g_t = g_cm.reshape(G, O // G, N * OH * OW).transpose(0, 2, 1)  # (G, N*OH*OW, O/G)
    # (KH*KW, G, O/G, C/G): per position and group, a contiguous block of W
    w_pos = np.ascontiguousarray(w.reshape(G, O // G, Cg, KH * KW).transpose(3, 0, 1, 2))
    out = np.zeros((shape[0], shape[2], shape[3], shape[1]), dtype=g_cm.dtype)  # (N, Hp, Wp, C)
    block = np.empty((N, OH, OW, G * Cg), dtype=g_cm.dtype)
    block_by_group = block.reshape(N * OH * OW, G, Cg).transpose(1, 0, 2)  # (G, N*OH*OW, C/G)
    for i in range(KH):
        for j in range(KW):
            np.matmul(g_t, w_pos[i * KW + j], out=block_by_group)
            rows, cols = window_slices(i, j, OH, OW, stride, dilation)
            out[:, rows, cols, :] += block
    return out.transpose(0, 3, 1, 2)


def _out_size(n: int, before: int, after: int, k: int, s: int, d: int) -> int:
    return (n + before + after - d * (k - 1) - 1) // s + 1


def _columns(x: np.ndarray, kernel: tuple, stride: tuple, pads: tuple, dilation: tuple,
             scratch: bool) -> np.ndarray:
    """im2col of ``x`` (N, C, H, W) padded by ``pads`` (top, bottom, left, right; a negative
    bottom/right crops, see ``ConvTranspose2dOp``): columns (C, KH, KW, N, OH, OW)."""
    (pt, pb, pl, pr), (KH, KW) = pads, kernel
    OH = _out_size(x.shape[2], pt, pb, KH, stride[0], dilation[0])
    OW = _out_size(x.shape[3], pl, pr, KW, stride[1], dilation[1])
    return im2col(constant_pad_array(x, ((pt, pb), (pl, pr))), KH, KW, OH, OW, stride, dilation,
                  scratch)


# The three ops below describe a convolution the same way, (stride, pads, dilation, groups),
# so each backward hands its own description to the op it calls (see the module docstring).
#
# Speed caches: ``cols`` (the im2col columns of the convolved input) and ``*_cm`` (an operand
# already laid out channel-major) are plain arrays that a caller hands over when it has them,
# so a first-order backward lays out each operand once, as one fused NumPy backward would.
# They are never differentiated: the differentiable operands are always the Tensor arguments.


class Conv2dOp(Function):
    """out = W * x + b (cross-correlation).  dL/dx = conv_transpose2d(dL/dout, W)
    (ConvTranspose2dOp), dL/dW = Conv2dWeightGrad(x, dL/dout), dL/db = dL/dout summed."""

    __slots__ = ("stride", "pads", "dilation", "groups", "x_size")

    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, groups, cols):
        ctx.stride, ctx.pads, ctx.dilation, ctx.groups = stride, pads, dilation, groups
        ctx.x_size = x.shape[2:]
        keep = bool(ctx.needs_input_grad) and ctx.needs_input_grad[1]  # () when not recording
        if cols is None:  # only the weight gradient reads them later, else scratch memory will do
            cols = _columns(x, w.shape[2:], stride, pads, dilation, scratch=not keep)
        ctx.save_for_backward(*((x, w, cols) if keep else (None, w, None)))
        return _conv_matmul(cols, w, b, groups)

    @staticmethod
    def backward(ctx, grad_out):
        x, w, cols = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        conv = ctx.stride, ctx.pads, ctx.dilation, ctx.groups
        # both adjoints read dL/dout channel-major: lay it out once, not once each
        g_cm = channel_major(grad_out.data) if need_x or need_w else None
        grad_x = grad_w = grad_b = None
        if need_x:
            grad_x = ConvTranspose2dOp.apply(grad_out, w, None, *conv, ctx.x_size, g_cm)
        if need_w:
            grad_w = Conv2dWeightGrad.apply(x, grad_out, w.shape, *conv, cols.data, g_cm)
        if need_b:
            grad_b = grad_out.sum(dim=(0, 2, 3))
        return grad_x, grad_w, grad_b, None, None, None, None, None


class ConvTranspose2dOp(Function):
    """out = conv2d_x^T(x; W) + b, the adjoint in x of the conv2d (stride, pads, dilation,
    groups) of a (N, O, *size) input.  dL/dx = conv2d(dL/dout, W) (Conv2dOp),
    dL/dW = Conv2dWeightGrad(dL/dout, x), dL/db = dL/dout summed over N, H, W.

    ``pads`` are that conv2d's (top, bottom, left, right); conv_transpose2d's output_padding
    makes bottom/right smaller (padding - output_padding, possibly negative: the conv2d then
    crops those rows, which no input position reaches)."""

    __slots__ = ("stride", "pads", "dilation", "groups")

    @staticmethod
    def forward(ctx, x, w, b, stride, pads, dilation, groups, size, x_cm):
        ctx.stride, ctx.pads, ctx.dilation, ctx.groups = stride, pads, dilation, groups
        (pt, pb, pl, pr), (OH, OW) = pads, size
        # the gradient of the padded conv2d input: rows past pt + OH are cut off again, and a
        # negative bottom pad leaves zero rows that no kernel tap reaches
        padded = (x.shape[0], w.shape[1] * groups, pt + OH + max(pb, 0), pl + OW + max(pr, 0))
        out = col2im_matmul(channel_major(x) if x_cm is None else x_cm, w, padded, stride,
                            dilation, groups)
        out = np.ascontiguousarray(out[:, :, pt:pt + OH, pl:pl + OW])
        if b is not None:
            out += b.reshape(-1, 1, 1)
        ctx.save_for_backward(x, w)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        conv = ctx.stride, ctx.pads, ctx.dilation, ctx.groups
        grad_x = grad_w = grad_b = None
        if need_x or need_w:
            # both gradients convolve dL/dout: im2col it once. The columns outlive this call
            # only if create_graph records them (grad mode on), else scratch memory will do.
            cols = _columns(grad_out.data, w.shape[2:], ctx.stride, ctx.pads, ctx.dilation,
                            scratch=not is_grad_enabled())
            if need_x:
                grad_x = Conv2dOp.apply(grad_out, w, None, *conv, cols)
            if need_w:
                grad_w = Conv2dWeightGrad.apply(grad_out, x, w.shape, *conv, cols, None)
        if need_b:
            grad_b = grad_out.sum(dim=(0, 2, 3))
        return grad_x, grad_w, grad_b, None, None, None, None, None, None


class Conv2dWeightGrad(Function):
    """grad_w = g @ cols(x)^T per group: conv2d's weight gradient for input x and output
    gradient g, bilinear in (x, g).  dL/dx = conv_transpose2d(g, dL/dgrad_w),
    dL/dg = conv2d(x, dL/dgrad_w)."""

    __slots__ = ("stride", "pads", "dilation", "groups")

    @staticmethod
    def forward(ctx, x, g, w_shape, stride, pads, dilation, groups, cols, g_cm):
        ctx.stride, ctx.pads, ctx.dilation, ctx.groups = stride, pads, dilation, groups
        if cols is None:
            cols = _columns(x, w_shape[2:], stride, pads, dilation,
                            scratch=not ctx.needs_input_grad)
        ctx.save_for_backward(x, g, cols)
        return _weight_grad(channel_major(g) if g_cm is None else g_cm, cols, w_shape, groups)

    @staticmethod
    def backward(ctx, grad_out):
        x, g, cols = ctx.saved_tensors
        need_x, need_g = ctx.needs_input_grad[:2]
        conv = ctx.stride, ctx.pads, ctx.dilation, ctx.groups
        # <dL/dgrad_w, grad_w> = <g, conv2d(x, dL/dgrad_w)>: its gradients in x and g
        grad_x = grad_g = None
        if need_x:
            grad_x = ConvTranspose2dOp.apply(g, grad_out, None, *conv, x.shape[2:], None)
        if need_g:
            grad_g = Conv2dOp.apply(x, grad_out, None, *conv, cols.data)
        return grad_x, grad_g, None, None, None, None, None, None, None


def _positive_pair(op: str, name: str, value) -> tuple:
    p = pair(op, name, value)
    if min(p) < 1:
        raise ValueError(f"{op}: {name} must be positive, got {value!r}")
    return p


def check_operands(op: str, x: Tensor, weight: Tensor, bias, groups, transposed: bool,
                   dims: int = 2) -> None:
    """Shared checks: ranks (``dims`` spatial axes), dtypes, kernel size, groups and channel
    counts, naming ``op`` and the shapes."""
    if not isinstance(x, Tensor) or not isinstance(weight, Tensor):
        raise TypeError(f"{op}: input and weight must be Tensors, got {type(x).__name__} and "
                        f"{type(weight).__name__}")
    if x.ndim != dims + 2 or weight.ndim != dims + 2:
        layout = "(N, C, H, W)" if dims == 2 else "(N, C, L)"
        raise ValueError(f"{op}: expected a {dims + 2}-D input {layout} and a {dims + 2}-D "
                         f"weight, got input {x.shape} and weight {weight.shape}")
    if min(weight.shape[2:]) < 1:
        raise ValueError(f"{op}: kernel size should be greater than zero, got weight "
                         f"{weight.shape}")
    if x.dtype.kind != "f" or x.dtype != weight.dtype:
        raise TypeError(f"{op}: input and weight must share one floating dtype, got input "
                        f"{x.dtype} {x.shape} and weight {weight.dtype} {weight.shape}")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if transposed:  # weight (C, O/groups, KH, KW)
        in_channels, out_channels = weight.shape[0], weight.shape[1] * groups
    else:  # weight (O, C/groups, KH, KW)
        in_channels, out_channels = weight.shape[1] * groups, weight.shape[0]
    if x.shape[1] != in_channels:
        raise ValueError(f"{op}: weight expects {in_channels} input channels (weight "
                         f"{weight.shape}, groups={groups}), input is {x.shape}")
    if weight.shape[0] % groups:
        raise ValueError(f"{op}: groups={groups} must divide the weight's first dimension "
                         f"(weight {weight.shape}, input {x.shape})")
    if bias is not None:
        if not isinstance(bias, Tensor) or bias.shape != (out_channels,):
            raise ValueError(f"{op}: bias must be a Tensor of shape ({out_channels},), got "
                             f"{getattr(bias, 'shape', bias)!r} (weight {weight.shape})")
        if bias.dtype != x.dtype:
            raise TypeError(f"{op}: bias dtype {bias.dtype} differs from the input's {x.dtype}")


def _conv_padding(op: str, padding, kernel: tuple, stride: tuple, dilation: tuple, x_shape,
                  w_shape):
    """conv2d's padding as (top, bottom, left, right). "same" pads d*(k-1) in total, the extra
    odd element after, as PyTorch does."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a pair, 'same' or 'valid', got "
                             f"{padding!r}")
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride}, input {x_shape}, weight {w_shape})")
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return (total[0] // 2, total[0] - total[0] // 2, total[1] // 2, total[1] - total[1] // 2)
    ph, pw = pair(op, "padding", padding)
    if ph < 0 or pw < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding!r}")
    return (ph, ph, pw, pw)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-D convolution (cross-correlation) over an NCHW input, as ``torch.nn.functional.conv2d``.

    Args:
        input: (N, C, H, W), or (C, H, W) unbatched.
        weight: filters (O, C/groups, KH, KW).
        bias: optional (O,).
        stride, dilation: an int or a pair (sh, sw) / (dh, dw).
        padding: an int, a pair (ph, pw), ``"valid"`` (none) or ``"same"`` (output size equals the
            input size; stride 1 only; an odd total puts the extra row/column after).
        groups: split the channels into this many independent convolutions.

    Shape: (N, C, H, W) -> (N, O, OH, OW) with
        OH = floor((H + pt + pb - dh*(KH-1) - 1) / sh) + 1 (likewise OW).

    Raises: ValueError / TypeError naming conv2d, the argument and the shapes.

    Examples: ``F.conv2d(images, weight, bias, padding=1)``
    """
    if isinstance(input, Tensor) and input.ndim == 3:
        return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation,
                      groups).squeeze(0)
    check_operands("conv2d", input, weight, bias, groups, transposed=False)
    return convolve("conv2d", input, weight, bias, stride, padding, dilation, groups)


def convolve(op: str, x: Tensor, weight: Tensor, bias, stride, padding, dilation,
             groups: int) -> Tensor:
    """``conv2d`` of checked operands (x (N, C, H, W)), its errors naming ``op``."""
    stride = _positive_pair(op, "stride", stride)
    dilation = _positive_pair(op, "dilation", dilation)
    kernel = weight.shape[2:]
    pads = _conv_padding(op, padding, kernel, stride, dilation, x.shape, weight.shape)
    padded = (x.shape[2] + pads[0] + pads[1], x.shape[3] + pads[2] + pads[3])
    reach = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    if padded[0] < reach[0] or padded[1] < reach[1]:
        raise ValueError(f"{op}: kernel size {kernel} (dilated {reach}) is larger than the "
                         f"padded input {padded} (input {x.shape}, weight {weight.shape})")
    return Conv2dOp.apply(x, weight, bias, stride, pads, dilation, int(groups), None)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution (the gradient of conv2d with respect to its input), as
    ``torch.nn.functional.conv_transpose2d``.

    Args:
        input: (N, C, H, W), or (C, H, W) unbatched.
        weight: filters (C, O/groups, KH, KW).
        bias: optional (O,).
        stride, dilation: an int or a pair.
        padding: an int or a pair; crops that many rows/columns from each side of the full
            output (the padding of the conv2d this op is the adjoint of).
        output_padding: extra rows/columns added at the bottom/right (smaller than the stride or
            the dilation), to pick among the input sizes a strided conv2d maps to the same size.
        groups: split the channels into this many independent convolutions.

    Shape: (N, C, H, W) -> (N, O, OH, OW) with
        OH = (H - 1)*sh - 2*ph + dh*(KH - 1) + output_padding_h + 1 (likewise OW).

    Raises: ValueError / TypeError naming conv_transpose2d, the argument and the shapes.

    Examples: ``F.conv_transpose2d(features, weight, stride=2)`` (upsampling by 2)
    """
    op, x = "conv_transpose2d", input
    if isinstance(x, Tensor) and x.ndim == 3:
        return conv_transpose2d(x.unsqueeze(0), weight, bias, stride, padding, output_padding,
                                groups, dilation).squeeze(0)
    check_operands(op, x, weight, bias, groups, transposed=True)
    stride = _positive_pair(op, "stride", stride)
    dilation = _positive_pair(op, "dilation", dilation)
    padding, output_padding = pair(op, "padding", padding), pair(op, "output_padding",
                                                                   output_padding)
    if min(padding) < 0 or min(output_padding) < 0:
        raise ValueError(f"{op}: padding and output_padding must be non-negative, got "
                         f"{padding} and {output_padding}")
    for extra, s, d in zip(output_padding, stride, dilation):
        if extra >= s and extra >= d:
            raise ValueError(f"{op}: output_padding {output_padding} must be smaller than either "
                             f"the stride {stride} or the dilation {dilation}")
    size = [(n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in zip(
        x.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding)]
    if min(size) < 1:
        raise ValueError(f"{op}: the output size {tuple(size)} is empty (input {x.shape}, weight "
                         f"{weight.shape}, stride {stride}, padding {padding})")
    # the adjoint of the conv2d with these pads that maps a (N, O, *size) input to x's size
    pads = (padding[0], padding[0] - output_padding[0], padding[1], padding[1] - output_padding[1])
    return ConvTranspose2dOp.apply(x, weight, bias, stride, pads, dilation, int(groups),
                                   tuple(size), None)
