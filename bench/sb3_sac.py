"""stable-baselines3 SAC training speed, the workload of `butterfly bench sac`.

SAC with SB3's defaults (net [256, 256], batch 256, one gradient step per env step) on a v4 task:
`learn` for 1000 random steps (learning_starts), then time further `learn` calls, each env step with
its update (what training costs), and `train(gradient_steps=N)` alone (the update without the env).
Usage: python sb3_sac.py STEPS REPEATS THREADS [ENV] (default Walker2d-v4); prints {"steps_per_s": ..., "updates_per_s": ...}
(medians over repeats).
"""
import json
import statistics
import sys
import time

import gymnasium as gym
import torch
from stable_baselines3 import SAC


def main() -> None:
    steps, repeats, threads = (int(a) for a in sys.argv[1:4])
    env_id = sys.argv[4] if len(sys.argv) > 4 else "Walker2d-v4"
    torch.set_num_threads(threads)
    env = gym.make(env_id)
    model = SAC("MlpPolicy", env, device="cpu", learning_starts=1000, seed=0, verbose=0)
    model.learn(total_timesteps=1000 + 10)
    loop, update = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        model.learn(total_timesteps=steps, reset_num_timesteps=False)
        loop.append(steps / (time.perf_counter() - start))
        start = time.perf_counter()
        model.train(gradient_steps=steps, batch_size=256)
        update.append(steps / (time.perf_counter() - start))
    print(json.dumps({"steps_per_s": statistics.median(loop), "updates_per_s": statistics.median(update)}))


if __name__ == "__main__":
    main()
