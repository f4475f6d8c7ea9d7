"""The demo's two tasks: shape segmentation with a U-Net, digit classification with a pyramid."""
import numpy as np

import neurenix as nx
from neurenix import nn
from neurenix.data import DataLoader, TensorDataset
from neurenix.multiscale import DeepSupervisionLoss, FeatureFusion, PyramidNetwork, UNet
from neurenix.optim import Adam

from .progress import EpochProgress
from .shapes import make_shapes


def _train(model, loss_fn, loader, epochs, lr, evaluate):
    """Adam on ``loss_fn(model(x), y)``; ``evaluate()`` gives the metric line after each epoch."""
    optimizer = Adam(model.parameters(), lr=lr)
    progress = EpochProgress(epochs, len(loader))
    for epoch in range(1, epochs + 1):
        model.train()
        total = 0.0
        for i, (x, y) in enumerate(loader):
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            progress.batch(epoch, i, loss.item())
        progress.epoch(epoch, total / len(loader), evaluate())


def predict(model, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """``model``'s outputs for ``images`` in eval mode, without a graph."""
    model.eval()
    with nx.no_grad():
        return np.concatenate([model(nx.Tensor(images[i:i + batch_size])).numpy()
                               for i in range(0, len(images), batch_size)])


def iou(pred: np.ndarray, truth: np.ndarray) -> float:
    """Mean over images of |pred & truth| / |pred | truth| for 0/1 masks (N, 1, H, W)."""
    inter = (pred * truth).sum(axis=(1, 2, 3))
    union = np.maximum(pred, truth).sum(axis=(1, 2, 3))
    return float(np.mean(np.where(union > 0, inter / np.maximum(union, 1), 1.0)))


def segmentation(args, plain: bool = False):
    """Train a U-Net on synthetic shapes; returns (model, test images, masks, predictions, IoU).

    The U-Net has attention gates and deep supervision (trained with DeepSupervisionLoss)
    unless ``plain``; either way it outputs logits.
    """
    images, masks, _ = make_shapes(args.train + args.test, args.image_size, seed=args.seed)
    train_x, test_x = images[:args.train], images[args.train:]
    train_y, test_y = masks[:args.train], masks[args.train:]
    model = UNet(in_channels=3, out_channels=1, features=[16, 32, 64], final_activation=None,
                 deep_supervision=not plain, attention=not plain)
    loader = DataLoader(TensorDataset(nx.Tensor(train_x), nx.Tensor(train_y)),
                        batch_size=args.batch_size, shuffle=True)
    scores = {}

    def evaluate():
        pred = (predict(model, test_x) > 0).astype(np.float32)  # logit > 0 <=> p > 0.5
        scores["iou"] = iou(pred, test_y)
        return f"test IoU {scores['iou']:.3f}"

    # A plain UNet returns one tensor, for which DeepSupervisionLoss is its criterion itself.
    _train(model, DeepSupervisionLoss(nn.BCEWithLogitsLoss()), loader, args.epochs, args.lr,
           evaluate)
    pred = (predict(model, test_x) > 0).astype(np.float32)
    return model, test_x, test_y, pred, scores["iou"]


class DigitClassifier(nn.Module):
    """PyramidNetwork features, fused by attention, averaged over space, then a linear layer.

    Args: num_levels, base_channels: of the PyramidNetwork.  num_classes: outputs.
    Shape: input (N, 1, 8, 8) -> logits (N, num_classes)
    """

    def __init__(self, num_levels: int = 3, base_channels: int = 16, num_classes: int = 10):
        super().__init__()
        self.features = PyramidNetwork(in_channels=1, out_channels=base_channels,
                                       num_levels=num_levels, base_channels=base_channels)
        self.fusion = FeatureFusion(in_channels=[base_channels * 2 ** i for i in range(num_levels)],
                                    out_channels=4 * base_channels, fusion_method="attention")
        self.classifier = nn.Linear(4 * base_channels, num_classes)

    def forward(self, x):
        self.features(x)
        fused = self.fusion(self.features.get_features())
        return self.classifier(nx.mean(fused, dim=[2, 3]))


def digits(args):
    """Train a DigitClassifier on scikit-learn's 8x8 digits; returns (model, accuracy)."""
    from sklearn.datasets import load_digits  # optional extra, checked by the caller

    data = load_digits()
    images = (data.images / 16.0).astype(np.float32)[:, None]
    labels = data.target.astype(np.int64)
    order = np.random.default_rng(args.seed).permutation(len(labels))
    cut = int(0.8 * len(labels))
    train, test = order[:cut], order[cut:]
    model = DigitClassifier()
    loader = DataLoader(TensorDataset(nx.Tensor(images[train]), nx.Tensor(labels[train])),
                        batch_size=args.batch_size, shuffle=True)
    scores = {}

    def evaluate():
        scores["accuracy"] = float((predict(model, images[test]).argmax(1) == labels[test]).mean())
        return f"test accuracy {scores['accuracy']:.3f}"

    _train(model, nn.CrossEntropyLoss(), loader, args.epochs, args.lr, evaluate)
    return model, scores["accuracy"]
