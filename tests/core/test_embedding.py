"""one_hot and embedding: PyTorch comparisons (embedding's gradients and second derivatives with
padding_idx and scale_grad_by_freq, max_norm's in-place renormalisation), gradient checks to
second order, the scatter and gather that are each other's backward, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.core.ops.embedding import EmbeddingGrad, EmbeddingOp
from neurenix.testing import assert_matches, tensors

F = nx.nn.functional


@pytest.mark.parametrize("values, num_classes", [([0, 2, 1], -1), ([[1, 0], [3, 3]], 5),
                                                 (2, 4), ([], 3), ([[]], 2)])
def test_one_hot_matches_torch(values, num_classes):
    torch = pytest.importorskip("torch")
    index = np.array(values, dtype=np.int64)
    assert_matches(torch, lambda lib, i: lib.nn.functional.one_hot(i, num_classes), index)
    out = F.one_hot(nx.tensor(index), num_classes)
    assert out.dtype == nx.int64 and not out.requires_grad


EMBEDDING = [  # index shape, keyword arguments
    ((4, 5), {}),
    ((3,), dict(padding_idx=2)),
    ((2, 3, 4), dict(padding_idx=-1)),
    ((), {}),  # a single index: one row
    ((0, 3), {}),  # no indices
    ((4, 5), dict(scale_grad_by_freq=True)),
    ((4, 5), dict(scale_grad_by_freq=True, padding_idx=0)),
]


@pytest.mark.parametrize("int_dtype", [np.int64, np.int32])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, kwargs", EMBEDDING)
def test_embedding_matches_torch(shape, kwargs, dtype, int_dtype):
    """Rows, the weight's gradient (none for the padding row, scaled by 1/count with
    scale_grad_by_freq) and its second derivative through a square (PyTorch's double backward
    leaves out the frequency scale, so the Hessian carries it once)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((6, 3)).astype(dtype)
    index = rng.integers(0, 6, shape).astype(int_dtype)
    # (PyTorch's double backward fails on no indices: first derivatives only then)
    assert_matches(torch, lambda lib, w, i: lib.nn.functional.embedding(i, w, **kwargs) ** 2,
                   weight, index, second_order=dtype == np.float64 and index.size > 0)


def test_embedding_of_a_non_contiguous_table_matches_torch():
    torch = pytest.importorskip("torch")
    weight = np.random.default_rng(1).standard_normal((3, 7)).T  # (7, 3), strided
    index = np.array([[0, 6, 6], [2, 0, 5]])
    assert_matches(torch, lambda lib, w, i: lib.nn.functional.embedding(i, w, padding_idx=6)
                   .tanh(), weight, index, second_order=True)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_max_norm_renormalises_used_rows_in_place_like_torch(norm_type):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    table = rng.standard_normal((6, 4)) * 2
    index = np.array([[0, 2, 2], [5, 0, 1]])
    ours, theirs = nx.tensor(table.copy(), requires_grad=True), torch.tensor(table.copy(),
                                                                             requires_grad=True)
    out = F.embedding(nx.tensor(index), ours, max_norm=1.5, norm_type=norm_type)
    ref = torch.nn.functional.embedding(torch.tensor(index), theirs, max_norm=1.5,
                                        norm_type=norm_type)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-9)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-9)
    np.testing.assert_array_equal(ours.numpy()[[3, 4]], table[[3, 4]])  # unused rows stay
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


@st.composite
def _embedding_problem(draw):
    """(weight, index, padding): a table, indices into it, and whether its last row pads."""
    rows = draw(st.integers(1, 5))
    index = nx.tensor(np.array(draw(st.lists(st.integers(0, rows - 1), min_size=1,
                                             max_size=6)), np.int64))
    weight = draw(tensors((rows, draw(st.integers(1, 3))), requires_grad=True))
    return weight, index, draw(st.booleans())


@given(problem=_embedding_problem())
def test_embedding_gradcheck(problem):
    """The padding row's zero gradient is not the derivative of the forward: that row is a
    constant here, and the check covers the other rows."""
    weight, index, padding = problem
    if not padding:
        assert nx.gradcheck(lambda w: F.embedding(index, w), (weight,))
        return
    pad = nx.tensor(np.full((1, weight.shape[1]), 0.5))
    assert nx.gradcheck(lambda w: F.embedding(index, nx.cat([w[:-1], pad]), padding_idx=-1),
                        (weight,))


@settings(max_examples=10)
@given(problem=_embedding_problem())
def test_embedding_gradgradcheck(problem):
    weight, index, padding = problem
    padding_idx = -1 if padding else None
    assert nx.gradgradcheck(lambda w: F.embedding(index, w, padding_idx=padding_idx) ** 2,
                            (weight,))


def test_embedding_backward_is_a_scatter_whose_backward_gathers():
    rng = np.random.default_rng(3)
    w = nx.tensor(rng.standard_normal((5, 2)), requires_grad=True)
    index = nx.tensor(np.array([[1, 3, 1], [0, 1, 4]]))
    out = F.embedding(index, w, padding_idx=4)
    g = nx.tensor(rng.standard_normal(out.shape), requires_grad=True)
    (grad_w,) = nx.autograd.grad(out, w, g, create_graph=True)
    assert type(grad_w.grad_fn) is EmbeddingGrad
    expected = np.zeros((5, 2))
    np.add.at(expected, index.numpy().reshape(-1), g.numpy().reshape(-1, 2))
    expected[4] = 0  # the padding row gets no gradient
    np.testing.assert_allclose(grad_w.numpy(), expected)
    y = rng.standard_normal((5, 2))
    (back,) = nx.autograd.grad(grad_w, g, nx.tensor(y))
    assert type(back) is nx.Tensor
    held = y.copy()
    held[4] = 0
    np.testing.assert_allclose(back.numpy(), held[index.numpy()])
    assert type(F.embedding(index, w).grad_fn) is EmbeddingOp


def _raises(exc, parts, fn, *args, **kwargs):
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    for part in parts:
        assert part in str(info.value), (part, str(info.value))


def test_errors_name_the_op_and_shapes():
    w = nx.zeros(5, 3)
    _raises(TypeError, ["one_hot", "int64", "float32"], F.one_hot, nx.zeros(3))
    _raises(ValueError, ["one_hot", "non-negative", "-1"], F.one_hot, nx.tensor([0, -1]))
    _raises(ValueError, ["one_hot", "num_classes=3", "5"], F.one_hot, nx.tensor([0, 5]), 3)
    _raises(ValueError, ["one_hot", "empty", "num_classes"], F.one_hot,
            nx.zeros(0, dtype=nx.int64))
    _raises(TypeError, ["embedding", "int64 or int32", "float32"], F.embedding, nx.zeros(2), w)
    _raises(IndexError, ["embedding", "index 5", "(5, 3)"], F.embedding, nx.tensor([0, 5]), w)
    _raises(IndexError, ["embedding", "index -1"], F.embedding, nx.tensor([-1]), w)
    _raises(ValueError, ["embedding", "2-D", "(5,)"], F.embedding, nx.tensor([0]), nx.zeros(5))
    _raises(ValueError, ["embedding", "padding_idx 5", "(5, 3)"], F.embedding, nx.tensor([0]),
            w, padding_idx=5)
    _raises(ValueError, ["embedding", "sparse=True"], F.embedding, nx.tensor([0]), w,
            sparse=True)
