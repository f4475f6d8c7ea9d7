"""1-D convolution over (N, C, L) signals: the 2-D convolution over a height of 1.

A kernel of K taps along L is a (1, K) kernel over an image of one row, so conv1d is
``conv2d(input.unsqueeze(2), weight.unsqueeze(2))`` with the stride, padding and dilation acting
along the width only, and it inherits conv2d's im2col speed and its backward, differentiable to
any order (conv_transpose2d and the weight-gradient op).
"""
from .._shapes import single
from ..tensor import Tensor
from .conv import check_operands, conv_arguments, convolve


def conv1d(input: Tensor, weight: Tensor, bias: Tensor = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation), as ``torch.nn.functional.conv1d``.

    Args:
        input: (N, C, L), or (C, L) unbatched.
        weight: filters (O, C/groups, K).
        bias: optional (O,).
        stride, dilation: an int (or a one-element tuple).
        padding: an int (or a one-element tuple), ``"valid"`` (none) or ``"same"`` (output
            length equals the input length; stride 1 only; an odd total pads the extra sample
            after).
        groups: split the channels into this many independent convolutions.

    Shape: (N, C, L) -> (N, O, OL), OL = floor((L + 2*p - d*(K-1) - 1) / s) + 1.

    Raises: ValueError / TypeError naming conv1d, the argument and the shapes.

    Examples: ``F.conv1d(signal, weight, padding="same")``
    """
    if isinstance(input, Tensor) and input.ndim == 2:
        return conv1d(input.unsqueeze(0), weight, bias, stride, padding, dilation,
                      groups).squeeze(0)
    op = "conv1d"
    check_operands(op, input, weight, bias, groups, transposed=False, dims=1)
    if not isinstance(padding, str):
        padding = (0, single(op, "padding", padding))
    x, w = input.unsqueeze(2), weight.unsqueeze(2)
    stride, pads, dilation = conv_arguments(op, (1, single(op, "stride", stride)), padding,
                                            (1, single(op, "dilation", dilation)), w.shape[2:])
    return convolve(op, x, w, bias, stride, pads, dilation, groups).squeeze(2)
