"""butterfly.stabilizers against Butterfly's own training: a tiny BC run through the CLI keeps the raw iterate
and every stabilizer at every step; the raw iterates fed through Python give the same averages, bit for bit,
and so do post-hoc EMAs against `butterfly stabilize`."""

import numpy as np
import pytest

import butterfly
from butterfly.stabilizers import EMA, Stabilizers

from conftest import SPECS, STEPS, read_safetensors

def test_same_averages_as_training_bit_for_bit(tiny_run):
    kept = {s: read_safetensors(tiny_run / "checkpoints" / f"params_{s:08}.safetensors") for s in range(1, STEPS + 1)}
    stab = Stabilizers([kept[1]["raw"] * 0], SPECS, threads=2)
    for t in range(1, STEPS + 1):
        stab.update([kept[t]["raw"]])
        stab.snapshot()
        for name in stab.names:
            assert np.array_equal(stab.flat(name), kept[t][name]), f"{name} at step {t}"
        for sigma in (0.08, 0.2):
            name = f"posthoc_s{sigma}"
            assert np.array_equal(stab.reconstruct(sigma, flat=True), kept[t][name]), f"{name} at step {t}"


def test_state_dict_resumes_exactly():
    rng = np.random.default_rng(0)
    thetas = [[rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(5).astype(np.float32)]
              for _ in range(20)]
    whole = Stabilizers(thetas[0], SPECS)
    first = Stabilizers(thetas[0], SPECS)
    for k, theta in enumerate(thetas):
        whole.update(theta)
        whole.snapshot()
        if k < 9:
            first.update(theta)
            first.snapshot()
    resumed = Stabilizers(thetas[0], SPECS)
    resumed.load_state_dict(first.state_dict())
    for theta in thetas[9:]:
        resumed.update(theta)
        resumed.snapshot()
    for name in whole.names:
        for a, b in zip(whole.params(name), resumed.params(name)):
            assert a.shape == b.shape and np.array_equal(a, b), name
    assert np.array_equal(whole.reconstruct(0.1, flat=True), resumed.reconstruct(0.1, flat=True))


def test_duck_typed_tensors_and_errors():
    class Tensor:  # what the wrapper asks of a torch tensor
        def __init__(self, a):
            self.a = a

        def detach(self):
            return self

        def cpu(self):
            return self

        def numpy(self):
            return self.a

    class Module:
        def __init__(self, arrays):
            self.arrays = arrays

        def parameters(self):
            return [Tensor(a) for a in self.arrays]

    arrays = [np.ones((2, 2), np.float32), np.zeros(3, np.float32)]
    stab = Stabilizers(Module(arrays), [EMA(gamma=0.5)])
    stab.update(Module([a + 2 for a in arrays]))
    assert np.array_equal(stab.params(stab.names[0])[0], np.full((2, 2), 2.0, np.float32))
    with pytest.raises(butterfly.ButterflyError, match="gamma must be in"):
        Stabilizers(arrays, [EMA(gamma=1.5)])
    with pytest.raises(butterfly.ButterflyError, match="expected 7"):
        stab.update([np.zeros(2, np.float32)])
