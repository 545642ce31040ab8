"""Gymnasium's env.step throughput on the workload `butterfly bench env` runs.

Reads a JSON object {"env", "qpos", "qvel", "actions", "repeats", "seconds"} from the file named on the
command line: gym.make(env), reset, set_state(qpos, qvel), then step through the actions (cycled for at
least `seconds`), restarting from the same state every 1000 steps (the truncation length); prints
{"steps_per_s": median over repeats}.
"""
import json
import statistics
import sys
import time

import gymnasium as gym
import numpy as np


def main() -> None:
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    env = gym.make(spec["env"])
    qpos = np.array(spec["qpos"], dtype=np.float64)
    qvel = np.array(spec["qvel"], dtype=np.float64)
    actions = [np.array(a, dtype=np.float64) for a in spec["actions"]]

    def restart() -> None:
        env.reset(seed=0)
        env.unwrapped.set_state(qpos, qvel)

    rates = []
    for _ in range(spec["repeats"]):
        restart()
        steps = 0
        start = time.perf_counter()
        while True:
            for action in actions:
                if steps and steps % 1000 == 0:
                    restart()
                env.step(action)
                steps += 1
            elapsed = time.perf_counter() - start
            if elapsed >= spec["seconds"]:
                break
        rates.append(steps / elapsed)
    print(json.dumps({"steps_per_s": statistics.median(rates)}))


if __name__ == "__main__":
    main()
