"""Converters of the resizes: ``SeparableResize`` (bilinear, bicubic, adaptive average pooling)
and ``NearestResize``.

Both ops know only their tables: two interpolation matrices (out = Ah @ x @ Aw^T), or the
source row and column of every output pixel. A converter writes the named ONNX op those
tables are, when they are one (checked by rebuilding the tables ``interpolate`` would make):

* PyTorch's bilinear / bicubic at a size: ``Resize`` (linear / cubic with A = -0.75) with
  ``half_pixel`` or ``align_corners`` coordinates and exact ``sizes``;
* an average over the whole input (adaptive pooling to 1 x 1): ``GlobalAveragePool``;
* nearest upsampling by an integer factor: ``Resize`` nearest with integer ``scales``.

Any other table (adaptive average pooling to a size that does not divide the input, a scale
factor that is not the size ratio, other nearest maps) is written as what the op computes:
two ``MatMul`` with the matrices as constants, or two ``Gather`` with the indices. That is
exact, and fixes the spatial size, as the tables do.
"""
import numpy as np

from ...core.ops import interpolate, separable
from ..registry import converts


def _named_mode(x_shape, Ah, Aw):
    """(ONNX mode, coordinate transformation) of PyTorch's interpolation with exactly these
    matrices at this size, or None."""
    (H, W), dtype = x_shape[2:], Ah.dtype
    for mode, build in (("linear", interpolate._linear_matrix),
                        ("cubic", interpolate._cubic_matrix)):
        for align_corners, transform in ((False, "half_pixel"), (True, "align_corners")):
            if (np.array_equal(Ah, build(H, Ah.shape[0], None, align_corners, dtype)) and
                    np.array_equal(Aw, build(W, Aw.shape[0], None, align_corners, dtype))):
                return mode, transform
    return None


def _resize(g, x, out_size, **attributes) -> str:
    """ONNX Resize of ``x`` to ``out_size`` (H, W), keeping N and C as they come at run time."""
    sizes = g.shape_with(g.value(x), 4, list(out_size))
    return g.op("Resize", g.value(x), "", "", sizes, **attributes)


def _is_global_average(x_shape, Ah, Aw) -> bool:
    return Ah.shape[0] == Aw.shape[0] == 1 and np.allclose(Ah, 1 / x_shape[2]) and \
        np.allclose(Aw, 1 / x_shape[3])


@converts(separable.SeparableResize)
def separable_resize(g, call):
    x, Ah, Aw = call.args
    if _is_global_average(x.shape, Ah, Aw):
        g.size_free()
        return g.op("GlobalAveragePool", g.value(x))
    g.written(f"a resize of {tuple(x.shape[2:])} to {(Ah.shape[0], Aw.shape[0])}",
              lambda a: (a[1], a[2]))
    named = _named_mode(x.shape, Ah, Aw)
    if named is not None:
        mode, transform = named
        return _resize(g, x, (Ah.shape[0], Aw.shape[0]), mode=mode,
                       coordinate_transformation_mode=transform, cubic_coeff_a=-0.75)
    rows = g.op("MatMul", g.constant(Ah, "rows"), g.value(x))  # (OH, H) @ (N, C, H, W)
    return g.op("MatMul", rows, g.constant(np.ascontiguousarray(Aw.T), "columns"))


def _integer_scales(x_shape, ih, iw):
    """(sh, sw) when the nearest map repeats each pixel sh x sw times, else None."""
    (H, W), (OH, OW) = x_shape[2:], (len(ih), len(iw))
    if OH % H == 0 and OW % W == 0 and np.array_equal(ih, np.arange(OH) // (OH // H)) and \
            np.array_equal(iw, np.arange(OW) // (OW // W)):
        return OH // H, OW // W
    return None


@converts(interpolate.NearestResize)
def nearest_resize(g, call):
    x, ih, iw = call.args
    scales = _integer_scales(x.shape, ih, iw)
    if scales is not None:
        g.written(f"a nearest resize of {tuple(x.shape[2:])} by {scales}",
                  lambda a: _integer_scales(a[0].shape, a[1], a[2]))
        factors = g.constant(np.array([1, 1, *scales], dtype=np.float32), "scales")
        return g.op("Resize", g.value(x), "", factors, mode="nearest",
                    coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    g.written(f"a nearest resize of {tuple(x.shape[2:])} to {(len(ih), len(iw))}",
              lambda a: (a[1], a[2]))
    rows = g.op("Gather", g.value(x), g.constant(ih.astype(np.int64), "rows"), axis=2)
    return g.op("Gather", rows, g.constant(iw.astype(np.int64), "columns"), axis=3)
