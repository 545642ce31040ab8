"""The reference side of the conformance tests: Gymnasium's own env replays a `butterfly env replay` input.

Usage: python gym_replay.py IN.json OUT.csv [IN.json OUT.csv ...]
Writes the same CSV as `butterfly env replay` (step,reward,terminated,obs_0,...; floats as repr, which
round-trips). The env is the unwrapped Gymnasium class (v4 or v5, default arguments): reset() first
(qpos/qvel are not the whole simulator state), then set_state, then every action, stepping on after
termination.
"""
import json
import sys

import gymnasium as gym
import numpy as np


def replay(src: str, dst: str) -> None:
    with open(src) as f:
        spec = json.load(f)
    env = gym.make(spec["env"]).unwrapped
    env.reset(seed=0)
    env.set_state(np.array(spec["qpos"], dtype=np.float64), np.array(spec["qvel"], dtype=np.float64))
    lines = []
    for step, action in enumerate(spec["actions"]):
        obs, reward, terminated, _, _ = env.step(np.array(action, dtype=np.float64))
        cells = [str(step), repr(float(reward)), "true" if terminated else "false"]
        cells += [repr(float(x)) for x in obs]
        lines.append(",".join(cells))
    header = ["step", "reward", "terminated"] + [f"obs_{i}" for i in range(len(obs))]
    with open(dst, "w") as f:
        f.write(",".join(header) + "\n" + "\n".join(lines) + "\n")


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit("usage: gym_replay.py IN.json OUT.csv [IN.json OUT.csv ...]")
    for i in range(0, len(args), 2):
        replay(args[i], args[i + 1])
