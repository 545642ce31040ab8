"""Butterfly's MuJoCo tasks as a Gymnasium vector env, stepped in Rust on a thread pool (GIL released).

Steps are bit-identical to ``gymnasium.vector.SyncVectorEnv`` over ``gymnasium.make`` of the same task
(float64 actions; see docs/python.md), and so are resets: each sub-env draws its reset noise with its own
NumPy generator, seeded as Gymnasium seeds its sub-envs (``seed + i``), and the Rust env takes that state.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import gymnasium
import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from butterfly import _native

#: The Gymnasium namespace of Butterfly's ids: ``gymnasium.make_vec("butterfly/Walker2d-v4", ...)``.
NAMESPACE = "butterfly"


def assets_dir() -> str:
    """Gymnasium's MuJoCo model files: Butterfly loads the very XML the reference envs load."""
    return os.path.join(os.path.dirname(gymnasium.__file__), "envs", "mujoco", "assets")


class MujocoVectorEnv(VectorEnv):
    """``num_envs`` copies of one Butterfly MuJoCo task with Gymnasium's next-step autoreset."""

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}

    def __init__(self, env_id: str, num_envs: int, seed: int | None = None, threads: int | None = None):
        threads = threads or min(num_envs, os.cpu_count() or 1)
        self._native = _native.VecEnv(env_id, num_envs, assets_dir(), threads)
        self.env_id = env_id
        self.num_envs = num_envs
        low, high = self._native.action_bounds()
        # As Gymnasium's MujocoEnv: float32 bounds from the actuators' control ranges, float64 observations.
        self.single_action_space = gymnasium.spaces.Box(
            np.asarray(low, dtype=np.float32), np.asarray(high, dtype=np.float32), dtype=np.float32
        )
        obs_dim = self._native.obs_dim
        self.single_observation_space = gymnasium.spaces.Box(-np.inf, np.inf, (obs_dim,), np.float64)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        qpos0, self._nv = self._native.init_state()
        self._init_qpos = np.asarray(qpos0, dtype=np.float64)
        self._init_qvel = np.zeros(self._nv, dtype=np.float64)
        self._noise_scale, self._normal_velocity = self._native.reset_noise()
        self._rngs: list[np.random.Generator | None] = [None] * num_envs
        self._first_seed = seed
        self._autoreset = np.zeros(num_envs, dtype=np.bool_)
        self._stepped = np.ones(num_envs, dtype=np.bool_)

    def _reset_env(self, i: int, seed: int | None) -> None:
        """Gymnasium's ``reset_model``: init + noise drawn from the env's generator, then ``set_state``."""
        if seed is not None or self._rngs[i] is None:
            self._rngs[i], _ = seeding.np_random(seed)
        rng, scale = self._rngs[i], self._noise_scale
        qpos = self._init_qpos + rng.uniform(low=-scale, high=scale, size=self._init_qpos.size)
        if self._normal_velocity:
            qvel = self._init_qvel + scale * rng.standard_normal(self._nv)
        else:
            qvel = self._init_qvel + rng.uniform(low=-scale, high=scale, size=self._nv)
        self._native.set_state(i, qpos, qvel, True)

    def reset(self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None):
        if seed is None and self._first_seed is not None:
            seed, self._first_seed = self._first_seed, None
        if seed is None or isinstance(seed, int):
            seeds = [None if seed is None else seed + i for i in range(self.num_envs)]
        else:
            seeds = list(seed)
            if len(seeds) != self.num_envs:
                raise ValueError(f"{len(seeds)} seeds for {self.num_envs} envs")
        mask = (options or {}).get("reset_mask")
        mask = np.ones(self.num_envs, dtype=np.bool_) if mask is None else np.asarray(mask, dtype=np.bool_)
        for i in np.flatnonzero(mask):
            self._reset_env(int(i), seeds[i])
        self._autoreset[mask] = False
        return self._native.observations(), {}

    def step(self, actions):
        actions = np.ascontiguousarray(actions, dtype=np.float64).reshape(self.num_envs, -1)
        # Next-step autoreset: an env that ended last step is reset now instead of stepped.
        for i in np.flatnonzero(self._autoreset):
            self._reset_env(int(i), None)
        np.logical_not(self._autoreset, out=self._stepped)
        obs, rewards, terminations, truncations = self._native.step(actions, self._stepped)
        self._autoreset = terminations | truncations
        return obs, rewards, terminations, truncations, {}

    def set_state(self, qpos, qvel) -> None:
        """Gymnasium's ``MujocoEnv.set_state`` on every sub-env (``call("set_state", qpos, qvel)``)."""
        qpos = np.ascontiguousarray(qpos, dtype=np.float64)
        qvel = np.ascontiguousarray(qvel, dtype=np.float64)
        for i in range(self.num_envs):
            self._native.set_state(i, qpos, qvel, False)

    def state(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Sub-env ``i``'s (qpos, qvel)."""
        return self._native.state(i)

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        if name == "set_state":
            self.set_state(*args, **kwargs)
            return (None,) * self.num_envs
        raise AttributeError(f"Butterfly's vector env offers call('set_state', qpos, qvel) only, not {name!r}")


def make_vec(env_id: str, num_envs: int, seed: int | None = None, threads: int | None = None) -> MujocoVectorEnv:
    """A vector env of Butterfly task ``env_id`` (e.g. ``Walker2d-v4``; the ``butterfly/`` prefix is optional)."""
    return MujocoVectorEnv(env_id.removeprefix(f"{NAMESPACE}/"), num_envs, seed, threads)


def _vector_entry_point(env_id: str, num_envs: int = 1, max_episode_steps: int | None = None, **kwargs: Any):
    if max_episode_steps not in (None, 1000):
        raise ValueError("Butterfly's tasks truncate at 1000 steps, as Gymnasium's")
    return make_vec(env_id, num_envs, **kwargs)


def register() -> None:
    """Registers ``butterfly/<task>`` for every task: ``vector_entry_point`` is Butterfly's, ``entry_point``
    the Gymnasium reference env (so ``vectorization_mode="sync"`` gives the reference to compare with)."""
    for task in _native.TASK_IDS:
        name, version = task.rsplit("-v", 1)
        module = f"gymnasium.envs.mujoco.{name.lower().replace('halfcheetah', 'half_cheetah')}_v{version}"
        gymnasium.register(
            id=f"{NAMESPACE}/{task}",
            entry_point=f"{module}:{name}Env",
            vector_entry_point=functools.partial(_vector_entry_point, task),
            max_episode_steps=1000,
        )
