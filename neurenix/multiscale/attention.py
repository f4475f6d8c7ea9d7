"""The additive attention gate of Attention U-Net (Oktay et al., 2018).

A skip connection hands the decoder every encoder feature, relevant or not. The gate lets the
coarser decoder feature coming up (the gating signal ``g``, which has seen more context) decide,
pixel by pixel, how much of the skip to pass on:

    psi = sigmoid(conv1x1(relu(conv1x1(x) + conv1x1(resize(g)))))      one map (N, 1, H, W)
    out = x * psi

``UNet(..., attention=True)`` puts one gate on each skip.
"""
from ..core import Tensor
from ..nn import Conv2d, Module
from ._resize import check_image, check_positive_int, resize


class AttentionGate(Module):
    """Scales a skip connection by attention coefficients computed from a gating signal.

    ``x`` (the skip) and ``g`` (the gating signal, usually coarser) are projected by 1x1 convs
    to ``inter_channels`` (``theta`` for ``x``, without bias as in the paper; ``phi`` for
    ``g``), added, passed through ReLU and reduced by a 1x1 conv (``psi``) and a sigmoid to one
    coefficient in (0, 1) per pixel of ``x``. The output is ``x`` times those coefficients.

    ``g`` is brought to the size of ``x`` bilinearly. The projection ``phi`` runs before that
    resize, at the coarse size, where it is cheaper: a 1x1 conv commutes with bilinear
    interpolation (whose weights sum to 1), so this equals ``phi(resize(g))``.

    Args:
        in_channels: channels of the skip ``x``.  gating_channels: channels of ``g``.
        inter_channels: channels of the intermediate sum; default ``max(1, in_channels // 2)``.

    Shape: x (N, in_channels, H, W), g (N, gating_channels, H_g, W_g) -> (N, in_channels, H, W);
        coefficients(x, g): (N, 1, H, W).

    Why: the gate learns to suppress skip features in regions that do not matter for the
    output, and its coefficient map shows where the network looks (Oktay et al., 2018).
    """

    def __init__(self, in_channels: int, gating_channels: int, inter_channels: int = None):
        super().__init__()
        owner = type(self).__name__
        self.in_channels = check_positive_int(owner, in_channels, "in_channels")
        self.gating_channels = check_positive_int(owner, gating_channels, "gating_channels")
        self.inter_channels = (max(1, in_channels // 2) if inter_channels is None else
                               check_positive_int(owner, inter_channels, "inter_channels"))
        self.theta = Conv2d(in_channels, self.inter_channels, kernel_size=1, bias=False)
        self.phi = Conv2d(gating_channels, self.inter_channels, kernel_size=1)
        self.psi = Conv2d(self.inter_channels, 1, kernel_size=1)

    def coefficients(self, x: Tensor, g: Tensor) -> Tensor:
        """The attention coefficients psi, one in (0, 1) per pixel of ``x``: (N, 1, H, W)."""
        owner = type(self).__name__
        check_image(owner, x, self.in_channels, what="x (the skip)")
        check_image(owner, g, self.gating_channels, what="g (the gating signal)")
        if g.shape[0] != x.shape[0]:
            raise ValueError(f"{owner}: x {tuple(x.shape)} and g {tuple(g.shape)} have different "
                             f"batch sizes")
        gate = self.theta(x) + resize(self.phi(g), x.shape[-2:])
        return self.psi(gate.relu()).sigmoid()

    def forward(self, x: Tensor, g: Tensor) -> Tensor:
        return x * self.coefficients(x, g)

    def extra_repr(self) -> str:
        return (f"in_channels={self.in_channels}, gating_channels={self.gating_channels}, "
                f"inter_channels={self.inter_channels}")
