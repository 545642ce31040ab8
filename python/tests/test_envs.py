"""make_vec against Gymnasium's SyncVectorEnv of the same task: bit-identical resets, steps and autoresets."""

import gymnasium as gym
import numpy as np
import pytest

import butterfly
from butterfly.envs import MujocoVectorEnv, make_vec


def reference(task: str, n: int) -> gym.vector.SyncVectorEnv:
    return gym.vector.SyncVectorEnv([lambda: gym.make(task) for _ in range(n)])


def same(ours, theirs, what: str) -> None:
    for name, a, b in zip(["obs", "rewards", "terminations", "truncations"], ours, theirs):
        assert a.dtype == b.dtype and a.shape == b.shape, f"{what}: {name} {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        assert np.array_equal(a, b), f"{what}: {name} differ:\n{a}\n{b}"


def run_both(task: str, n: int, steps: int, seed: int = 3, state=None, set_at: int = 0) -> int:
    """Steps both with the same float64 actions, setting `state` (qpos, qvel) in both after `set_at` steps;
    returns how many episodes ended (autoresets exercised)."""
    ours, theirs = make_vec(task, n), reference(task, n)
    obs, _ = ours.reset(seed=seed)
    ref_obs, _ = theirs.reset(seed=seed)
    assert np.array_equal(obs, ref_obs), f"{task}: reset observations differ"
    rng = np.random.default_rng(seed)
    low, high = ours.single_action_space.low.astype(np.float64), ours.single_action_space.high.astype(np.float64)
    ended = 0
    for t in range(steps):
        if state is not None and t == set_at:
            ours.call("set_state", *state)
            theirs.call("set_state", *state)
        actions = rng.uniform(low, high, size=(n, low.size))
        result = ours.step(actions)
        same(result[:4], theirs.step(actions)[:4], f"{task} step {t + 1}")
        ended += int(np.sum(result[2] | result[3]))
    return ended


@pytest.mark.parametrize("task", ["Walker2d-v4", "Hopper-v4", "Ant-v4", "Walker2d-v5"])
def test_steps_resets_and_autoresets_match_sync_vector_env(task):
    assert run_both(task, n=3, steps=250) > 0, "no episode ended: the autoreset was not exercised"


def test_truncation_at_1000_steps_then_autoreset():
    # HalfCheetah never terminates: every episode ends by truncation, and the next step resets.
    assert run_both("HalfCheetah-v4", n=2, steps=1003) == 2


@pytest.mark.parametrize("task,set_at", [("Walker2d-v4", 0), ("Hopper-v4", 0), ("Walker2d-v4", 7), ("Humanoid-v4", 5)])
def test_from_a_set_state(task, set_at):
    # Mid-episode, Gymnasium's set_state keeps time, controls and the solver's warm start: so does ours.
    probe = make_vec(task, 1)
    probe.reset(seed=0)
    qpos, qvel = probe.state(0)
    state = (qpos + 0.01 * np.cos(np.arange(qpos.size)), qvel + 0.1 * np.sin(np.arange(qvel.size)))
    run_both(task, n=2, steps=60, state=state, set_at=set_at)


def test_registered_with_gymnasium():
    env = gym.make_vec("butterfly/Walker2d-v4", num_envs=2, vectorization_mode="vector_entry_point")
    assert isinstance(env, MujocoVectorEnv) and env.num_envs == 2
    assert env.metadata["autoreset_mode"] == gym.vector.AutoresetMode.NEXT_STEP
    sync = gym.make_vec("butterfly/Walker2d-v4", num_envs=2, vectorization_mode="sync")
    assert sync.single_observation_space == env.single_observation_space
    assert sync.single_action_space == env.single_action_space
    assert env.observation_space == sync.observation_space and env.action_space == sync.action_space


def test_errors_are_one_clear_line():
    with pytest.raises(butterfly.ButterflyError, match="unknown environment 'Nope-v1'"):
        make_vec("Nope-v1", 2)
    # More envs than memory holds is an error the caller can catch, not an abort of the interpreter.
    with pytest.raises(butterfly.ButterflyError, match="environments would need .* of memory"):
        make_vec("Hopper-v4", 10**12)
    env = make_vec("Hopper-v4", 2)
    env.reset(seed=0)
    with pytest.raises(butterfly.ButterflyError, match="must be finite"):
        env.step(np.full((2, 3), np.nan))
