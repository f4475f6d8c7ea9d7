"""Deep supervision: one loss over the predictions of several decoder levels."""
import math
import numbers

from ..core import Tensor
from ..nn import Module


class DeepSupervisionLoss(Module):
    """A weighted sum of one criterion over a list of predictions of the same target.

    ``DeepSupervisionLoss(criterion)([out_0, out_1, ...], target)`` is
    ``sum_i weights[i] * criterion(out_i, target)``. By default the weights halve from one
    level to the next and are normalised to sum to 1 (1/2**i / sum_k 1/2**k for K outputs: the
    finest, main output counts most), so K need not be known in advance. Given ``weights``,
    they are used exactly as given and the number of outputs must match them. Given a single
    tensor rather than a list (a UNet in eval mode returns only its main output), the loss is
    ``criterion(output, target)``, so the same loss serves training and validation.

    Args:
        criterion: the loss Module applied to every output, e.g. ``BCELoss()`` for a UNet with
            the default sigmoid, ``BCEWithLogitsLoss()`` with ``final_activation=None``.
        weights: one non-negative number per output, finest first; None for halving weights.

    Shape: outputs: a list of K tensors shaped like ``target`` (or one tensor); target: what
        ``criterion`` takes -> what ``criterion`` returns (a scalar with its default
        reduction).

    Raises: ValueError for weights that are empty, negative, all zero or not numbers, and, in
        the forward, for an empty list or a number of outputs that differs from the weights.
        TypeError when ``criterion`` is not a Module, or the outputs are neither a Tensor nor a
        list or tuple.

    Why: an auxiliary loss on each coarse decoder level of ``UNet(deep_supervision=True)``
    gives the early layers a short gradient path, which speeds up and steadies training.
    """

    def __init__(self, criterion: Module, weights: list = None):
        super().__init__()
        owner = type(self).__name__
        if not isinstance(criterion, Module):
            raise TypeError(f"{owner}: criterion must be a neurenix.nn.Module (a loss such as "
                            f"BCELoss()), got {type(criterion).__name__}")
        self.criterion = criterion
        self.weights = None if weights is None else _check_weights(owner, weights)

    def weights_for(self, count: int) -> list:
        """The weights applied to ``count`` outputs, finest first.

        Raises: ValueError when explicit weights do not number ``count``.
        """
        if self.weights is None:
            halving = [0.5 ** i for i in range(count)]
            return [w / sum(halving) for w in halving]
        if count != len(self.weights):
            raise ValueError(f"{type(self).__name__}: got {count} outputs but {len(self.weights)} "
                             f"weights {self.weights}; pass one weight per output")
        return list(self.weights)

    def forward(self, outputs, target: Tensor) -> Tensor:
        if isinstance(outputs, Tensor):
            return self.criterion(outputs, target)
        if not isinstance(outputs, (list, tuple)):
            raise TypeError(f"{type(self).__name__}: outputs must be a Tensor or a list of "
                            f"Tensors, got {type(outputs).__name__}")
        if not outputs:
            raise ValueError(f"{type(self).__name__}: outputs is an empty list; expected at "
                             f"least one prediction")
        total = None
        for weight, output in zip(self.weights_for(len(outputs)), outputs):
            term = self.criterion(output, target) * weight
            total = term if total is None else total + term
        return total

    def extra_repr(self) -> str:
        return "" if self.weights is None else f"weights={self.weights}"


def _check_weights(owner: str, weights) -> list:
    """``weights`` as a fresh list of floats: non-empty, finite, non-negative, not all zero."""
    if isinstance(weights, (str, bytes)) or not hasattr(weights, "__iter__"):
        raise ValueError(f"{owner}: weights must be a list of non-negative numbers, got "
                         f"{weights!r}")
    checked = list(weights)
    for w in checked:
        if isinstance(w, bool) or not isinstance(w, numbers.Real) or not math.isfinite(w) \
                or w < 0:
            raise ValueError(f"{owner}: every weight must be a non-negative number, got {w!r} "
                             f"in {checked}")
    if not checked or not any(checked):
        raise ValueError(f"{owner}: weights must hold at least one positive number, got "
                         f"{checked}")
    return [float(w) for w in checked]
