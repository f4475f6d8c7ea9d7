"""einsum: random equations (repeated letters, ellipses, broadcasting, implicit outputs) against
finite differences and PyTorch, to the second derivative; named cases; errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurenix as nx
from neurenix.testing import assert_matches, tensors

FLOATS = st.sampled_from([nx.float32, nx.float64])
LETTERS = "abBc"  # an uppercase letter too: an implicit output sorts A-Z before a-z


@st.composite
def equations(draw, max_operands=3):
    """(equation, operand shapes) that PyTorch accepts: letters repeated within an operand
    (diagonals), an ellipsis broadcasting over leading dims, letters of size 1 that broadcast,
    an implicit or an explicit output."""
    sizes = {c: draw(st.integers(0, 3)) if draw(st.integers(0, 5)) == 0 else
             draw(st.integers(1, 3)) for c in LETTERS}
    ellipsis = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    use_ellipsis = draw(st.booleans())
    terms, shapes = [], []
    for _ in range(draw(st.integers(1, max_operands))):
        letters = draw(st.lists(st.sampled_from(LETTERS), max_size=3))
        squeezed = {c for c in set(letters) if draw(st.integers(0, 4)) == 0}  # broadcast as 1
        shape = [1 if c in squeezed else sizes[c] for c in letters]
        term = "".join(letters)
        if use_ellipsis and draw(st.booleans()):
            e = ellipsis[draw(st.integers(0, len(ellipsis))):]  # fewer dims broadcast too
            e = [1 if draw(st.integers(0, 3)) == 0 else n for n in e]
            at = draw(st.integers(0, len(letters)))
            term = term[:at] + "..." + term[at:]
            shape = shape[:at] + e + shape[at:]
        terms.append(term)
        shapes.append(tuple(shape))
    equation = ",".join(terms)
    if draw(st.booleans()):  # explicit output: some of the letters, any order
        used = sorted(set("".join(terms).replace(".", "")))
        out = "".join(draw(st.permutations(used))[:draw(st.integers(0, len(used)))])
        if "..." in equation and draw(st.booleans()):
            at = draw(st.integers(0, len(out)))
            out = out[:at] + "..." + out[at:]
        equation += "->" + out
    return equation, shapes


@settings(max_examples=60)
@given(data=st.data())
def test_einsum_gradcheck_and_gradgradcheck(data):
    equation, shapes = data.draw(equations())
    xs = [data.draw(tensors(s, nx.float64, requires_grad=True)) for s in shapes]
    fn = lambda *a: nx.einsum(equation, *a)  # noqa: E731
    assert nx.gradcheck(fn, xs)
    assert nx.gradgradcheck(fn, xs)


@settings(max_examples=100)
@given(data=st.data())
def test_einsum_matches_torch(data):
    torch = pytest.importorskip("torch")
    equation, shapes = data.draw(equations())
    dtype = data.draw(FLOATS)
    xs = [data.draw(tensors(s, dtype)).numpy() for s in shapes]
    assert_matches(torch, lambda lib, *a: lib.einsum(equation, *a), *xs, second_order=True)


CASES = [  # name, fn(lib, *xs), operand shapes
    ("trace", lambda lib, x: lib.einsum("ii->", x), [(3, 3)]),
    ("trace, implicit", lambda lib, x: lib.einsum("ii", x), [(3, 3)]),
    ("diagonal", lambda lib, x: lib.einsum("ii->i", x), [(3, 3)]),
    ("diagonal of a batch, moved", lambda lib, x: lib.einsum("iij->ji", x), [(3, 3, 2)]),
    ("three-way diagonal", lambda lib, x: lib.einsum("iii->i", x), [(2, 2, 2)]),
    ("diagonal times a vector", lambda lib, x, v: lib.einsum("ii,i->i", x, v), [(3, 3), (3,)]),
    ("matrix product", lambda lib, x, y: lib.einsum("ij,jk->ik", x, y), [(2, 3), (3, 4)]),
    ("implicit transpose", lambda lib, x: lib.einsum("ba", x), [(2, 3)]),
    ("implicit order A-Z before a-z", lambda lib, x, y: lib.einsum("bA,Aa", x, y),
     [(2, 3), (3, 4)]),
    ("batch matrix product", lambda lib, x, y: lib.einsum("bij,bjk->bik", x, y),
     [(2, 2, 3), (2, 3, 4)]),
    ("attention scores", lambda lib, q, k: lib.einsum("bhqd,bhkd->bhqk", q, k),
     [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("bilinear", lambda lib, x, a, y: lib.einsum("bn,anm,bm->ba", x, a, y),
     [(2, 3), (4, 3, 2), (2, 2)]),
    ("outer product", lambda lib, x, y: lib.einsum("i,j->ij", x, y), [(3,), (4,)]),
    ("dot product", lambda lib, x, y: lib.einsum("i,i->", x, y), [(3,), (3,)]),
    ("sum of everything", lambda lib, x: lib.einsum("ijk->", x), [(2, 3, 4)]),
    ("summed letter of one operand", lambda lib, x, y: lib.einsum("ij,k->k", x, y),
     [(2, 3), (4,)]),
    ("ellipsis broadcast", lambda lib, x, y: lib.einsum("...ij,...jk", x, y),
     [(5, 2, 3), (1, 3, 4)]),
    ("ellipsis summed", lambda lib, x, y: lib.einsum("...ij,...jk->ik", x, y),
     [(5, 2, 3), (3, 4)]),
    ("ellipsis in the middle", lambda lib, x: lib.einsum("i...j->j...i", x), [(2, 3, 4, 5)]),
    ("letter broadcast from 1", lambda lib, x, y: lib.einsum("ij,j->i", x, y), [(2, 1), (3,)]),
    ("0-d operands", lambda lib, x, y: lib.einsum(",->", x, y), [(), ()]),
    ("empty contraction", lambda lib, x, y: lib.einsum("ij,jk->ik", x, y), [(2, 0), (0, 3)]),
    ("spaces", lambda lib, x, y: lib.einsum("i j , j k -> i k", x, y), [(2, 3), (3, 4)]),
    ("operands as a list", lambda lib, x, y: lib.einsum("ij,jk", [x, y]), [(2, 3), (3, 4)]),
    ("sublist form", lambda lib, x, y: lib.einsum(x, [0, 1], y, [1, 2], [0, 2]),
     [(2, 3), (3, 4)]),
    ("sublist form, implicit, ellipsis", lambda lib, x, y: lib.einsum(x, [..., 1], y, [1, 2]),
     [(5, 3), (3, 4)]),
    ("transposed input", lambda lib, x, y: lib.einsum("ij,jk->ki", x.mT, y), [(3, 2), (3, 4)]),
    ("large enough for a BLAS path", lambda lib, x, y: lib.einsum("bij,bjk->bik", x, y),
     [(4, 40, 30), (4, 30, 20)]),
]


@pytest.mark.parametrize("name, fn, shapes", CASES)
def test_einsum_case_matches_torch(name, fn, shapes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    assert_matches(torch, fn, *[rng.standard_normal(s) for s in shapes], second_order=True)


def test_einsum_promotes_and_keeps_integers():
    x, y = nx.ones(2, 3, dtype=nx.float32), nx.ones(3, dtype=nx.float64)
    assert nx.einsum("ij,j->i", x, y).dtype == nx.float64
    assert nx.einsum("ij->", nx.ones(2, 3, dtype=nx.int64)).tolist() == 6


def test_einsum_backward_is_einsum_to_the_third_derivative():
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(0).standard_normal((3, 3))

    def third(lib, x):  # trace(x^3) differentiated three times, each step a scalar of the last
        grad = nx.autograd.grad if lib is nx else torch.autograd.grad
        (g,) = grad(lib.einsum("ij,jk,ki->", x, x, x), [x], create_graph=True)
        (gg,) = grad((g * g).sum(), [x], create_graph=True)
        return grad((gg * gg).sum(), [x])[0]

    ours = third(nx, nx.tensor(a, requires_grad=True))
    theirs = third(torch, torch.tensor(a, requires_grad=True))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)
    x, y = nx.tensor(a, requires_grad=True), nx.tensor(a, requires_grad=True)
    (g,) = nx.autograd.grad(nx.einsum("ij,jk->ik", x, y).sum(), [x], create_graph=True)
    assert type(g.grad_fn).__name__ == "Einsum"  # einsum("jk,ik->ij", y, dL/dout)


EINSUM_ERRORS = [  # call, what the message must name
    (lambda: nx.einsum("ij,jk->ik", nx.ones(2, 3)), ["2 operands", "1 were given"]),
    (lambda: nx.einsum("i->i", nx.ones(2), nx.ones(3)), ["1 operands", "2 were given"]),
    (lambda: nx.einsum("ij->", nx.ones(2)), ["(2,)", "'ij'"]),
    (lambda: nx.einsum("i->", nx.ones(2, 3)), ["(2, 3)", "'i'"]),
    (lambda: nx.einsum("i,i->", nx.ones(2), nx.ones(3)), ["size 3", "(3,)", "size 2"]),
    (lambda: nx.einsum("ii->i", nx.ones(2, 3)), ["repeated", "(2, 3)"]),
    (lambda: nx.einsum("ii->i", nx.ones(1, 3)), ["repeated", "(1, 3)"]),
    (lambda: nx.einsum("ij->ii", nx.ones(2, 3)), ["output subscript i"]),
    (lambda: nx.einsum("ij->k", nx.ones(2, 3)), ["output subscript k"]),
    (lambda: nx.einsum("i1", nx.ones(2, 3)), ["'1'"]),
    (lambda: nx.einsum("ij->i->", nx.ones(2, 3)), ["'-'"]),
    (lambda: nx.einsum("..i->", nx.ones(3)), ["ellipsis"]),
    (lambda: nx.einsum("...i...->", nx.ones(3)), ["ellipsis"]),
    (lambda: nx.einsum("i->i,i", nx.ones(3)), ["more than one output"]),
    (lambda: nx.einsum(nx.ones(2), [0, 60]), ["[0, 60]"]),
]


@pytest.mark.parametrize("call, expected", EINSUM_ERRORS)
def test_einsum_error_names_equation_and_shapes(call, expected):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.startswith("einsum:"), message
    for text in expected:
        assert text in message, message


def test_einsum_refuses_non_tensor_operands():
    with pytest.raises(TypeError, match="einsum: operand 1 is a list"):
        nx.einsum("i,i", nx.ones(2), [1.0, 2.0])
