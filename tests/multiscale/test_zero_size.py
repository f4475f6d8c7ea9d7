"""Zero-size inputs through the multi-scale modules, as through PyTorch's interpolate: an empty
batch gives an empty batch (and an empty gradient), an empty image a ValueError naming
interpolate and the shapes (PyTorch raises on it too)."""
import pytest

import neurenix as nx
from neurenix import multiscale as ms

MODULES = [  # name, make
    ("Rescale", lambda: ms.Rescale(0.5)),
    ("MultiScaleTransform", lambda: ms.MultiScaleTransform([1.0, 0.5])),
    ("PyramidDownsample", lambda: ms.PyramidDownsample(3)),
    ("MultiScaleModel", lambda: ms.MultiScaleModel()),
    ("UNet", lambda: ms.UNet(3, 2, features=[4, 8])),
    ("PyramidNetwork", lambda: ms.PyramidNetwork(3, 4, base_channels=4)),
    ("PyramidPooling", lambda: ms.PyramidPooling(4, 4)),
]


def _outputs(result) -> list:
    return list(result) if isinstance(result, (list, tuple)) else [result]


@pytest.mark.parametrize("name, make", MODULES, ids=[m[0] for m in MODULES])
def test_an_empty_batch_gives_an_empty_batch(name, make):
    channels = 4 if name == "PyramidPooling" else 3
    x = nx.zeros(0, channels, 16, 16, requires_grad=True)
    outs = _outputs(make()(x))
    assert all(out.shape[0] == 0 for out in outs)
    sum(out.sum() for out in outs).backward()
    assert x.grad.shape == x.shape


@pytest.mark.parametrize("name, make", MODULES[:4], ids=[m[0] for m in MODULES[:4]])
@pytest.mark.parametrize("shape", [(2, 3, 0, 16), (2, 3, 16, 0)])
def test_an_empty_image_is_refused_like_torchs_interpolate(name, make, shape):
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):  # PyTorch refuses to resize an empty image too
        torch.nn.functional.interpolate(torch.zeros(shape), size=(8, 8), mode="bilinear")
    with pytest.raises(ValueError, match=r"interpolate: input and output sizes should be "
                                         r"greater than 0"):
        make()(nx.zeros(*shape))
