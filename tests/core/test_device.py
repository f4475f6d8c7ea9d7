"""Devices: neurenix runs on the CPU; nx.device, Tensor.device, .cpu(), .to(), device= on the
factories, and a clear refusal of any other device."""
import numpy as np
import pytest

import neurenix as nx


def test_the_cpu_device_as_torch():
    torch = pytest.importorskip("torch")
    for args in [("cpu",), ("cpu:0",), ("cpu", 0), (nx.device("cpu"),)]:
        ours = nx.device(*args)
        theirs = torch.device(*[str(a) if isinstance(a, nx.device) else a for a in args])
        assert (ours.type, ours.index) == (theirs.type, theirs.index)
        assert (repr(ours), str(ours)) == (repr(theirs), str(theirs))
    assert nx.device("cpu") == nx.device("cpu") and nx.device("cpu") != nx.device("cpu:0")
    assert nx.device("cpu") != "cpu"  # as torch.device: never equal to a string
    assert {nx.device("cpu"): 1}[nx.device("cpu")] == 1


@pytest.mark.parametrize("spec", ["cuda", "cuda:0", "mps", "gpu"])
def test_other_devices_are_refused_naming_them(spec):
    with pytest.raises(RuntimeError, match=f"device: neurenix runs on the CPU only; got device "
                                           f"'{spec}'"):
        nx.device(spec)
    with pytest.raises(RuntimeError, match="device: neurenix runs on the CPU only; got device "
                                           "'cuda:1'"):
        nx.device("cuda", 1)


def test_a_malformed_cpu_device_is_refused():
    with pytest.raises(RuntimeError, match="device: invalid device string 'cpu:x'"):
        nx.device("cpu:x")
    with pytest.raises(RuntimeError, match="device: the index must be a non-negative int"):
        nx.device("cpu", -1)


def test_tensor_device_cpu_and_cuda():
    x = nx.ones(2, requires_grad=True)
    assert x.device == nx.device("cpu") and str(x.device) == "cpu"
    assert x.cpu() is x and (x * 2).device == nx.device("cpu")
    with pytest.raises(RuntimeError, match=r"cuda: neurenix runs on the CPU only; the tensor "
                                           r"of shape \(2,\)"):
        x.cuda()


TO = [  # name, fn(lib, x) for both libraries
    ("to dtype", lambda lib, x: x.to(lib.float64)),
    ("to device", lambda lib, x: x.to("cpu")),
    ("to device dtype", lambda lib, x: x.to("cpu", lib.float64)),
    ("to device object", lambda lib, x: x.to(lib.device("cpu"), dtype=lib.float16)),
    ("to keywords", lambda lib, x: x.to(device="cpu", dtype=lib.float64)),
    ("to other", lambda lib, x: x.to(lib.ones(1, dtype=lib.float64))),
    ("to int", lambda lib, x: x.to(lib.int64)),
    ("to non_blocking", lambda lib, x: x.to("cpu", non_blocking=True)),
    ("to copy", lambda lib, x: x.to(lib.float32, copy=True)),
]


@pytest.mark.parametrize("name, fn", TO)
def test_to_matches_torch(name, fn):
    torch = pytest.importorskip("torch")
    x = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    ours, theirs = fn(nx, nx.tensor(x, requires_grad=True)), fn(torch, torch.tensor(
        x, requires_grad=True))
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    assert ours.requires_grad == theirs.requires_grad and ours.device == nx.device("cpu")
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())


def test_to_returns_itself_unless_asked_to_copy_and_stays_differentiable():
    x = nx.ones(2, requires_grad=True)
    assert x.to("cpu") is x and x.to(nx.float32) is x and x.to(x) is x
    y = x.to("cpu", copy=True)
    assert y is not x and y.grad_fn is not None
    (x.to(nx.float64) * 3).sum().backward()
    assert x.grad.dtype == nx.float32 and x.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("spec", ["cuda", 0, "mps:0"])  # an int is a CUDA ordinal in PyTorch
def test_to_refuses_other_devices_naming_them(spec):
    with pytest.raises(RuntimeError, match=f"to: neurenix runs on the CPU only; got device "
                                           f"{spec!r}"):
        nx.ones(2).to(spec)
    with pytest.raises(RuntimeError, match="to: neurenix runs on the CPU only"):
        nx.ones(2).to(device=spec, dtype=nx.float64)


def test_to_takes_at_most_two_positional_arguments():
    with pytest.raises(TypeError, match="to: expected at most 2 positional arguments"):
        nx.ones(2).to("cpu", nx.float32, nx.float64)


FACTORIES = [  # name, fn(device) making a tensor on ``device``
    ("tensor", lambda d: nx.tensor([1.0], device=d)),
    ("as_tensor", lambda d: nx.as_tensor([1.0], device=d)),
    ("zeros", lambda d: nx.zeros(2, device=d)),
    ("ones", lambda d: nx.ones(2, device=d)),
    ("full", lambda d: nx.full((2,), 3.0, device=d)),
    ("empty", lambda d: nx.empty(2, device=d)),
    ("eye", lambda d: nx.eye(2, device=d)),
    ("zeros_like", lambda d: nx.zeros_like(nx.ones(2), device=d)),
    ("ones_like", lambda d: nx.ones_like(nx.ones(2), device=d)),
    ("full_like", lambda d: nx.full_like(nx.ones(2), 3.0, device=d)),
    ("empty_like", lambda d: nx.empty_like(nx.ones(2), device=d)),
    ("rand", lambda d: nx.rand(2, device=d)),
    ("randn", lambda d: nx.randn(2, device=d)),
    ("rand_like", lambda d: nx.rand_like(nx.ones(2), device=d)),
    ("randn_like", lambda d: nx.randn_like(nx.ones(2), device=d)),
    ("randint", lambda d: nx.randint(0, 5, (2,), device=d)),
    ("randperm", lambda d: nx.randperm(3, device=d)),
    ("arange", lambda d: nx.arange(3, device=d)),
    ("linspace", lambda d: nx.linspace(0, 1, 3, device=d)),
    ("new_zeros", lambda d: nx.ones(1).new_zeros(2, device=d)),
    ("new_ones", lambda d: nx.ones(1).new_ones(2, device=d)),
    ("new_full", lambda d: nx.ones(1).new_full((2,), 3.0, device=d)),
    ("new_empty", lambda d: nx.ones(1).new_empty(2, device=d)),
    ("new_tensor", lambda d: nx.ones(1).new_tensor([1.0], device=d)),
]


@pytest.mark.parametrize("name, fn", FACTORIES)
def test_factories_accept_the_cpu_and_refuse_other_devices(name, fn):
    for cpu in ("cpu", "cpu:0", nx.device("cpu"), None):
        assert fn(cpu).device == nx.device("cpu")
    op = name.replace("new_tensor", "tensor").replace("new_", "")
    with pytest.raises(RuntimeError, match=f"{op}: neurenix runs on the CPU only; got device "
                                           "'cuda:0'"):
        fn("cuda:0")
