"""layer_norm, group_norm and instance_norm: PyTorch comparisons of values, gradients and second
derivatives (affine or not, empty and non-contiguous inputs), gradient checks to second order,
instance norm's running statistics, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import neurenix as nx
from neurenix.testing import assert_matches, ranged


def _functional(lib):
    return lib if lib is nx else lib.nn.functional


def _spread(shape, seed=0, dtype=np.float64):
    """Random values plus distinct offsets, so no group of values is nearly constant (a
    variance near 0 makes the normalisation, and finite differences, ill-conditioned)."""
    rng = np.random.default_rng(seed)
    offsets = np.arange(int(np.prod(shape))).reshape(shape) * 0.37 % 1.3
    return (rng.standard_normal(shape) + offsets).astype(dtype)


LAYER_NORM = [  # x shape, normalized_shape, affine (weight, bias)
    ((2, 3, 5), (5,), (True, True)),
    ((2, 3, 5), (3, 5), (True, True)),
    ((4, 6), (6,), (True, False)),
    ((2, 3, 4), (4,), (False, False)),
    ((3, 2, 2, 3), (2, 2, 3), (True, True)),
    ((5,), (5,), (True, True)),  # a single sample without a batch
    ((0, 3, 4), (4,), (True, True)),  # empty batch
    ((2, 1), (1,), (True, True)),  # one value per group: var 0, the output is the bias
]


def _layer_norm_arrays(x_shape, shape, affine, dtype):
    arrays = [_spread(x_shape, 0, dtype)]
    rng = np.random.default_rng(1)
    arrays += [rng.uniform(0.5, 1.5, shape).astype(dtype) for keep in affine if keep]
    return arrays


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_shape, shape, affine", LAYER_NORM)
def test_layer_norm_matches_torch(x_shape, shape, affine, dtype):
    """Values, gradients and (in float64) second derivatives in input, weight and bias."""
    torch = pytest.importorskip("torch")
    w, b = affine

    def fn(lib, x, *params):
        params = list(params)
        weight = params.pop(0) if w else None
        bias = params.pop(0) if b else None
        return _functional(lib).layer_norm(x, shape, weight, bias, eps=1e-4)

    assert_matches(torch, fn, *_layer_norm_arrays(x_shape, shape, affine, dtype),
                   second_order=dtype == np.float64)


def test_layer_norm_of_a_non_contiguous_input_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.swapaxes(_spread((4, 3, 2)), 0, 2)  # (2, 3, 4), strided
    w, b = np.linspace(0.5, 1.5, 4), np.linspace(-1, 1, 4)
    assert_matches(torch, lambda lib, *t: _functional(lib).layer_norm(t[0], (4,), *t[1:]),
                   x, w, b, second_order=True)


def _per_channel_arrays(x_shape, affine: bool, dtype) -> list:
    """The input and, when ``affine``, a weight and a bias per channel."""
    rng = np.random.default_rng(2)
    arrays = [_spread(x_shape, 0, dtype)]
    if affine:
        arrays += [rng.uniform(0.5, 1.5, x_shape[1]).astype(dtype),
                   rng.standard_normal(x_shape[1]).astype(dtype)]
    return arrays


GROUP_NORM = [  # x shape, num_groups, affine
    ((2, 4, 3, 3), 2, True),
    ((2, 6, 5), 3, True),
    ((3, 12), 3, True),  # no spatial axes
    ((2, 4, 2, 2), 1, False),  # one group: layer norm over (C, H, W)
    ((1, 6, 2, 3), 6, True),  # one channel per group: instance norm
    ((0, 4, 3), 2, True),  # empty batch
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_shape, groups, affine", GROUP_NORM)
def test_group_norm_matches_torch(x_shape, groups, affine, dtype):
    torch = pytest.importorskip("torch")
    assert_matches(torch, lambda lib, x, *p: _functional(lib).group_norm(x, groups, *p),
                   *_per_channel_arrays(x_shape, affine, dtype), second_order=dtype == np.float64)


def test_group_norm_of_a_non_contiguous_input_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.transpose(_spread((3, 2, 4, 2)), (3, 2, 0, 1))  # (2, 4, 3, 2), strided
    w, b = np.linspace(0.5, 1.5, 4), np.linspace(-1, 1, 4)
    assert_matches(torch, lambda lib, *t: _functional(lib).group_norm(t[0], 2, *t[1:]),
                   x, w, b, second_order=True)


INSTANCE_NORM = [  # x shape, affine
    ((2, 3, 4, 4), True),
    ((2, 3, 4, 4), False),
    ((3, 2, 5), True),  # (N, C, L)
    ((1, 2, 2, 3, 2), True),  # (N, C, D, H, W)
    ((0, 3, 4, 4), False),  # empty batch (PyTorch fails on it with weights)
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("x_shape, affine", INSTANCE_NORM)
def test_instance_norm_matches_torch(x_shape, affine, dtype):
    torch = pytest.importorskip("torch")
    fn = (lambda lib, x, w, b: _functional(lib).instance_norm(x, weight=w, bias=b)) if affine \
        else (lambda lib, x: _functional(lib).instance_norm(x))
    assert_matches(torch, fn, *_per_channel_arrays(x_shape, affine, dtype),
                   second_order=dtype == np.float64)


@pytest.mark.parametrize("use_input_stats", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_instance_norm_running_statistics_match_torch(use_input_stats, dtype):
    """With input statistics the running ones take the batch mean of each instance's mean and
    unbiased variance (blended with momentum); without, they normalise instead, unchanged."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x = _spread((3, 2, 4, 5), 5, dtype)
    mean, var = rng.standard_normal(2).astype(dtype), rng.uniform(0.5, 2, 2).astype(dtype)
    w, b = rng.uniform(0.5, 1.5, 2).astype(dtype), rng.standard_normal(2).astype(dtype)
    ours = [nx.tensor(a.copy()) for a in (mean, var)]
    theirs = [torch.tensor(a.copy()) for a in (mean, var)]
    out = nx.instance_norm(nx.tensor(x), *ours, nx.tensor(w), nx.tensor(b), use_input_stats,
                           0.3, 1e-4)
    ref = torch.nn.functional.instance_norm(torch.tensor(x), *theirs, torch.tensor(w),
                                            torch.tensor(b), use_input_stats, 0.3, 1e-4)
    tol = dict(rtol=1e-9, atol=1e-10) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), **tol)
    for name, a, r in zip(("running_mean", "running_var"), ours, theirs):
        np.testing.assert_allclose(a.numpy(), r.numpy(), **tol, err_msg=name)
        assert a.dtype == dtype


@st.composite
def _norm_problem(draw, op):
    """(fn, inputs): a float64 normalisation of spread-out values with affine parameters."""
    if op == "layer_norm":
        shape = draw(st.sampled_from([(2, 4), (3, 2, 3), (2, 2, 3)]))
        k = draw(st.integers(1, len(shape) - 1))
        normalized = shape[len(shape) - k:]
        params = normalized
        fn = (lambda x, w, b: nx.layer_norm(x, normalized, w, b))
    else:
        shape = draw(st.sampled_from([(2, 4, 3), (1, 2, 2, 3), (2, 2, 4)]))
        params = (shape[1],)
        if op == "group_norm":
            groups = draw(st.sampled_from([g for g in (1, 2, 4) if shape[1] % g == 0]))
            fn = (lambda x, w, b: nx.group_norm(x, groups, w, b))
        else:
            fn = (lambda x, w, b: nx.instance_norm(x, weight=w, bias=b))
    x = draw(hnp.arrays(np.float64, shape, elements=ranged(-1, 1))) + _spread(shape)
    w = draw(hnp.arrays(np.float64, params, elements=ranged(0.5, 2)))
    b = draw(hnp.arrays(np.float64, params, elements=ranged(-1, 1)))
    return fn, tuple(nx.tensor(a, requires_grad=True) for a in (x, w, b))


OPS = ["layer_norm", "group_norm", "instance_norm"]


@pytest.mark.parametrize("op", OPS)
@given(data=st.data())
def test_gradcheck(op, data):
    fn, inputs = data.draw(_norm_problem(op))
    assert nx.gradcheck(fn, inputs)


@pytest.mark.parametrize("op", OPS)
@settings(max_examples=8)  # each example differentiates the backward once per entry
@given(data=st.data())
def test_gradgradcheck(op, data):
    fn, inputs = data.draw(_norm_problem(op))
    assert nx.gradgradcheck(fn, inputs)


def test_layer_norm_third_derivative_gradgradcheck():
    """Any order: the gradient of sum(v * layer_norm(x)**2), itself differentiated twice."""
    x = nx.tensor(_spread((2, 3)), requires_grad=True)
    v = nx.tensor(np.random.default_rng(6).standard_normal((2, 3)))

    def gradient(x):
        return nx.autograd.grad((nx.layer_norm(x, (3,)) ** 2 * v).sum(), x,
                                create_graph=True)[0]

    assert nx.gradgradcheck(gradient, (x,))


def test_outputs_are_normalised_and_keep_dtype():
    x = nx.tensor(_spread((4, 6, 5), 7, np.float32))
    for out, axes in ((nx.layer_norm(x, (6, 5)), (1, 2)),
                      (nx.group_norm(x, 3).reshape(4, 3, 10), (2,)),
                      (nx.instance_norm(x), (2,))):
        assert out.dtype == nx.float32
        np.testing.assert_allclose(out.numpy().mean(axis=axes), 0, atol=1e-5)
        np.testing.assert_allclose(out.numpy().var(axis=axes), 1, atol=1e-3)


def _raises(exc, parts, fn, *args, **kwargs):
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    for part in parts:
        assert part in str(info.value), (part, str(info.value))


def test_errors_name_the_op_and_shapes():
    x = nx.zeros(2, 4, 3)
    _raises(ValueError, ["layer_norm", "[4]", "(2, 4, 3)"], nx.layer_norm, x, (4,))
    _raises(ValueError, ["layer_norm", "weight", "(3,)", "(2,)"], nx.layer_norm, x, 3,
            nx.ones(2))
    _raises(TypeError, ["layer_norm", "float64", "float32"], nx.layer_norm, x, 3,
            nx.ones(3, dtype=nx.float64))
    _raises(TypeError, ["layer_norm", "int64"], nx.layer_norm, nx.tensor([[1, 2]]), 2)
    _raises(ValueError, ["group_norm", "num_groups=3", "(2, 4, 3)"], nx.group_norm, x, 3)
    _raises(ValueError, ["group_norm", "bias", "(4,)"], nx.group_norm, x, 2, None, nx.ones(3))
    _raises(ValueError, ["instance_norm", "more than 1 spatial element", "(2, 4, 1)"],
            nx.instance_norm, nx.zeros(2, 4, 1))
    _raises(ValueError, ["instance_norm", "running_mean", "use_input_stats=False"],
            nx.instance_norm, x, use_input_stats=False)
    _raises(ValueError, ["instance_norm", "running_var", "(4,)", "(3,)"], nx.instance_norm, x,
            nx.zeros(4), nx.ones(3))
