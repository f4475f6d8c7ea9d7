"""Every op on the array layouts the engine hands it: non-contiguous inputs (a transposed view)
and a read-only, zero-stride gradient (what Sum, Mean and Expand pass down their backward).

A backward that wrote into its ``grad_out`` would fail on that read-only view (or, worse,
corrupt a gradient shared with another op), and an op that assumed a C-contiguous input would
compute on scrambled data; both are invisible to tests that feed fresh contiguous arrays."""
import numpy as np
import pytest

import neurenix as nx
import neurenix.nn.functional as F

def _ones(*shape):
    return nx.ones(*shape, dtype=nx.float64)  # constants in the inputs' dtype


OPS = [  # name, fn(x) for x of shape (2, 3, 4, 5) (a transposed view when non-contiguous)
    ("add", lambda x: x + x[:, :1]), ("mul", lambda x: x * x), ("div", lambda x: x / 3.0),
    ("pow", lambda x: x.abs() ** 1.5), ("maximum", lambda x: nx.maximum(x, x[..., :1])),
    ("where", lambda x: nx.where(x > 0, x, x * 2)), ("exp", nx.exp), ("abs", nx.abs),
    ("clamp", lambda x: x.clamp(-0.5, 0.5)), ("relu", nx.relu), ("sigmoid", nx.sigmoid),
    ("tanh", nx.tanh), ("gelu", nx.gelu), ("leaky_relu", nx.leaky_relu),
    ("softmax", lambda x: nx.softmax(x, 1)), ("log_softmax", lambda x: nx.log_softmax(x, -1)),
    ("sum", lambda x: x.sum(1)), ("mean", lambda x: x.mean((0, 2))), ("var", lambda x: x.var(3)),
    ("std", lambda x: x.std(1)), ("amax", lambda x: x.amax(2)), ("max dim", lambda x: x.max(1)[0]),
    ("logsumexp", lambda x: x.logsumexp(1)), ("reshape", lambda x: x.reshape(6, 20)),
    ("permute", lambda x: x.permute(3, 1, 0, 2)),
    ("expand", lambda x: x[:, :1].expand(2, 3, 4, 5)),
    ("cat", lambda x: nx.cat([x, x[:, :1]], 1)), ("getitem", lambda x: x[[1, 0, 1], 1:, ::2]),
    ("mask", lambda x: x[x > 0]), ("matmul", lambda x: x @ x.transpose(-1, -2)),
    ("linear", lambda x: F.linear(x, _ones(3, 5), _ones(3))),
    ("conv2d", lambda x: nx.conv2d(x, _ones(6, 1, 2, 2), groups=3, padding=1, dilation=2)),
    ("conv_transpose2d", lambda x: nx.conv_transpose2d(x, _ones(3, 2, 3, 3), stride=2)),
    ("max_pool2d", lambda x: nx.max_pool2d(x, 3, 2, 1, ceil_mode=True)),
    ("avg_pool2d", lambda x: nx.avg_pool2d(x, 2, 1, 1, count_include_pad=False)),
    ("adaptive_avg_pool2d", lambda x: nx.adaptive_avg_pool2d(x, (3, 2))),
    ("adaptive_max_pool2d", lambda x: nx.adaptive_max_pool2d(x, (3, 4))),
    ("bilinear", lambda x: nx.interpolate(x, scale_factor=1.5, mode="bilinear")),
    ("bicubic", lambda x: nx.interpolate(x, size=(3, 7), mode="bicubic", align_corners=True)),
    ("nearest", lambda x: nx.interpolate(x, size=(9, 2))),
    ("pad reflect", lambda x: nx.pad(x, (1, 2, 2, 1), mode="reflect")),
    ("batch_norm", lambda x: F.batch_norm(x, None, None, _ones(3), _ones(3), training=True)),
    ("mse_loss", lambda x: F.mse_loss(x, _ones(2, 3, 4, 5), reduction="none")),
    ("cross_entropy", lambda x: F.cross_entropy(x, nx.zeros(2, 4, 5, dtype=nx.int64),
                                                reduction="none")),
    ("dropout", lambda x: F.dropout(x, 0.0) * 1.0),
]


@pytest.mark.parametrize("name, fn", OPS)
def test_op_on_a_transposed_input_with_a_read_only_gradient(name, fn):
    a = np.random.default_rng(0).standard_normal((2, 3, 5, 4))
    # Reference: a contiguous input, and a fresh writable gradient (from the product with 1).
    x = nx.tensor(a.transpose(0, 1, 3, 2).copy(), requires_grad=True)
    out = fn(x)
    (out * nx.ones_like(out)).sum().backward()
    # The same values as a transposed view, and .sum()'s read-only zero-stride gradient.
    leaf = nx.tensor(a, requires_grad=True)
    view = leaf.transpose(2, 3)
    assert not view.data.flags.c_contiguous
    out_view = fn(view)
    out_view.sum().backward()
    np.testing.assert_allclose(out_view.numpy(), out.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(leaf.grad.numpy().transpose(0, 1, 3, 2), x.grad.numpy(),
                               rtol=1e-12, atol=1e-12)
