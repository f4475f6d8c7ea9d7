"""One random generator drives all of neurenix: initialisation, dropout, shuffling, rand/randn.
``manual_seed`` resets it, so a seeded program is reproducible."""
import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Seed neurenix's generator (as torch.manual_seed); returns it."""
    global _generator
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator() -> np.random.Generator:
    """The generator every random op draws from unless it is given one."""
    return _generator


def get_rng_state() -> dict:
    """A snapshot of the generator's state (for replaying dropout during checkpointing)."""
    return _generator.bit_generator.state


def set_rng_state(state: dict) -> None:
    """Restore a state taken by ``get_rng_state``."""
    _generator.bit_generator.state = state
