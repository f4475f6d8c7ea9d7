"""The dtype policy: float32 by default, float64 kept end to end, numbers never promote a
tensor, tensor-with-tensor promotion as in PyTorch."""
import operator

import numpy as np
import pytest

import neurenix as nx
from neurenix.core import dtypes

EVERY_OP = [  # one call per differentiable op family, on a (2, 3) input
    lambda x: x + x, lambda x: x - 1, lambda x: x * x, lambda x: x / 2, lambda x: x ** 2,
    lambda x: 2 ** x, lambda x: -x, lambda x: nx.maximum(x, x * 0.5), lambda x: nx.minimum(x, 0.1),
    lambda x: nx.where(x > 0, x, 0.0), lambda x: x.exp(), lambda x: x.abs().log(),
    lambda x: x.abs().sqrt(), lambda x: x.clamp(-0.5, 0.5), lambda x: x.relu(),
    lambda x: nx.leaky_relu(x), lambda x: x.sigmoid(), lambda x: x.tanh(), lambda x: nx.gelu(x),
    lambda x: x.softmax(-1), lambda x: x.log_softmax(0), lambda x: x.sum(0), lambda x: x.mean(),
    lambda x: x.var(1), lambda x: x.std(), lambda x: x.max(), lambda x: x.max(1).values,
    lambda x: x.amin(0), lambda x: x.logsumexp(1), lambda x: x.reshape(3, 2),
    lambda x: x.flatten(), lambda x: x.transpose(0, 1), lambda x: x.permute(1, 0),
    lambda x: x.unsqueeze(0).squeeze(0), lambda x: x.expand(4, 2, 3), lambda x: x[0, 1:],
    lambda x: x[[1, 1]], lambda x: nx.cat([x, x]), lambda x: nx.stack([x, x], 1),
    lambda x: x.split(1)[1], lambda x: x.chunk(3, 1)[0], lambda x: x @ x.T, lambda x: x.clone(),
    lambda x: nx.nn.functional.binary_cross_entropy_with_logits(x, x.detach()),
    lambda x: nx.nn.functional.binary_cross_entropy(x.sigmoid(), x.detach()),
    lambda x: nx.nn.functional.mse_loss(x, x.detach() * 0),
    lambda x: nx.nn.functional.cross_entropy(x, nx.tensor([0, 2])),
    lambda x: nx.nn.functional.linear(x, x),
    lambda x: nx.conv2d(x.reshape(1, 1, 2, 3), x.reshape(1, 1, 2, 3), padding=1),
    lambda x: nx.max_pool2d(x[None], 2, 1), lambda x: nx.avg_pool2d(x[None], 2, 1, 1),
    lambda x: nx.interpolate(x[None, None], scale_factor=1.5, mode="bicubic"),
    lambda x: nx.nn.functional.batch_norm(x, None, None, training=True),
    lambda x: x.sin(), lambda x: x.cos(), lambda x: x.tan(), lambda x: x.asin(),
    lambda x: x.acos(), lambda x: x.atan(), lambda x: nx.atan2(x, x.T.T * 2), lambda x: x.sinh(),
    lambda x: x.cosh(), lambda x: x.expm1(), lambda x: x.log1p(), lambda x: x.log2(),
    lambda x: x.log10(), lambda x: x.erf(), lambda x: x.reciprocal(), lambda x: x.rsqrt(),
    lambda x: x.square(), lambda x: x.sign(), lambda x: x.floor(), lambda x: x.ceil(),
    lambda x: x.round(decimals=1), lambda x: x.trunc(), lambda x: x.div(0.3, rounding_mode="floor"),
    lambda x: x.lerp(x * 2, 0.25), lambda x: nx.lerp(x, x * 2, x), lambda x: x.tril(),
    lambda x: x.triu(1), lambda x: nx.add(x, x, alpha=2.5), lambda x: x.sub(1, alpha=0.5),
    lambda x: nx.meshgrid(x[0], x[1])[0], lambda x: x.to("cpu", copy=True),
]


# float16 as well: SciPy's expit and ndtr have no float16 loop and once returned float64.
@pytest.mark.parametrize("dtype", [nx.float16, nx.float32, nx.float64])
@pytest.mark.parametrize("fn", EVERY_OP)
def test_every_op_keeps_the_input_dtype_forward_and_backward(fn, dtype):
    x = nx.tensor(np.random.default_rng(0).uniform(0.1, 1, (2, 3)), dtype=dtype,
                  requires_grad=True)
    out = fn(x)
    assert out.dtype == dtype
    out.sum().backward()
    assert x.grad.dtype == dtype


SCALARS = [  # float32 tensor with a number: stays float32
    lambda x: x * 2, lambda x: x * 2.5, lambda x: x * np.float64(2), lambda x: np.float64(2) * x,
    lambda x: x + 0.5, lambda x: 0.5 - x, lambda x: x / np.float64(3), lambda x: x ** 2.0,
    lambda x: np.float64(2) ** x, lambda x: x * np.int64(3), lambda x: x + np.array(1.0),
    lambda x: nx.maximum(x, np.float64(0)), lambda x: nx.where(x > 0, x, np.float64(0)),
    lambda x: x * True,
]


@pytest.mark.parametrize("fn", SCALARS)
def test_numbers_take_the_tensor_dtype(fn):
    x = nx.ones(3, requires_grad=True)
    out = fn(x)
    assert out.dtype == nx.float32
    out.sum().backward()
    assert x.grad.dtype == nx.float32


def test_python_floats_make_float32_tensors():
    assert nx.tensor(1.5).dtype == nx.float32 and nx.tensor([[1.0]]).dtype == nx.float32
    assert nx.zeros(2).dtype == nx.float32 and nx.randn(2).dtype == nx.float32


def test_float32_plus_float64_gives_float64_with_gradients_in_each_dtype():
    a = nx.ones(2, 3, requires_grad=True)
    b = nx.ones(3, dtype=nx.float64, requires_grad=True)
    out = a + b
    assert out.dtype == nx.float64
    (out * 2).sum().backward()
    assert a.grad.dtype == nx.float32 and a.grad.tolist() == [[2.0] * 3] * 2
    assert b.grad.dtype == nx.float64 and b.grad.tolist() == [4.0] * 3


PROMOTIONS = [  # two tensor dtypes and their result, as torch.promote_types
    ("float32", "float64"), ("int64", "float32"), ("int32", "float64"), ("int32", "int64"),
    ("bool", "int64"), ("bool", "float32"), ("float16", "float32"), ("int64", "int64"),
]


@pytest.mark.parametrize("a, b", PROMOTIONS)
def test_tensor_promotion_matches_torch(a, b):
    torch = pytest.importorskip("torch")
    ours = (nx.zeros(2, dtype=np.dtype(a)) + nx.zeros(2, dtype=np.dtype(b))).dtype
    theirs = torch.promote_types(getattr(torch, a), getattr(torch, b))
    assert str(theirs) == f"torch.{ours}"


ZERO_D = [  # (dtype, shape) of two tensors: a 0-d tensor acts as a scalar, as in PyTorch
    (("float32", (2,)), ("float64", ())), (("float64", ()), ("float32", (2,))),
    (("int32", (2,)), ("float64", ())), (("bool", (2,)), ("int64", ())),
    (("int32", (2,)), ("int64", ())), (("float32", ()), ("float64", ())),
    (("float32", (0,)), ("float64", ())), (("float16", (2,)), ("float64", ())),
]


@pytest.mark.parametrize("a, b", ZERO_D)
@pytest.mark.parametrize("op", ["add", "mul", "maximum", "where", "lt"])
def test_zero_d_tensor_promotion_matches_torch(a, b, op):
    # float32 activations times a 0-d float64 tensor stay float32: no silent promotion.
    torch = pytest.importorskip("torch")

    def run(lib):
        dtype = np.dtype if lib is nx else lambda name: getattr(torch, name)
        x = lib.zeros(a[1], dtype=dtype(a[0]))
        y = lib.zeros(b[1], dtype=dtype(b[0]))
        if op == "where":
            return lib.where(lib.zeros(a[1]) > 0, x, y).dtype
        return (getattr(operator, op, None) or getattr(lib, op))(x, y).dtype

    ours, theirs = run(nx), run(torch)
    assert str(theirs) == f"torch.{ours}"


INTEGER = [  # integer tensors with numbers, as PyTorch: name, fn, result dtype
    ("int * 2.5", lambda i: i * 2.5, nx.float32), ("int * 2", lambda i: i * 2, nx.int64),
    ("int / 2", lambda i: i / 2, nx.float32), ("int / int", lambda i: i / i, nx.float32),
    ("int + int32", lambda i: i + i.int(), nx.int64), ("int ** 2", lambda i: i ** 2, nx.int64),
    ("int sum", lambda i: i.sum(), nx.int64), ("int + np.float64", lambda i: i + np.float64(1),
                                                nx.float32),
    ("int > 1.5", lambda i: i > 1.5, nx.bool_), ("bool + 1", lambda i: (i > 1) + 1, nx.int64),
]


@pytest.mark.parametrize("name, fn, dtype", INTEGER)
def test_integer_tensor_arithmetic(name, fn, dtype):
    assert fn(nx.tensor([1, 2, 3])).dtype == dtype


@pytest.mark.parametrize("name, fn, dtype", INTEGER)
def test_integer_tensor_arithmetic_matches_torch(name, fn, dtype):
    torch = pytest.importorskip("torch")
    assert str(fn(torch.tensor([1, 2, 3])).dtype) == f"torch.{dtype}"


def test_set_default_dtype():
    try:
        nx.set_default_dtype(nx.float64)
        assert nx.tensor([1.0]).dtype == nx.float64 and nx.zeros(1).dtype == nx.float64
        assert nx.get_default_dtype() == nx.float64
    finally:
        nx.set_default_dtype(nx.float32)
    assert nx.tensor([1.0]).dtype == nx.float32
    with pytest.raises(TypeError, match="set_default_dtype: only floating dtypes.*int64"):
        nx.set_default_dtype(nx.int64)


@pytest.mark.parametrize("spelling, dtype", [(nx.float64, np.float64), (np.float32, np.float32),
                                             ("float64", np.float64), (float, np.float32),
                                             (int, np.int64), (bool, np.bool_)])
def test_dtype_spellings(spelling, dtype):
    assert dtypes.as_dtype(spelling) == np.dtype(dtype)


def test_bad_dtype_names_it():
    with pytest.raises(TypeError, match="dtype: 'fancy' is not a dtype"):
        nx.zeros(2, dtype="fancy")


@pytest.mark.parametrize("name, dtype", [("float", np.float32), ("double", np.float64),
                                         ("half", np.float16), ("long", np.int64),
                                         ("int", np.int32), ("bool", np.bool_)])
def test_pytorch_dtype_aliases(name, dtype):
    assert getattr(nx, name) == np.dtype(dtype)
    assert nx.ones(2).to(getattr(nx, name)).dtype == np.dtype(dtype)
    torch = pytest.importorskip("torch")
    assert str(getattr(torch, name)) == f"torch.{getattr(nx, name)}"


def test_the_aliases_leave_the_builtins_alone():
    # nx.float / nx.int / nx.bool are module attributes; the builtins keep working everywhere,
    # and as dtypes they still mean the default float, int64 and bool
    assert float("1.5") == 1.5 and int("3") == 3 and bool(0) is False
    assert dtypes.as_dtype(float) == nx.float32 and dtypes.as_dtype(int) == nx.int64
    assert nx.tensor([1.0], dtype=nx.float).dtype == nx.float32
    assert nx.tensor([1.0], dtype=nx.int).dtype == nx.int32
