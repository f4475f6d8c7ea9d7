"""After training: test-time augmentation, a large scene in sliding windows, attention maps.

Each function takes the trained segmentation U-Net (which outputs logits) and measures or
extracts one thing the multiscale module's inference tools add.
"""
import time
import tracemalloc

import numpy as np

import neurenix as nx
from neurenix import nn
from neurenix.multiscale import MultiScaleInference, SlidingWindowInference

from .shapes import make_scene
from .tasks import iou, predict

TTA_SCALES = [0.75, 1.0, 1.25]


def _probabilities(model) -> nn.Module:
    """The model followed by a sigmoid: the wrappers merge probabilities, not logits."""
    return nn.Sequential(model, nn.Sigmoid())


def tta_iou(model, images: np.ndarray, masks: np.ndarray, scales=TTA_SCALES) -> tuple:
    """Held-out IoU of ``model`` without and with multi-scale + flip test-time augmentation.

    Returns: (IoU without, IoU with, seconds the augmented prediction took).
    """
    plain = iou((predict(model, images) > 0).astype(np.float32), masks)
    start = time.perf_counter()
    tta = MultiScaleInference(_probabilities(model), scales, flip=True)
    augmented = iou((predict(tta, images) > 0.5).astype(np.float32), masks)
    return plain, augmented, time.perf_counter() - start


def traced(fn, *args):
    """``fn(*args)`` and the peak memory (MiB) that tracemalloc saw allocated while it ran
    (what existed before, such as the arguments, is not counted)."""
    tracemalloc.start()
    try:
        out = fn(*args)
        return out, tracemalloc.get_traced_memory()[1] / 2 ** 20
    finally:
        tracemalloc.stop()


def segment_scene(model, size: int, seed: int, window: int = 128,
                  measure_memory: bool = False) -> dict:
    """Segment a ``make_scene(size)`` image with ``model`` in sliding windows.

    Returns: a dict with the scene's ``image`` (3, size, size), ``mask`` and ``pred`` (1, size,
    size), ``shapes`` (how many), ``windows`` (how many the grid has), ``iou``, ``seconds`` and
    ``peak_mib``: with ``measure_memory``, the peak memory of the inference beyond the input
    (it includes the (1, 1, size, size) float32 output), else None.
    """
    image, mask, count = make_scene(size, seed=seed)
    sliding = SlidingWindowInference(_probabilities(model), window, batch_size=8)
    tops, lefts, _ = sliding.grid(size, size)
    x = nx.Tensor(image[None])
    start = time.perf_counter()
    prob, peak = traced(sliding, x) if measure_memory else (sliding(x), None)
    seconds = time.perf_counter() - start
    pred = (prob.numpy()[0] > 0.5).astype(np.float32)
    return dict(image=image, mask=mask, pred=pred, shapes=count, windows=len(tops) * len(lefts),
                iou=iou(pred[None], mask[None]), seconds=seconds, peak_mib=peak)


def whole_image_peak(model, size: int, seed: int) -> float:
    """Peak memory (MiB, beyond the input) of running ``model`` on a ``make_scene(size)``
    image at once, in eval mode without a graph: what sliding windows avoid."""
    x = nx.Tensor(make_scene(size, seed=seed)[0][None])
    model.eval()
    with nx.no_grad():
        return traced(model, x)[1]


def attention_maps(model, images: np.ndarray) -> list:
    """The attention gates' maps for ``images`` (eval mode, no graph), finest first: a list of
    arrays (n, 1, H_i, W_i)."""
    model.eval()
    with nx.no_grad():
        model(nx.Tensor(images))
    maps = [m.numpy() for m in model.get_attention_maps()]
    model.release_features()
    return maps
