"""What the serialization tests share: files written by hand, forged neurenix files (a correct
digest around any manifest, as an attacker would write them), and comparisons."""
import json
import re
from pathlib import Path

import numpy as np
import pytest

import neurenix as nx
from neurenix import nn
from neurenix.serialization import files, layout


def randomize(module) -> None:
    """Give every floating parameter and buffer distinct random values (so a round trip that
    mixed two tensors up, or re-initialised one, is caught) and count some batches."""
    rng = np.random.default_rng(0)
    for tensor in list(module.parameters()) + list(module.buffers()):
        if tensor.dtype.kind == "f":
            tensor.data[...] = rng.uniform(0.5, 1.5, tensor.shape)
        else:
            tensor.data[...] = rng.integers(1, 100, tensor.shape)


def assert_same_module(original, loaded) -> None:
    assert type(loaded) is type(original)
    assert repr(loaded) == repr(original)
    mine, theirs = original.state_dict(), loaded.state_dict()
    assert list(theirs) == list(mine)
    for key in mine:
        assert theirs[key].dtype == mine[key].dtype, key
        np.testing.assert_array_equal(theirs[key].data, mine[key].data, err_msg=key)
    assert ([(n, m.training) for n, m in loaded.named_modules()]
            == [(n, m.training) for n, m in original.named_modules()])
    for p in loaded.parameters():
        assert isinstance(p, nn.Parameter)


def assert_same_outputs(model, reference, torch, input_shape: tuple) -> None:
    """The neurenix ``model`` and the PyTorch ``reference``, in eval mode, agree on a random
    input (float32 tolerance)."""
    model.eval()
    reference.eval()
    x = np.random.default_rng(0).standard_normal(input_shape).astype(np.float32)
    with torch.no_grad():
        expected = reference(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(model(nx.Tensor(x)).data, expected, rtol=1e-5, atol=1e-6)


def raw_file(path, header, data: bytes = b"", pad: bool = True) -> Path:
    """Write a safetensors-layout file by hand: ``header`` (a dict, or raw bytes) and ``data``."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    Path(path).write_bytes(len(text).to_bytes(8, "little") + text + data)
    return Path(path)


def forge(path, manifest, arrays: dict = None) -> Path:
    """A neurenix file holding any ``manifest`` (a dict, or JSON text) and ``arrays`` with a
    correct digest, as an attacker can write one: only their content decides whether it
    loads."""
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    with open(path, "wb") as f:
        layout.write(f, *files._sealed(text, arrays or {}))
    return Path(path)


def module_manifest(description, training=None, frozen=None, tied=None) -> dict:
    return {"format": "neurenix", "version": files.FORMAT_VERSION, "kind": "module",
            "module": description, "training": training or {"": True},
            "frozen": [] if frozen is None else frozen, "tied": [] if tied is None else tied}


def object_manifest(value, tied=None) -> dict:
    return {"format": "neurenix", "version": files.FORMAT_VERSION, "kind": "object",
            "object": value, "tied": [] if tied is None else tied}


def described(cls="neurenix.nn.linear:Linear", args=(2, 3), kwargs=None) -> dict:
    """A module description as the manifest writes it."""
    return {"class": cls, "args": list(args), "kwargs": kwargs or {}}


def load_error(path, *fragments) -> str:
    """The message of the SerializationError loading ``path`` raises; it names the file and
    matches every regular expression in ``fragments``."""
    with pytest.raises(nx.SerializationError) as info:
        nx.load(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert re.search(fragment, message, re.DOTALL), (fragment, message)
    return message
