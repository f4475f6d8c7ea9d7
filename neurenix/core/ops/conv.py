"""2-D convolution and transposed convolution through im2col (``windows.py``) and col2im.

The plain algorithm (``conv_forward``, the reference every speed path is tested against):
pad the input, lay every kernel window out as a column (im2col: ``sliding_window_view`` and
one copy), and multiply: out (O, N*OH*OW) = W (O, C*KH*KW) @ cols (C*KH*KW, N*OH*OW). The
gradients are matrix products too: dL/dW = dL/dout @ cols^T, and dL/dx = col2im(W^T @ dL/dout),
which adds each kernel position's slab of columns back onto the input positions it read (never
np.add.at, which is an order of magnitude slower).

What the speed layers beside it buy:
- Layout: the GEMM's result (O, N, OH, OW) is channel-major, and it is returned as its
  (N, O, OH, OW) view instead of being copied to NCHW. Elementwise ops keep their input's
  layout, so the next convolution's im2col and every backward read channel-major operands
  with no transposed copy (``channel_major`` is then free).
- Memory: the columns, 9x the input for a 3x3 kernel, are built a block of samples at a time
  in a reused scratch buffer and never kept for the backward, which rebuilds them from the
  input it keeps anyway. A step keeps its activations, not their columns.
- The weight gradient is computed in the weight's own layout where the weight is large (no
  transposed copy of it); col2im adds each tap's slab clipped to the input (no padded buffer).
- At stride 1 a transposed convolution (conv2d's input gradient) is a conv2d with the kernel
  flipped: an im2col copy instead of col2im's additions; with stride == kernel (U-Net's
  upsampling) the windows do not overlap and it is one GEMM and a reshape.
- Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions, off by default (``winograd.py``).

Why batch-wide products rather than one per sample: each multithreaded BLAS call ends in a
thread synchronisation, which costs most on cores shared with other work.

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
from . import winograd
from .pad import pad_channel_major
from .windows import im2col, scratch_array


# im2col columns are built a few samples at a time, at most this many bytes each: the full
# columns of a large layer are 9x its input (a 3x3 kernel), so a batch-wide block would dwarf
# the activations a step keeps; blocks this size still give each GEMM thousands of columns.
_COLUMN_BLOCK_BYTES = 32 * 2 ** 20


def channel_major(a: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> contiguous (C, N, H, W): the layout the batch-wide GEMMs read. Free (a
    view) for the outputs of this module's ops, which are channel-major already."""
    return np.ascontiguousarray(a.transpose(1, 0, 2, 3))


def output_size(n: int, before: int, after: int, k: int, s: int, d: int) -> int:
    """A convolution's output length along one axis: input ``n`` padded by ``before`` and
    ``after``, kernel ``k``, stride ``s``, dilation ``d`` (floor((n + pads - d(k-1) - 1)/s) + 1).
    conv_transpose2d's output length is the ``n`` this maps to its input length, see
    ``transposed_output_size``."""
    return (n + before + after - d * (k - 1) - 1) // s + 1


def transposed_output_size(n: int, padding: int, k: int, s: int, d: int, extra: int) -> int:
    """conv_transpose2d's output length along one axis: the smallest input length of the conv2d
    (padding, k, s, d) whose output length is ``n``, plus ``extra`` (output_padding)."""
    return (n - 1) * s - 2 * padding + d * (k - 1) + 1 + extra


def _blocks(N: int, sample_bytes: int) -> list:
    """The batch split into consecutive (start, stop) blocks whose columns take at most
    ``_COLUMN_BLOCK_BYTES`` (one sample at least)."""
    step = max(1, _COLUMN_BLOCK_BYTES // max(sample_bytes, 1))
    return [(n, min(n + step, N)) for n in range(0, N, step)]


def _matrices(a: np.ndarray, groups: int, taps: int = 1) -> np.ndarray:
    """A channel-major operand (C, *taps, n, *pixels), e.g. columns (C, KH, KW, n, OH, OW) with
    ``taps`` = KH*KW, or dL/dout (O, n, OH, OW), as one matrix per group, a view:
    (G, C/G * taps, the rest). Explicit sizes, never -1: an empty batch cannot infer one."""
    rows = a.shape[0] * taps
    return a.reshape(groups, rows // groups, a.size // rows)


def conv_forward(x: np.ndarray, w: np.ndarray, b, stride: tuple, pads: tuple, dilation: tuple,
                 groups: int, cols=None) -> np.ndarray:
    """conv2d's output (N, O, OH, OW), channel-major in memory: per group,
    ``out = W (O, C/G*KH*KW) @ im2col(pad(x)) (C/G*KH*KW, N*OH*OW) + b``.

    The columns are built a block of samples at a time in scratch memory, and each block's
    product is written straight into its columns of the (O, N, OH, OW) result, which is returned
    as its (N, O, OH, OW) view: no transposed copy, and the next layer's im2col and this
    layer's backward read it in that layout. ``cols``: the columns, when a caller has them."""
    N, (O, Cg, KH, KW) = x.shape[0], w.shape
    OH, OW = (output_size(n, pads[2 * a], pads[2 * a + 1], (KH, KW)[a], stride[a], dilation[a])
              for a, n in enumerate(x.shape[2:]))
    out = np.empty((O, N, OH, OW), dtype=x.dtype)
    weights = _matrices(w, groups)
    if cols is not None:
        np.matmul(weights, _matrices(cols, groups, KH * KW), out=_matrices(out, groups))
    else:
        xp = pad_channel_major(x, pads)
        for n0, n1 in _blocks(N, Cg * groups * KH * KW * OH * OW * x.itemsize):
            block = im2col(xp[n0:n1], KH, KW, OH, OW, stride, dilation, scratch=True)
            np.matmul(weights, _matrices(block, groups, KH * KW),
                      out=_matrices(out[:, n0:n1], groups))
    if b is not None:
        out += b.reshape(-1, 1, 1, 1)
    return out.transpose(1, 0, 2, 3)


def weight_grad(g_cm: np.ndarray, x: np.ndarray, w_shape: tuple, stride: tuple, pads: tuple,
                dilation: tuple, groups: int, cols=None) -> np.ndarray:
    """dL/dW (O, C/G, KH, KW) = dL/dout (O, N*OH*OW) @ im2col(pad(x))^T per group, summed over
    blocks of samples; ``g_cm`` is dL/dout channel-major (O, N, OH, OW), ``cols`` the columns
    of x when a caller has them (else they are built a block at a time in scratch memory).

    The product is taken in the orientation BLAS runs faster on its shape: as dL/dout @ cols^T,
    straight into the weight's own layout, when the weight is large against the batch's
    pixels (the deep layers, where transposing a large weight would cost as much as the
    product); else as cols @ dL/dout^T, which OpenBLAS splits over the long side of the columns,
    followed by one transposed copy of a small weight."""
    (O, Cg, KH, KW), N = w_shape, g_cm.shape[1]
    K = Cg * KH * KW
    L = int(np.prod(g_cm.shape[1:]))
    direct = L < 2 * K
    if cols is not None:
        parts = [(cols, g_cm)]
    else:
        xp = pad_channel_major(x, pads)
        OH, OW = g_cm.shape[2:]
        parts = ((im2col(xp[n0:n1], KH, KW, OH, OW, stride, dilation, scratch=True),
                  g_cm[:, n0:n1])
                 for n0, n1 in _blocks(N, Cg * groups * KH * KW * OH * OW * x.itemsize))
    # a fresh array that owns its memory, so that a leaf's .grad adopts it without a copy
    grad_w = np.zeros(w_shape, dtype=g_cm.dtype) if N == 0 else np.empty(w_shape, g_cm.dtype)
    total = _matrices(grad_w, groups)  # (G, O/G, C/G*KH*KW), a view
    for index, (block, g) in enumerate(parts):
        a, c = _matrices(g, groups), _matrices(block, groups, KH * KW)
        if direct and index == 0:
            np.matmul(a, c.transpose(0, 2, 1), out=total)
            continue
        part = np.matmul(a, c.transpose(0, 2, 1)) if direct else np.matmul(
            c, a.transpose(0, 2, 1)).transpose(0, 2, 1)
        if index == 0:
            np.copyto(total, part)  # the one transposed copy, of a small weight
        else:
            total += part
    return grad_w


def _tap_range(i: int, n_out: int, n_in: int, before: int, s: int, d: int) -> tuple:
    """For kernel tap ``i`` along one axis: the output positions whose input position
    o*s + i*d - before falls inside [0, n_in), as a slice of the output and the matching
    slice of the input (None when there are none)."""
    shift = i * d - before
    lo = max(0, -(shift // s))          # first o with o*s + shift >= 0
    hi = min(n_out, -((shift - n_in) // s))  # first o with o*s + shift >= n_in
    if hi <= lo:
        return None
    start = lo * s + shift
    return slice(lo, hi), slice(start, start + (hi - lo - 1) * s + 1, s)


def col2im_matmul(g_cm: np.ndarray, w: np.ndarray, x_shape: tuple, stride: tuple, pads: tuple,
                  dilation: tuple, groups: int) -> np.ndarray:
    """col2im(W^T @ dL/dout): the gradient (N, C, H, W) = ``x_shape`` of a conv2d input, from
    dL/dout channel-major ``g_cm`` (O, N, OH, OW) and W (O, C/G, KH, KW); returned as the view
    of a channel-major (C, N, H, W) array. The adjoint of padding, im2col and the matmul.

    Per block of samples, one GEMM W^T @ dL/dout gives that block's columns (C, KH, KW, n, OH,
    OW) in scratch memory; each kernel tap's slab of them is added onto the input positions it
    read, clipped to the input, so no padded buffer is allocated and cropped."""
    O, N, OH, OW = g_cm.shape
    _, Cg, KH, KW = w.shape
    C, H, W = x_shape[1:]
    out = np.zeros((C, N, H, W), dtype=g_cm.dtype)
    taps = [(i, j, rows, cols) for i in range(KH) for j in range(KW)
            for rows in [_tap_range(i, OH, H, pads[0], stride[0], dilation[0])]
            for cols in [_tap_range(j, OW, W, pads[2], stride[1], dilation[1])]
            if rows is not None and cols is not None]
    weights_t = _matrices(w, groups).transpose(0, 2, 1)  # (G, C/G*KH*KW, O/G), a view
    for n0, n1 in _blocks(N, C * KH * KW * OH * OW * g_cm.itemsize):
        block = scratch_array((C, KH, KW, n1 - n0, OH, OW), g_cm.dtype)
        np.matmul(weights_t, _matrices(g_cm[:, n0:n1], groups),
                  out=_matrices(block, groups, KH * KW))
        for i, j, (o_rows, x_rows), (o_cols, x_cols) in taps:
            out[:, n0:n1, x_rows, x_cols] += block[:, i, j, :, o_rows, o_cols]
    return out.transpose(1, 0, 2, 3)


def conv2d_array(x: np.ndarray, w: np.ndarray, b, stride: tuple, pads: tuple,
                 dilation: tuple, groups: int) -> np.ndarray:
    """conv2d on arrays: Winograd where it applies and pays (``winograd.py``, a speed layer),
    else the reference im2col + GEMM (``conv_forward``)."""
    if (winograd.applies(w.shape, stride, dilation, groups) and min(pads) >= 0
            and winograd.worth_it(x.shape, w.shape, pads)):
        out = winograd.conv2d_3x3(x, w, pads)
        if b is not None:
            out += b.reshape(-1, 1, 1)
        return out
    return conv_forward(x, w, b, stride, pads, dilation, groups)


def flipped_kernel(w: np.ndarray, groups: int) -> np.ndarray:
    """A conv2d weight (O, C/G, KH, KW) as the weight (C, O/G, KH, KW) of the conv2d that is its
    stride-1 adjoint: each group's channel axes swapped, the kernel turned by 180 degrees."""
    O, Cg, KH, KW = w.shape
    swapped = w.reshape(groups, O // groups, Cg, KH, KW).transpose(0, 2, 1, 3, 4)
    return swapped[..., ::-1, ::-1].reshape(groups * Cg, O // groups, KH, KW)


def unpatchify_matmul(x_cm: np.ndarray, w: np.ndarray, groups: int) -> np.ndarray:
    """conv_transpose2d with stride == kernel (no padding, dilation 1): the kernel's windows do
    not overlap, so col2im only places them. One GEMM W^T (O/G*KH*KW, C/G) @ x (C/G, N*H*W) per
    group, and one copy that interleaves the taps into the (O, N, H*KH, W*KW) output (returned
    as its (N, O, ...) view); nothing is zeroed or added."""
    C, N, H, W = x_cm.shape
    _, Og, KH, KW = w.shape
    cols = np.matmul(_matrices(w, groups).transpose(0, 2, 1), _matrices(x_cm, groups))
    out = np.empty((Og * groups, N, H, KH, W, KW), dtype=x_cm.dtype)
    np.copyto(out, cols.reshape(Og * groups, KH, KW, N, H, W).transpose(0, 3, 4, 1, 5, 2))
    return out.reshape(Og * groups, N, H * KH, W * KW).transpose(1, 0, 2, 3)


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
        # The columns are not kept: the weight gradient rebuilds them, a block at a time, from
        # x, which the graph holds anyway. Keeping them would hold 9x each input (3x3) until
        # the backward reaches this layer, for one im2col copy saved.
        ctx.save_for_backward(x, w)
        if cols is None:
            return conv2d_array(x, w, b, stride, pads, dilation, groups)
        return conv_forward(x, w, b, stride, pads, dilation, groups, cols)

    @staticmethod
    def backward(ctx, grad_out):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        conv = ctx.stride, ctx.pads, ctx.dilation, ctx.groups
        # both adjoints read dL/dout channel-major: lay it out once, not once each (free when it
        # comes from ops that kept this module's channel-major layout)
        g_cm = channel_major(grad_out.data) if need_x or need_w else None
        grad_x = grad_w = grad_b = None
        if need_w:
            grad_w = Conv2dWeightGrad.apply(x, grad_out, w.shape, *conv, None, g_cm)
        if need_x:
            grad_x = ConvTranspose2dOp.apply(grad_out, w, None, *conv, ctx.x_size, g_cm)
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
        reach = [d * (k - 1) for d, k in zip(dilation, w.shape[2:])]
        flipped_pads = (reach[0] - pads[0], reach[0] - pads[1], reach[1] - pads[2],
                        reach[1] - pads[3])
        pixels, taps = x.shape[0] * x.shape[2] * x.shape[3], w.shape[1] * w.shape[2] * w.shape[3]
        if stride == (1, 1) and min(flipped_pads) >= 0 and 2 * pixels >= taps:
            # At stride 1 this adjoint is itself a conv2d, of x with the flipped kernel, padded
            # by d(k-1) - pad: its im2col copies the columns that col2im would add up slab by
            # slab (a copy is cheaper than an addition). Not where the weight outweighs the
            # pixels: flipping it is a transposed copy.
            out = conv2d_array(x, flipped_kernel(w, groups), None, stride, flipped_pads,
                               dilation, groups)
        else:  # the GEMM paths read x channel-major (free if it already is)
            x_cm = channel_major(x) if x_cm is None else x_cm
            tiles = tuple(n * k for n, k in zip(x.shape[2:], w.shape[2:]))
            if stride == w.shape[2:] and dilation == (1, 1) and not any(pads) and size == tiles:
                # U-Net's 2x2 stride-2 upsampling; ``size`` is larger when the conv2d whose
                # adjoint this is left input rows unread (its input gradient is zero there)
                out = unpatchify_matmul(x_cm, w, groups)
            else:
                shape = (x.shape[0], w.shape[1] * groups) + tuple(size)
                out = col2im_matmul(x_cm, w, shape, stride, pads, dilation, groups)
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
            # Both gradients convolve dL/dout: im2col it once. The columns outlive this call
            # only if create_graph records them (grad mode on), else scratch memory will do.
            g = grad_out.data
            OH, OW = x.shape[2:]
            cols = im2col(pad_channel_major(g, ctx.pads), *w.shape[2:], OH, OW, ctx.stride,
                          ctx.dilation, scratch=not is_grad_enabled())
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
        ctx.save_for_backward(x, g)
        return weight_grad(channel_major(g) if g_cm is None else g_cm, x, w_shape, stride, pads,
                           dilation, groups, cols)

    @staticmethod
    def backward(ctx, grad_out):
        x, g = ctx.saved_tensors
        need_x, need_g = ctx.needs_input_grad[:2]
        conv = ctx.stride, ctx.pads, ctx.dilation, ctx.groups
        # <dL/dgrad_w, grad_w> = <g, conv2d(x, dL/dgrad_w)>: its gradients in x and g
        grad_x = grad_g = None
        if need_x:
            grad_x = ConvTranspose2dOp.apply(g, grad_out, None, *conv, x.shape[2:], None)
        if need_g:
            grad_g = Conv2dOp.apply(x, grad_out, None, *conv, None)
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


def conv_padding(op: str, padding, kernel: tuple, stride: tuple, dilation: tuple) -> tuple:
    """conv2d's padding as (top, bottom, left, right), from an int, a pair, "valid" or "same".
    "same" pads d*(k-1) in total, the extra odd element after, as PyTorch does. The one check
    of a padding argument: ``F.conv2d`` calls it per call, ``nn.Conv2d`` once, when built.

    Raises: ValueError naming ``op`` for an unknown string, a negative padding, or "same" with
        a stride."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a pair, 'same' or 'valid', got "
                             f"{padding!r}")
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions "
                             f"(stride={stride}, kernel {tuple(kernel)})")
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return (total[0] // 2, total[0] - total[0] // 2, total[1] // 2, total[1] - total[1] // 2)
    ph, pw = pair(op, "padding", padding)
    if ph < 0 or pw < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding!r}")
    return (ph, ph, pw, pw)


def conv_arguments(op: str, stride, padding, dilation, kernel: tuple) -> tuple:
    """(stride, pads, dilation) of conv2d from its arguments, checked: what ``conv2d_resolved``
    takes. A layer calls this once, when built."""
    stride = _positive_pair(op, "stride", stride)
    dilation = _positive_pair(op, "dilation", dilation)
    return stride, conv_padding(op, padding, kernel, stride, dilation), dilation


def conv2d_resolved(input: Tensor, weight: Tensor, bias, stride: tuple, pads: tuple,
                    dilation: tuple, groups: int) -> Tensor:
    """conv2d with its arguments already resolved by ``conv_arguments``: only the operands
    (which change every call) are checked."""
    if isinstance(input, Tensor) and input.ndim == 3:
        return conv2d_resolved(input.unsqueeze(0), weight, bias, stride, pads, dilation,
                               groups).squeeze(0)
    check_operands("conv2d", input, weight, bias, groups, transposed=False)
    return convolve("conv2d", input, weight, bias, stride, pads, dilation, groups)


def convolve(op: str, x: Tensor, weight: Tensor, bias, stride: tuple, pads: tuple,
             dilation: tuple, groups: int) -> Tensor:
    """conv2d of checked operands (x (N, C, H, W)) and resolved arguments, its errors naming
    ``op`` (conv1d runs through it too)."""
    kernel = weight.shape[2:]
    padded = (x.shape[2] + pads[0] + pads[1], x.shape[3] + pads[2] + pads[3])
    reach = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    if padded[0] < reach[0] or padded[1] < reach[1]:
        raise ValueError(f"{op}: kernel size {kernel} (dilated {reach}) is larger than the "
                         f"padded input {padded} (input {x.shape}, weight {weight.shape})")
    return Conv2dOp.apply(x, weight, bias, stride, pads, dilation, int(groups), None)


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
    kernel = weight.shape[2:] if isinstance(weight, Tensor) and weight.ndim == 4 else (1, 1)
    return conv2d_resolved(input, weight, bias, *conv_arguments("conv2d", stride, padding, dilation,
                                                            kernel), groups)


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
    size = [transposed_output_size(n, p, k, s, d, o) for n, p, k, s, d, o in zip(
        x.shape[2:], padding, weight.shape[2:], stride, dilation, output_padding)]
    if min(size) < 1:
        raise ValueError(f"{op}: the output size {tuple(size)} is empty (input {x.shape}, weight "
                         f"{weight.shape}, stride {stride}, padding {padding})")
    # the adjoint of the conv2d with these pads that maps a (N, O, *size) input to x's size
    pads = (padding[0], padding[0] - output_padding[0], padding[1], padding[1] - output_padding[1])
    return ConvTranspose2dOp.apply(x, weight, bias, stride, pads, dilation, int(groups),
                                   tuple(size), None)
