"""Env steps per second of butterfly.envs.make_vec against Gymnasium's SyncVectorEnv and AsyncVectorEnv on
the same task, in one command (README, "Python"): each vector env takes the same float64 random actions
(autoresets included) for a fixed number of vector steps, repeated; the median of the repeats is reported.

    .venv/bin/python bench/python_vec.py --task Walker2d-v4 --envs 16 --steps 200 --repeats 5
"""

import argparse
import statistics
import time

import gymnasium as gym
import numpy as np

import butterfly  # noqa: F401  (registers butterfly/<task>)
from butterfly.envs import make_vec


def rate(env, actions: np.ndarray, repeats: int) -> float:
    """Median env steps/s over `repeats` runs of len(actions) vector steps."""
    env.reset(seed=0)
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for a in actions:
            env.step(a)
        rates.append(actions.shape[0] * actions.shape[1] / (time.perf_counter() - start))
    env.close()
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", default="Walker2d-v4")
    parser.add_argument("--envs", type=int, default=16)
    parser.add_argument("--steps", type=int, default=200, help="vector steps per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    probe = make_vec(args.task, 1)
    low, high = probe.single_action_space.low.astype(np.float64), probe.single_action_space.high.astype(np.float64)
    actions = np.random.default_rng(0).uniform(low, high, size=(args.steps, args.envs, low.size))
    makers = {
        "butterfly make_vec": lambda: make_vec(args.task, args.envs),
        "gymnasium SyncVectorEnv": lambda: gym.make_vec(args.task, args.envs, vectorization_mode="sync"),
        "gymnasium AsyncVectorEnv": lambda: gym.make_vec(args.task, args.envs, vectorization_mode="async"),
    }
    results = {name: rate(make(), actions, args.repeats) for name, make in makers.items()}
    best_gym = max(v for k, v in results.items() if k.startswith("gymnasium"))
    print(f"{args.task}, {args.envs} envs, {args.steps} vector steps × median of {args.repeats}")
    print("| vector env | env steps/s | vs the faster Gymnasium |\n|---|---:|---:|")
    for name, value in results.items():
        print(f"| {name} | {value:,.0f} | {value / best_gym:.2f}× |")


if __name__ == "__main__":
    main()
