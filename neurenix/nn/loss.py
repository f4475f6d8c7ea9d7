"""Loss layers: each holds its options (and weights, as buffers, as PyTorch does) and calls the
function of the same name in ``neurenix.nn.functional``.

The constructors keep PyTorch's argument order, including the deprecated ``size_average`` and
``reduce`` flags, which are translated to ``reduction`` with a warning, so positional calls
written for PyTorch mean the same here. ``reduction`` is "mean" (the default), "sum" or "none";
any other value raises a ValueError in the constructor.

dtypes: the input is floating (float32 or float64) and the loss has its dtype; floating targets
and weights are cast to it, so a float64 target never promotes a float32 model. Class-index
targets are integers (int64, as ``nx.tensor([1, 0])`` gives).
"""
from ..core.ops.loss import check_reduction, legacy_reduction
from ..core.tensor import Tensor
from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        self.reduction = legacy_reduction(size_average, reduce, reduction)
        check_reduction(type(self).__name__, self.reduction)


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class MSELoss(_Loss):
    """Mean squared error (input - target)**2, reduced ("mean", "sum" or "none").

    Args: reduction (and the deprecated size_average, reduce).
    Shape: input (*) and target (*) the same shape (broadcasting works but warns, as in
        PyTorch); output () for "mean" / "sum", (*) for "none".
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error |input - target|, reduced.

    Args and Shape: as MSELoss.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities (after a Sigmoid); logs clamped at -100.

    Args: weight: per-element rescaling, broadcast against the input.  reduction.
    Shape: input (*) probabilities and target (*) in [0, 1], the same shape; output () for
        "mean" / "sum", (*) for "none".
    Raises: ValueError for inputs outside [0, 1] (use a Sigmoid, or BCEWithLogitsLoss), or a
        target of another shape.
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross-entropy in one numerically stable op, on raw scores.

    Args:
        weight: per-element rescaling.  reduction.
        pos_weight: weight of positive examples, broadcast along the trailing axes (e.g. (C,)
            for (N, C) scores).
    Shape: input (*) logits and target (*) in [0, 1], the same shape; output () for "mean" /
        "sum", (*) for "none".
    Raises: ValueError for a target of another shape.
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class CrossEntropyLoss(_WeightedLoss):
    """Cross-entropy of logits against class indices (or class probabilities).

    Args:
        weight: (C,) per-class rescaling; "mean" then divides by the summed weights of the
            counted targets, as PyTorch.
        ignore_index: targets with this value are skipped.  reduction.
        label_smoothing: s in [0, 1]; targets become (1 - s) one-hot + s / C.
    Shape: input (N, C) or (N, C, d1, ...) floating logits, e.g. (N, C, H, W) per-pixel
        scores, or unbatched (C,); target (N,) or (N, d1, ...) integer class indices in [0, C)
        (int64 typically), or floating class probabilities shaped as the input. Output () for
        "mean" / "sum", (N, d1, ...) for "none".
    Raises: ValueError / TypeError naming the shapes and dtypes (e.g. a float target that is
        not input-shaped); IndexError for a class index out of range.
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices under log-probabilities (after LogSoftmax):
    -input[n, target[n]], weighted and reduced.

    Args, Shape and Raises: as CrossEntropyLoss with integer class-index targets (no
    label_smoothing).
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """Smooth L1: (input - target)**2 / (2 beta) where |input - target| < beta, else
    |input - target| - beta / 2, reduced (L1Loss for beta = 0).

    Args: reduction (and the deprecated size_average, reduce).  beta: where the quadratic turns
        linear (>= 0, default 1).
    Shape: as MSELoss.
    Raises: ValueError (in the forward) for beta < 0.
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0):
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Huber: (input - target)**2 / 2 where |input - target| < delta, else
    delta * (|input - target| - delta / 2), reduced; SmoothL1Loss(beta=delta) times delta.

    Args: reduction.  delta: where the quadratic turns linear (> 0, default 1).
    Shape: as MSELoss.
    Raises: ValueError (in the forward) for delta <= 0.
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0):
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence target * (log target - input) of log-probabilities
    ``input`` from ``target``, reduced.

    Args:
        reduction: "batchmean" (the sum over the batch divided by the batch size: the KL
            divergence per sample), "sum", "none" or "mean" (the default, as PyTorch, with its
            warning at each call: it divides by every element's count).
        log_target: ``target`` holds log-probabilities.  size_average, reduce: deprecated.
    Shape: input (N, *) log-probabilities, target broadcastable to it; output () or, for
        "none", the broadcast shape.
    Raises: ValueError for an unknown reduction.
    """

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False):
        Module.__init__(self)
        self.reduction = legacy_reduction(size_average, reduce, reduction)
        if self.reduction != "batchmean":
            check_reduction("KLDivLoss", self.reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
