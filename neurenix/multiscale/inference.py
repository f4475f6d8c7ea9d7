"""Inference wrappers: test-time augmentation (MultiScaleInference) and tiled inference of
images of any size (SlidingWindowInference).

Both wrap a trained model, run it in eval mode without a graph (``no_grad``) and give every
sub-module its train/eval mode back afterwards, even when the model raises. They are Modules
holding the model as ``model``, so ``nx.save`` / ``nx.load`` rebuild them with it.
"""
import contextlib
import math
import numbers

from ..core import Tensor, arange, cat, maximum, no_grad, ones, zeros
from ..nn import Module
from ._resize import check_image, check_positive_int, check_scales, rescale, resize

MERGES = ("mean", "max")
BLENDS = ("gaussian", "constant")


def _check_model(owner: str, model) -> Module:
    if not isinstance(model, Module):
        raise TypeError(f"{owner}: model must be a neurenix.nn.Module, got "
                        f"{type(model).__name__}")
    return model


@contextlib.contextmanager
def _inference_mode(model: Module):
    """Run the body with ``model`` in eval mode and grad mode off, then restore each
    sub-module's own mode (a frozen BatchNorm in a training model stays in eval mode)."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with no_grad():
            yield
    finally:
        for module, training in modes:
            module.training = training


def _hflip(x: Tensor) -> Tensor:
    """``x`` mirrored left to right: (N, C, H, W), column j becomes column W - 1 - j."""
    return x[..., ::-1]


class MultiScaleInference(Module):
    """Test-time augmentation: the model's predictions over several scales (and flips), merged.

    For each scale s the input is resized bilinearly to floor(H*s) x floor(W*s) (1.0 is the
    input itself), ``model`` runs on it, and its output is resized back to H x W. With
    ``flip=True`` the model also runs on each scaled input mirrored left to right, and that
    output is mirrored back. The ``len(scales) * (2 if flip else 1)`` predictions are merged
    per pixel by their mean or their maximum, one at a time (only the running merge is kept).
    The model runs in eval mode under ``no_grad``; every sub-module's mode is restored
    afterwards, also when the model raises.

    Args:
        model: a Module mapping images to per-pixel predictions of the same size, e.g. a UNet.
        scales: the scales (positive, distinct).
        flip: also run the horizontally flipped views.
        merge: "mean" or "max".

    Shape: (N, C_in, H, W) -> (N, C_out, H, W), C_out the model's output channels.

    Raises: TypeError when ``model`` is not a Module; ValueError for a bad scale or merge, or a
        model output that is not an image batch.

    Why: a segmentation network's errors differ from one view of an image to the next (other
    scales, mirrored); merging its predictions over several views removes part of them, with
    no retraining, for the cost of one forward per view.
    """

    def __init__(self, model: Module, scales: list = [0.5, 1.0, 1.5],  # noqa: B006
                 flip: bool = False, merge: str = "mean"):
        super().__init__()
        owner = type(self).__name__
        self.model = _check_model(owner, model)
        self.scales = check_scales(owner, scales)
        self.flip = bool(flip)
        if merge not in MERGES:
            raise ValueError(f"{owner}: unknown merge {merge!r}; valid values are "
                             f"{', '.join(repr(m) for m in MERGES)}")
        self.merge = merge

    def _predict(self, x: Tensor, scale: float) -> Tensor:
        out = self.model(x)
        check_image(type(self).__name__, out, what=f"model output at scale {scale}")
        return out

    def _views(self, x: Tensor):
        """The model's prediction for every augmented view, each at the input's size."""
        size = x.shape[-2:]
        for scale in self.scales:
            scaled = rescale(x, scale)
            yield resize(self._predict(scaled, scale), size)
            if self.flip:
                yield resize(_hflip(self._predict(_hflip(scaled), scale)), size)

    def forward(self, x: Tensor) -> Tensor:
        check_image(type(self).__name__, x)
        with _inference_mode(self.model):
            merged, count = None, 0
            for view in self._views(x):
                if merged is None:
                    merged = view
                else:
                    merged = merged + view if self.merge == "mean" else maximum(merged, view)
                count += 1
        return merged / count if self.merge == "mean" else merged

    def extra_repr(self) -> str:
        return f"scales={self.scales}, flip={self.flip}, merge={self.merge!r}"


def _window_starts(length: int, window: int, overlap: float) -> list:
    """Where the windows along one axis begin: every floor(window * (1 - overlap)) pixels (at
    least 1), as few as cover ``length``; the last is shifted back to end at the border."""
    stride = max(1, math.floor(window * (1 - overlap)))
    count = math.ceil((length - window) / stride) + 1
    return [min(i * stride, length - window) for i in range(count)]


class SlidingWindowInference(Module):
    """Tiled inference: runs a model on overlapping windows of an image of any size and blends.

    Windows of ``window_size`` lie on a regular grid: along each axis they start every
    floor(window * (1 - overlap)) pixels (so neighbours overlap by at least ``overlap``), and
    the last is shifted back to end at the border. They are cut from every image of the
    batch, run through ``model`` ``batch_size`` windows at a time, weighted by an importance
    map and added into a preallocated output, which is finally divided by the summed weights.
    "gaussian" weights (sigma = 1/8 of the window along each axis, centred; MONAI's default
    map) let each pixel's value come mostly from the windows that see it near their centre,
    where a convolutional model has the most context; "constant" weights average the windows.

    Where an image is smaller than the window along an axis, the window shrinks to the image
    along that axis (nothing is padded: a padded border would change the prediction). So when
    one window covers the whole image, the result is exactly ``model(x)`` (run on
    ``batch_size`` images at a time), and the model must accept the image's size.

    The model runs in eval mode under ``no_grad`` (sub-module modes are restored afterwards,
    also when it raises). Memory beyond the input and the output is that of one batch of
    windows: the output is allocated once and the weights are never stored at image size
    (both the grid and the map factor into rows times columns, so the summed weights are an
    outer product of two 1-D sums).

    Args:
        model: a Module mapping a window to a prediction of the same height and width.
        window_size: an int or an (h, w) pair.
        overlap: fraction of a window shared with its neighbour, in [0, 1).
        blend: "gaussian" or "constant".
        batch_size: windows per model call.

    Shape: (N, C_in, H, W) -> (N, C_out, H, W) for any H, W.

    Raises: TypeError when ``model`` is not a Module; ValueError for a bad window size,
        overlap, blend or batch size, or a model whose output is not the window's size.

    Why: an image too large to run at once (a 2048 x 2048 scan on a laptop), or larger than
    what the model was trained on, is segmented window by window with bounded memory and
    without seams at the window borders.
    """

    def __init__(self, model: Module, window_size, overlap: float = 0.25,
                 blend: str = "gaussian", batch_size: int = 4):
        super().__init__()
        owner = type(self).__name__
        self.model = _check_model(owner, model)
        pair = (window_size, window_size) if isinstance(window_size, numbers.Integral) \
            and not isinstance(window_size, bool) else window_size
        if isinstance(pair, (str, bytes)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise ValueError(f"{owner}: window_size must be an int or an (h, w) pair, got "
                             f"{window_size!r}")
        self.window_size = tuple(check_positive_int(owner, n, "window_size") for n in pair)
        if isinstance(overlap, bool) or not isinstance(overlap, numbers.Real) \
                or not 0 <= overlap < 1:
            raise ValueError(f"{owner}: overlap must be a number in [0, 1), got {overlap!r}")
        self.overlap = float(overlap)
        if blend not in BLENDS:
            raise ValueError(f"{owner}: unknown blend {blend!r}; valid values are "
                             f"{', '.join(repr(b) for b in BLENDS)}")
        self.blend = blend
        self.batch_size = check_positive_int(owner, batch_size, "batch_size")

    def importance(self, length: int, dtype) -> Tensor:
        """The 1-D importance profile of a window ``length`` long: a Gaussian with sigma =
        length / 8 centred at (length - 1) / 2 (peak 1 for odd lengths), or ones; the 2-D
        map of a window is the outer product of its row and column profiles.

        Shape: (length,)
        """
        if self.blend == "constant":
            return ones(length, dtype=dtype)
        offset = arange(length, dtype=dtype) - (length - 1) / 2
        sigma = length / 8
        return (offset * offset / (-2 * sigma * sigma)).exp()

    def _predict(self, x: Tensor, window: tuple) -> Tensor:
        out = self.model(x)
        check_image(type(self).__name__, out, what="model output")
        if tuple(out.shape[-2:]) != window or out.shape[0] != x.shape[0]:
            raise ValueError(f"{type(self).__name__}: the model maps windows {tuple(x.shape)} to "
                             f"{tuple(out.shape)}; sliding-window inference needs one prediction "
                             f"of the window's size {window} per window")
        return out

    def grid(self, height: int, width: int) -> tuple:
        """Where the windows over an image of ``height`` x ``width`` begin.

        Returns: (tops, lefts, window): the windows are every (top, left) pair, each of size
        ``window`` = the window size, shrunk to the image along an axis where it is larger.
        """
        window = (min(self.window_size[0], height), min(self.window_size[1], width))
        return (_window_starts(height, window[0], self.overlap),
                _window_starts(width, window[1], self.overlap), window)

    def forward(self, x: Tensor) -> Tensor:
        check_image(type(self).__name__, x)
        n, h, w = x.shape[0], x.shape[2], x.shape[3]
        tops, lefts, window = self.grid(h, w)
        b = self.batch_size
        with _inference_mode(self.model):
            if len(tops) == len(lefts) == 1:  # one window is the image: nothing to blend
                outs = [self._predict(x[i:i + b], window) for i in range(0, n, b)]
                return outs[0] if len(outs) == 1 else cat(outs, dim=0)
            return self._blend(x, window, tops, lefts)

    def _blend(self, x: Tensor, window: tuple, tops: list, lefts: list) -> Tensor:
        """Sum of every window's weighted prediction at its place, divided by summed weights."""
        (n, _, h, w), (wh, ww) = x.shape, window
        places = [(i, top, left) for i in range(n) for top in tops for left in lefts]
        out = rows = cols = weight = None
        for k in range(0, len(places), self.batch_size):
            batch = places[k:k + self.batch_size]
            pred = self._predict(cat([x[i:i + 1, :, t:t + wh, l:l + ww] for i, t, l in batch],
                                     dim=0), window)
            if out is None:  # the output's channels and dtype are the model's: known now
                out = zeros(n, pred.shape[1], h, w, dtype=pred.dtype)
                rows, cols = self.importance(wh, pred.dtype), self.importance(ww, pred.dtype)
                weight = rows.reshape(wh, 1) * cols.reshape(1, ww)
            pred = pred * weight
            for j, (i, t, l) in enumerate(batch):
                place = (slice(i, i + 1), slice(None), slice(t, t + wh), slice(l, l + ww))
                out[place] = out[place] + pred[j:j + 1]
        # Every window's map is rows x cols and the windows are every (top, left) pair, so the
        # summed weight at (y, x) is (sum of rows over tops)(y) * (sum of cols over lefts)(x).
        out.div_(_coverage(rows, tops, h).reshape(1, 1, h, 1))
        out.div_(_coverage(cols, lefts, w).reshape(1, 1, 1, w))
        return out

    def extra_repr(self) -> str:
        return (f"window_size={self.window_size}, overlap={self.overlap}, blend={self.blend!r}, "
                f"batch_size={self.batch_size}")


def _coverage(profile: Tensor, starts: list, length: int) -> Tensor:
    """The sum of ``profile`` placed at each start along an axis ``length`` long: (length,)."""
    total = zeros(length, dtype=profile.dtype)
    for start in starts:
        place = slice(start, start + profile.shape[0])
        total[place] = total[place] + profile
    return total
