"""conv2d and conv_transpose2d: PyTorch comparisons to second order, gradient checks to second
order, the adjoint ops their backward passes are made of, im2col/col2im, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.core.ops.conv import Conv2dWeightGrad, im2col
from neurenix.testing import assert_matches, tensors


def _functional(lib):
    """neurenix's ops live at the top level; PyTorch's in torch.nn.functional."""
    return lib if lib is nx else lib.nn.functional


CONV = [  # x shape, weight shape, bias, keyword arguments
    ((2, 3, 8, 8), (4, 3, 3, 3), True, {}),
    ((2, 3, 8, 8), (4, 3, 3, 3), True, dict(stride=1, padding=1)),
    ((1, 2, 7, 9), (3, 2, 3, 2), False, dict(stride=(2, 1), padding=(1, 2))),
    ((2, 4, 9, 6), (6, 2, 3, 3), True, dict(stride=2, padding=1, groups=2)),
    ((1, 4, 7, 7), (4, 1, 3, 3), True, dict(padding=1, groups=4)),  # depthwise
    ((2, 3, 10, 11), (2, 3, 3, 3), True, dict(dilation=2, padding=2)),
    ((1, 3, 9, 8), (5, 3, 2, 3), True, dict(dilation=(2, 1), stride=(1, 3))),
    ((2, 3, 6, 7), (4, 3, 4, 2), True, dict(padding="same")),  # even kernel: asymmetric pad
    ((1, 2, 9, 7), (2, 2, 3, 3), True, dict(padding="same", dilation=(1, 3))),
    ((2, 3, 6, 7), (4, 3, 3, 3), False, dict(padding="valid")),
    ((1, 6, 5, 5), (6, 3, 1, 1), True, dict(groups=2)),  # 1x1
    ((1, 2, 5, 5), (3, 2, 5, 5), True, {}),  # kernel covers the input: 1x1 output
    ((3, 1, 4, 6), (2, 1, 3, 3), True, dict(stride=3, padding=(0, 1))),
    ((0, 4, 6, 6), (4, 2, 3, 3), True, dict(stride=2, padding=1, groups=2)),  # empty batch
    # every option at once; the strides leave 2 rows and 1 column of the input unread
    ((2, 4, 11, 9), (4, 2, 3, 2), False, dict(stride=(3, 2), padding=(1, 0), dilation=(2, 3),
                                              groups=2)),
]

CONV_TRANSPOSE = [  # x shape, weight shape (in, out/groups, kh, kw), bias, keyword arguments
    ((2, 3, 5, 5), (3, 4, 3, 3), True, {}),
    ((2, 3, 5, 4), (3, 2, 3, 3), True, dict(stride=2, padding=1, output_padding=1)),
    ((1, 4, 4, 5), (4, 3, 2, 3), False, dict(stride=(2, 3), padding=(0, 1),
                                             output_padding=(1, 2))),
    ((2, 4, 3, 3), (4, 2, 3, 3), True, dict(stride=2, groups=2)),
    ((1, 2, 4, 4), (2, 3, 3, 3), True, dict(dilation=2, padding=1)),
    ((1, 2, 4, 5), (2, 2, 3, 2), True, dict(stride=1, dilation=(2, 3), output_padding=(1, 2))),
    ((2, 2, 6, 6), (2, 2, 2, 2), True, dict(stride=2)),  # the U-Net up-sampler
    ((0, 4, 3, 3), (4, 2, 3, 3), True, dict(stride=2, groups=2)),  # empty batch
    ((1, 4, 3, 4), (4, 1, 3, 2), False, dict(stride=(2, 3), padding=1, output_padding=(1, 2),
                                             groups=2, dilation=(1, 2))),
]


def _arrays(x_shape, w_shape, bias, out_channels, dtype, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape).astype(dtype) for shape in (x_shape, w_shape)]
    if bias:
        arrays.append(rng.standard_normal(out_channels).astype(dtype))
    return arrays


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # PyTorch's note on its own copy
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("x_shape, w_shape, bias, kwargs", CONV)
def test_conv2d_matches_torch(x_shape, w_shape, bias, kwargs, dtype):
    """Forward and gradients; in float64 also the second derivatives."""
    torch = pytest.importorskip("torch")
    arrays = _arrays(x_shape, w_shape, bias, w_shape[0], dtype)
    assert_matches(torch, lambda lib, *t: _functional(lib).conv2d(*t, **kwargs), *arrays,
                   second_order=dtype == np.float64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("x_shape, w_shape, bias, kwargs", CONV_TRANSPOSE)
def test_conv_transpose2d_matches_torch(x_shape, w_shape, bias, kwargs, dtype):
    """Forward and gradients; in float64 also the second derivatives."""
    torch = pytest.importorskip("torch")
    arrays = _arrays(x_shape, w_shape, bias, w_shape[1] * kwargs.get("groups", 1), dtype)
    assert_matches(torch, lambda lib, *t: _functional(lib).conv_transpose2d(*t, **kwargs),
                   *arrays, second_order=dtype == np.float64)


@pytest.mark.parametrize("transposed", [False, True])
def test_third_derivatives_match_torch(transposed):
    """Any order: with grad_x = d/dx sum(out**2) (linear in x, quadratic in W) and
    grad_w = d/dW sum(grad_x**2), the gradients of <grad_w, r> in x and W are third derivatives
    of the op, differentiated through each adjoint op's own backward; they equal PyTorch's."""
    torch = pytest.importorskip("torch")
    if transposed:  # no output_padding: PyTorch 2.13's own third derivative refuses it
        kwargs = dict(stride=2, padding=1, groups=2, dilation=(1, 2))
        shapes = (1, 4, 3, 4), (4, 1, 3, 2), (2,)
    else:
        kwargs = dict(stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
        shapes = (2, 4, 7, 6), (2, 2, 3, 2), (2,)
    arrays = [np.random.default_rng(k).standard_normal(s) for k, s in enumerate(shapes)]
    r = np.random.default_rng(7).standard_normal(shapes[1])

    def third(lib, grad):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        op = _functional(lib).conv_transpose2d if transposed else _functional(lib).conv2d
        out = op(x, w, b, **kwargs)
        (grad_x,) = grad((out * out).sum(), [x], create_graph=True)
        (grad_w,) = grad((grad_x * grad_x).sum(), [w], create_graph=True)
        return [g.detach().numpy() for g in grad((grad_w * lib.tensor(r)).sum(), [x, w])]

    for ours, expected in zip(third(nx, nx.autograd.grad), third(torch, torch.autograd.grad)):
        assert np.abs(expected).max() > 0
        np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("op, x_channels, node, grad_x_node", [
    (nx.conv2d, 2, "Conv2dOp", "ConvTranspose2dOp"),
    (nx.conv_transpose2d, 3, "ConvTranspose2dOp", "Conv2dOp"),
])
def test_backward_passes_are_the_adjoint_ops(op, x_channels, node, grad_x_node):
    """conv2d's input gradient is a transposed convolution, conv_transpose2d's a convolution;
    each weight gradient is Conv2dWeightGrad. With create_graph the gradients' graphs show it."""
    x = nx.randn(1, x_channels, 5, 5, requires_grad=True)
    w = nx.randn(3, 2, 3, 3, requires_grad=True)
    out = op(x, w, padding=1)
    grad_x, grad_w = nx.autograd.grad(out.sum(), [x, w], create_graph=True)
    assert type(out.grad_fn).__name__ == node
    assert type(grad_x.grad_fn).__name__ == grad_x_node
    assert type(grad_w.grad_fn).__name__ == "Conv2dWeightGrad"


def test_conv2d_unbatched_matches_torch():
    torch = pytest.importorskip("torch")
    arrays = _arrays((3, 6, 5), (2, 3, 3, 3), True, 2, np.float64)
    assert_matches(torch, lambda lib, *t: _functional(lib).conv2d(*t, padding=1), *arrays)
    arrays = _arrays((3, 4, 5), (3, 2, 3, 3), True, 2, np.float64)
    assert_matches(torch, lambda lib, *t: _functional(lib).conv_transpose2d(*t, stride=2),
                   *arrays)


@pytest.mark.parametrize("op", [nx.conv2d, nx.conv_transpose2d])
def test_float32_stays_float32(op):
    x = nx.randn(1, 2, 5, 5, requires_grad=True)
    w = nx.randn(2, 2, 3, 3, requires_grad=True)
    b = nx.randn(2, requires_grad=True)
    out = op(x, w, b, stride=2, padding=1)
    out.sum().backward()
    assert out.dtype == nx.float32
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == nx.float32


def test_conv2d_frozen_weight_matches_torch():
    """A weight that does not require grad: the columns are not kept, dL/dx still flows."""
    torch = pytest.importorskip("torch")
    x, w = _arrays((2, 3, 7, 6), (4, 3, 3, 3), False, 4, np.float64)
    ours, theirs = nx.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = nx.conv2d(ours, nx.tensor(w), stride=2, padding=1)
    reference = torch.nn.functional.conv2d(theirs, torch.tensor(w), stride=2, padding=1)
    g = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(nx.tensor(g))
    reference.backward(torch.tensor(g))
    np.testing.assert_allclose(out.numpy(), reference.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)


def test_scratch_columns_are_not_shared_between_results():
    """Forward passes without a graph reuse one column buffer; results must not alias it."""
    x1, x2 = nx.randn(2, 3, 6, 6, dtype=nx.float64), nx.randn(1, 3, 9, 5, dtype=nx.float64)
    w = nx.randn(4, 3, 3, 3, dtype=nx.float64)
    expected = [nx.conv2d(x.requires_grad_(), w.requires_grad_(), padding=1).detach().numpy()
                for x in (x1, x2)]
    w.requires_grad_(False)
    with nx.no_grad():
        first = nx.conv2d(x1, w, padding=1)
        second = nx.conv2d(x2, w, padding=1)
        third = nx.conv2d(x1, w, padding=1)
    np.testing.assert_allclose(first.numpy(), expected[0])
    np.testing.assert_allclose(second.numpy(), expected[1])
    np.testing.assert_allclose(third.numpy(), expected[0])


@st.composite
def _conv_params(draw, transposed: bool):
    """Tiny convolutions: groups, channels, kernel, stride, padding, dilation, input size."""
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 1)), draw(st.integers(0, 1)))
    reach = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    size = [draw(st.integers(max(1, r - 2 * p), r + 2)) for r, p in zip(reach, padding)]
    n = draw(st.integers(1, 2))
    if transposed:
        output_padding = tuple(draw(st.integers(0, max(s, d) - 1))
                               for s, d in zip(stride, dilation))
        return dict(x=(n, c_in, *size), w=(c_in, c_out // groups, *kernel), b=c_out,
                    kwargs=dict(stride=stride, padding=padding, output_padding=output_padding,
                                groups=groups, dilation=dilation))
    return dict(x=(n, c_in, *size), w=(c_out, c_in // groups, *kernel), b=c_out,
                kwargs=dict(stride=stride, padding=padding, dilation=dilation, groups=groups))


def _draw_inputs(data, params):
    x = data.draw(tensors(params["x"], nx.float64, requires_grad=True))
    w = data.draw(tensors(params["w"], nx.float64, requires_grad=True))
    b = data.draw(tensors((params["b"],), nx.float64, requires_grad=True))
    return x, w, b


def _transposed_output_is_empty(params) -> bool:
    """Too much padding for this input: conv_transpose2d refuses it (see the error tests)."""
    return min((n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in zip(
        params["x"][2:], *(params["kwargs"][a] for a in ("stride", "padding", "dilation")),
        params["w"][2:], params["kwargs"]["output_padding"])) < 1


@given(data=st.data())
def test_conv2d_gradcheck(data):
    params = data.draw(_conv_params(transposed=False))
    x, w, b = _draw_inputs(data, params)
    assert nx.gradcheck(lambda x, w, b: nx.conv2d(x, w, b, **params["kwargs"]), (x, w, b))


@given(data=st.data())
def test_conv_transpose2d_gradcheck(data):
    params = data.draw(_conv_params(transposed=True))
    x, w, b = _draw_inputs(data, params)
    if _transposed_output_is_empty(params):
        return
    assert nx.gradcheck(lambda x, w, b: nx.conv_transpose2d(x, w, b, **params["kwargs"]),
                        (x, w, b))


@settings(max_examples=10)  # each example differentiates the backward once per gradient entry
@given(data=st.data(), bias=st.booleans())
def test_conv2d_gradgradcheck(data, bias):
    """Second derivatives in x, W, b and the output gradient, against finite differences."""
    params = data.draw(_conv_params(transposed=False))
    x, w, b = _draw_inputs(data, params)
    inputs = (x, w, b if bias else None)
    assert nx.gradgradcheck(lambda x, w, b: nx.conv2d(x, w, b, **params["kwargs"]), inputs)


@settings(max_examples=10)
@given(data=st.data(), bias=st.booleans())
def test_conv_transpose2d_gradgradcheck(data, bias):
    """Second derivatives in x, W, b and the output gradient, against finite differences."""
    params = data.draw(_conv_params(transposed=True))
    x, w, b = _draw_inputs(data, params)
    if _transposed_output_is_empty(params):
        return
    inputs = (x, w, b if bias else None)
    assert nx.gradgradcheck(lambda x, w, b: nx.conv_transpose2d(x, w, b, **params["kwargs"]),
                            inputs)


@settings(max_examples=10)
@given(data=st.data())
def test_conv2d_weight_grad_gradgradcheck(data):
    """The weight gradient as an op of its own (computing its own columns), to second order:
    its derivatives are a conv_transpose2d (in x) and a conv2d (in the output gradient)."""
    params = data.draw(_conv_params(transposed=False))
    kwargs = params["kwargs"]
    x, w, _ = _draw_inputs(data, params)
    g = data.draw(tensors(nx.conv2d(x, w, **kwargs).shape, nx.float64, requires_grad=True))
    pads = (kwargs["padding"][0],) * 2 + (kwargs["padding"][1],) * 2

    def weight_grad(x, g):
        return Conv2dWeightGrad.apply(x, g, w.shape, kwargs["stride"], pads, kwargs["dilation"],
                                      kwargs["groups"], None, None)

    (expected,) = nx.autograd.grad(nx.conv2d(x, w, **kwargs), [w], g)
    np.testing.assert_allclose(weight_grad(x, g).numpy(), expected.numpy(), rtol=1e-12,
                               atol=1e-12)
    assert nx.gradcheck(weight_grad, (x, g))
    assert nx.gradgradcheck(weight_grad, (x, g))


@settings(max_examples=10)
@given(data=st.data())
def test_conv2d_same_padding_gradgradcheck(data):
    """An even kernel pads one more row after than before: the backward's transposed
    convolution must crop asymmetrically too, to every order."""
    kernel = (data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)))
    dilation = (data.draw(st.integers(1, 2)), data.draw(st.integers(1, 2)))
    x = data.draw(tensors((1, 2, data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))),
                          requires_grad=True))
    w = data.draw(tensors((2, 2, *kernel), requires_grad=True))

    def same(x, w):
        return nx.conv2d(x, w, padding="same", dilation=dilation)

    assert same(x, w).shape == (1, 2) + x.shape[2:]
    assert nx.gradcheck(same, (x, w))
    assert nx.gradgradcheck(same, (x, w))


@given(data=st.data())
def test_conv_transpose2d_is_the_adjoint_of_conv2d(data):
    """<conv2d(x, w), y> == <x, conv_transpose2d(y, w)>: im2col and col2im_matmul are adjoint
    for every stride, padding, dilation and group count."""
    params = data.draw(_conv_params(transposed=False))
    x = data.draw(tensors(params["x"]))
    w = data.draw(tensors(params["w"]))
    out = nx.conv2d(x, w, **params["kwargs"])
    y = data.draw(tensors(out.shape))
    back = nx.conv_transpose2d(y, w, **params["kwargs"],
                               output_padding=_output_padding(x.shape, out.shape, w.shape,
                                                              **params["kwargs"]))
    assert back.shape == x.shape
    assert np.isclose((out.numpy() * y.numpy()).sum(), (x.numpy() * back.numpy()).sum())


def _output_padding(x_shape, out_shape, w_shape, stride, padding, dilation, groups):
    """The output_padding that makes conv_transpose2d map back to exactly ``x_shape``."""
    return tuple(n - ((o - 1) * s - 2 * p + d * (k - 1) + 1) for n, o, s, p, d, k in zip(
        x_shape[2:], out_shape[2:], stride, padding, dilation, w_shape[2:]))


def test_im2col_layout():
    x = np.arange(2 * 1 * 4 * 5, dtype=np.float64).reshape(2, 1, 4, 5)
    cols = im2col(x, 2, 3, 2, 2, (2, 1), (1, 1))
    assert cols.shape == (1, 2, 3, 2, 2, 2)  # (C, KH, KW, N, OH, OW)
    assert np.shares_memory(cols, cols.reshape(6, 8))  # the GEMM's matrix is a view
    for oh in range(2):
        for ow in range(2):
            window = x[:, :, 2 * oh:2 * oh + 2, ow:ow + 3].transpose(1, 2, 3, 0)
            assert (cols[:, :, :, :, oh, ow] == window).all()


@pytest.mark.parametrize("scratch", [False, True])
def test_im2col_pads_rows_of_4kib(scratch):
    """1024 float32 pixels per row: the rows get one cache line of padding, values unchanged."""
    x = np.random.default_rng(0).standard_normal((1, 2, 34, 34)).astype(np.float32)
    cols = im2col(x, 3, 3, 32, 32, (1, 1), (1, 1), scratch=scratch)
    matrix = cols.reshape(18, 1024)
    assert np.shares_memory(cols, matrix) and matrix.strides == (1040 * 4, 4)
    for i in range(3):
        for j in range(3):
            assert (cols[:, i, j, 0] == x[0, :, i:i + 32, j:j + 32]).all()


def _raises(match_parts, fn, *args, **kwargs):
    with pytest.raises((ValueError, TypeError)) as info:
        fn(*args, **kwargs)
    for part in match_parts:
        assert part in str(info.value), (part, str(info.value))


def test_conv2d_errors_name_the_op_and_shapes():
    x, w = nx.zeros(8, 32, 16, 16), nx.zeros(128, 64, 3, 3)
    _raises(["conv2d", "64 input channels", "(128, 64, 3, 3)", "(8, 32, 16, 16)", "groups=1"],
            nx.conv2d, x, w)
    _raises(["conv2d", "larger than the padded input", "(5, 5)", "(3, 3)"], nx.conv2d,
            nx.zeros(1, 1, 3, 3), nx.zeros(1, 1, 5, 5))
    _raises(["conv2d", "larger than the padded input", "dilated (5, 3)", "(4, 5)"], nx.conv2d,
            nx.zeros(1, 1, 2, 3), nx.zeros(1, 1, 3, 3), padding=1, dilation=(2, 1))
    _raises(["conv2d", "stride"], nx.conv2d, nx.zeros(1, 1, 5, 5), nx.zeros(1, 1, 3, 3), stride=0)
    _raises(["conv2d", "stride", "1.5"], nx.conv2d, nx.zeros(1, 1, 5, 5), nx.zeros(1, 1, 3, 3),
            stride=1.5)
    _raises(["conv2d", "same", "stride"], nx.conv2d, nx.zeros(1, 1, 5, 5), nx.zeros(1, 1, 3, 3),
            stride=2, padding="same")
    _raises(["conv2d", "padding", "'full'"], nx.conv2d, nx.zeros(1, 1, 5, 5),
            nx.zeros(1, 1, 3, 3), padding="full")
    _raises(["conv2d", "groups=3", "(4, 2, 3, 3)"], nx.conv2d, nx.zeros(1, 6, 5, 5),
            nx.zeros(4, 2, 3, 3), groups=3)
    _raises(["conv2d", "bias", "(4,)"], nx.conv2d, nx.zeros(1, 2, 5, 5), nx.zeros(4, 2, 3, 3),
            nx.zeros(3))
    _raises(["conv2d", "float64", "float32"], nx.conv2d, nx.zeros(1, 2, 5, 5, dtype=nx.float64),
            nx.zeros(4, 2, 3, 3))
    _raises(["conv2d", "4-D", "(2, 5)"], nx.conv2d, nx.zeros(2, 5), nx.zeros(4, 2, 3, 3))


def test_conv_transpose2d_errors_name_the_op_and_shapes():
    _raises(["conv_transpose2d", "4 input channels", "(4, 2, 3, 3)", "(1, 3, 5, 5)"],
            nx.conv_transpose2d, nx.zeros(1, 3, 5, 5), nx.zeros(4, 2, 3, 3))
    _raises(["conv_transpose2d", "output_padding", "(2, 2)"], nx.conv_transpose2d,
            nx.zeros(1, 4, 5, 5), nx.zeros(4, 2, 3, 3), stride=2, output_padding=2)
    _raises(["conv_transpose2d", "empty", "(1, 4, 1, 1)"], nx.conv_transpose2d,
            nx.zeros(1, 4, 1, 1), nx.zeros(4, 2, 1, 1), padding=1)
    _raises(["conv_transpose2d", "bias", "(6,)"], nx.conv_transpose2d, nx.zeros(1, 4, 5, 5),
            nx.zeros(4, 3, 3, 3), nx.zeros(5), groups=2)


@pytest.mark.parametrize("fn", [
    lambda lib, x, w: lib.nn.functional.conv2d(x, w, padding=(1,), stride=(2,), dilation=(1,)),
    lambda lib, x, w: lib.nn.functional.max_pool2d(x, (2,), stride=(1,)),
    lambda lib, x, w: lib.nn.functional.avg_pool2d(x, (3,), padding=(1,)),
])
def test_a_one_element_size_is_expanded_as_pytorch(fn):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 2, 6, 5)), rng.standard_normal((3, 2, 3, 3))
    assert_matches(torch, fn, x, w)
