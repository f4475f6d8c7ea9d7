"""neurenix.multiscale: models, pooling, fusion and transforms that work across scales, and
the training and inference tools around them (deep supervision, attention gates, test-time
augmentation, sliding-window inference).

Every class is a ``neurenix.nn.Module`` built only from neurenix Tensor ops and nn layers, so
autograd, ``no_grad``, gradient checkpointing and ``nx.save`` / ``nx.load`` work for it as for
any other module. Changes of scale all go through one helper (``_resize.resize``): bilinear with
half-pixel centres unless a ``mode`` says otherwise, to the exact size floor(H*s) x floor(W*s).
"""
from .attention import AttentionGate
from .fusion import AttentionFusion, FeatureFusion, ScaleFusion
from .inference import MultiScaleInference, SlidingWindowInference
from .models import MultiScaleModel, PyramidNetwork, UNet
from .pooling import MultiScalePooling, PyramidPooling, SpatialPyramidPooling
from .supervision import DeepSupervisionLoss
from .transforms import MultiScaleTransform, PyramidDownsample, Rescale

__all__ = ["MultiScaleModel", "PyramidNetwork", "UNet",
           "MultiScalePooling", "PyramidPooling", "SpatialPyramidPooling",
           "FeatureFusion", "ScaleFusion", "AttentionFusion",
           "MultiScaleTransform", "Rescale", "PyramidDownsample",
           # beyond the API document: training and inference around the models
           "AttentionGate", "DeepSupervisionLoss", "MultiScaleInference",
           "SlidingWindowInference"]
