"""Butterfly's stabilizers over numpy arrays or a torch module's parameters, computed by the Rust code the
training loop runs (crates/train/src/stabilizer.rs, through butterfly._native): EMA, BEMA, the tail average and
EDM2's power-function EMAs, whose snapshots reconstruct the EMA of any other width after training
(crates/train/src/posthoc.rs, what ``butterfly stabilize`` does with a run's kept snapshots).

Parameters are flattened, in order, into one float32 vector, as Butterfly's networks hold theirs.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

import numpy as np

from butterfly import _native


def _spec(kind: str, **fields: Any) -> dict:
    """A ``[[stabilizers]]`` table (what a run's config takes); unset fields take the config's defaults."""
    return {"kind": kind, **{k: v for k, v in fields.items() if v is not None}}


def EMA(*, alpha=None, gamma=None, gamma_min=None, burn_in=0, every=1, count_from=None, name=None) -> dict:
    """γ_t = max(s^-alpha, gamma_min), or a constant ``gamma``, after ``burn_in`` updates (paper Eq. 4.1)."""
    return _spec("ema", alpha=alpha, gamma=gamma, gamma_min=gamma_min, burn_in=burn_in, every=every,
                 count_from=count_from, name=name)


def BEMA(*, burn_in=0, ema_power=None, bias_power=None, lag=None, multiplier=None, every=1, gamma_min=None,
         name=None) -> dict:
    """BEMA (Block & Zhang): the EMA plus a decaying share of the drift since the burn-in."""
    return _spec("bema", burn_in=burn_in, ema_power=ema_power, bias_power=bias_power, lag=lag,
                 multiplier=multiplier, every=every, gamma_min=gamma_min, name=name)


def PowerEMA(*, sigma_rel, every=1, name=None) -> dict:
    """EDM2's power-function EMA of relative width ``sigma_rel``; with ``every=1`` its snapshots serve
    :meth:`Stabilizers.reconstruct`."""
    return _spec("power", sigma_rel=sigma_rel, every=every, name=name)


def Tail(*, burn_in=0, every=1, name=None) -> dict:
    """The uniform average of every iterate after ``burn_in``."""
    return _spec("tail", burn_in=burn_in, every=every, name=name)


def _tensors(params) -> list:
    """A torch module's parameters, a sequence of arrays or tensors, or one array."""
    if hasattr(params, "parameters"):
        return list(params.parameters())
    if isinstance(params, np.ndarray):
        return [params]
    return list(params)


def _numpy(tensor) -> np.ndarray:
    # Duck-typed torch tensors: no torch import needed.
    if hasattr(tensor, "detach"):
        tensor = tensor.detach().cpu().numpy()
    return np.asarray(tensor)


class Stabilizers:
    """Several stabilizers of one set of parameters, updated together in one pass (``update_all``)."""

    def __init__(self, params, specs: Iterable[dict], threads: int = 1):
        arrays = [_numpy(t) for t in _tensors(params)]
        self._shapes = [a.shape for a in arrays]
        self._specs = [dict(s) for s in specs]
        self._native = _native.Stabilizers([json.dumps(s) for s in self._specs], self._flat(arrays), threads)
        self.names: list[str] = self._native.names()
        self.step = 0
        # Power EMAs tracked at every step: (name, exponent p) — the ones a reconstruction combines.
        self._tracked = [
            (name, _native.power_exponent(s["sigma_rel"]))
            for name, s in zip(self.names, self._specs)
            if s["kind"] == "power" and s.get("every", 1) == 1
        ]
        self._snapshots: list[tuple[int, list[np.ndarray]]] = []

    def _flat(self, arrays: list[np.ndarray]) -> np.ndarray:
        if not arrays:
            return np.zeros(0, dtype=np.float32)
        return np.ascontiguousarray(np.concatenate([np.asarray(a, dtype=np.float32).ravel() for a in arrays]))

    def _unflat(self, theta: np.ndarray) -> list[np.ndarray]:
        out, at = [], 0
        for shape in self._shapes:
            n = int(np.prod(shape, dtype=np.int64))
            out.append(theta[at:at + n].reshape(shape))
            at += n
        return out

    def _index(self, name: str) -> int:
        if name not in self.names:
            raise KeyError(f"no stabilizer named {name!r}; these are: {', '.join(self.names)}")
        return self.names.index(name)

    def update(self, params, step: int | None = None) -> None:
        """Folds in the iterate after update ``step`` (default: the next one, 1, 2, …)."""
        self.step = self.step + 1 if step is None else int(step)
        self._native.update(self.step, self._flat([_numpy(t) for t in _tensors(params)]))

    def flat(self, name: str) -> np.ndarray:
        """Stabilizer ``name``'s parameters as one float32 vector."""
        return self._native.params(self._index(name))

    def params(self, name: str) -> list[np.ndarray]:
        """Stabilizer ``name``'s parameters, shaped like the ones given."""
        return self._unflat(self.flat(name))

    def gamma(self, name: str, t: int) -> float:
        """γ_t, the weight of iterate t."""
        return self._native.gamma(self._index(name), t)

    def copy_to(self, name: str, module) -> None:
        """Writes stabilizer ``name``'s parameters into a torch module (to evaluate it)."""
        import torch  # only a torch user calls this

        with torch.no_grad():
            for p, values in zip(module.parameters(), self.params(name)):
                p.copy_(torch.from_numpy(values).to(p.device, p.dtype))

    def snapshot(self) -> None:
        """Keeps the tracked power EMAs at the current step, for :meth:`reconstruct` (EDM2 keeps ~every 1–5%)."""
        self._snapshots.append((self.step, [self.flat(name) for name, _ in self._tracked]))

    def reconstruct(self, sigma_rel: float, step: int | None = None, flat: bool = False):
        """The power EMA of width ``sigma_rel`` at snapshot ``step`` (default: the last), from every snapshot up
        to it of every power EMA tracked with ``every=1``, combined as ``butterfly stabilize`` combines them."""
        if not self._tracked:
            raise _native.ButterflyError("no power EMA (PowerEMA, every=1) is tracked: nothing to reconstruct from")
        if not self._snapshots:
            raise _native.ButterflyError("no snapshot taken: call snapshot() during training")
        step = self._snapshots[-1][0] if step is None else int(step)
        if step not in [s for s, _ in self._snapshots]:
            raise _native.ButterflyError(f"no snapshot at step {step}")
        combined = [
            (p, s, theta)
            for s, thetas in self._snapshots
            if 1 <= s <= step
            for (_, p), theta in zip(self._tracked, thetas)
        ]
        theta, _weights = _native.reconstruct(combined, sigma_rel, step)
        return theta if flat else self._unflat(theta)

    def state_dict(self) -> dict:
        """Everything needed to resume: specs, step, each stabilizer's state tensors, the snapshots."""
        return {
            "specs": [dict(s) for s in self._specs],
            "step": self.step,
            "state": {name: dict(self._native.state(i)) for i, name in enumerate(self.names)},
            "snapshots": [(s, [t.copy() for t in thetas]) for s, thetas in self._snapshots],
        }

    def load_state_dict(self, state: dict) -> None:
        if state["specs"] != self._specs:
            raise _native.ButterflyError("the state is of other stabilizers: build Stabilizers with its specs")
        for i, name in enumerate(self.names):
            tensors = [(k, np.ascontiguousarray(v, dtype=np.float32)) for k, v in state["state"][name].items()]
            self._native.load_state(i, tensors)
        self.step = int(state["step"])
        self._snapshots = [(int(s), [np.asarray(t, dtype=np.float32) for t in thetas]) for s, thetas in state["snapshots"]]
