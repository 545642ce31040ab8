#!/usr/bin/env python3
"""The reference side of `butterfly bench study`: one seed of a GVA study written the way a user would
without Butterfly, in Gymnasium and PyTorch.

1. Data: the expert (a Butterfly policy file, read with safetensors) drives one Gymnasium env for
   `--trajectories` episodes of at most `--horizon` steps; the imitator's input is the state and the previous
   action (zero at the start), its target the expert's action.
2. Training: a ReLU MLP (`--depth` × `--width`) on z-scored inputs, MSE, Adam at `--lr`, minibatches of
   `--batch` rows drawn uniformly; an EMA of the parameters after `--burn-in` updates with
   γ_t = max(t^-alpha, gamma_min) (torch._foreach_lerp_).
3. Evaluation: every `--eval-every` updates and after the last, the raw model and the EMA each drive
   `--initial-conditions` Gymnasium envs (fixed reset seeds) for `--eval-horizon` steps, one batched forward
   per step for the envs still standing; J_H is the mean return.

Prints one JSON object: total_s, data_s, training_s, evaluation_s, final (J_H of raw and ema at the end).
Exits 3 when torch, gymnasium or safetensors cannot be imported.
"""
import time

START = time.perf_counter()

import argparse
import json
import sys

try:
    import gymnasium as gym
    import numpy as np
    import torch
    from safetensors.numpy import load_file
    from safetensors import safe_open
    from torch_bc import imitator
except ImportError as e:
    print(f"torch_study.py: {e}", file=sys.stderr)
    sys.exit(3)


def load_expert(path):
    """The expert's deterministic action: its MLP, tanh output scaled to the action range."""
    with safe_open(path, "np") as f:
        meta = f.metadata()
    tensors = load_file(path)
    n = len(json.loads(meta["hidden"])) + 1
    layers = [(torch.from_numpy(tensors[f"layers.{i}.weight"]), torch.from_numpy(tensors[f"layers.{i}.bias"]))
              for i in range(n)]
    low = torch.tensor(json.loads(meta["action_low"]), dtype=torch.float32)
    high = torch.tensor(json.loads(meta["action_high"]), dtype=torch.float32)
    relu = meta.get("activation", "relu") == "relu"

    def act(obs):
        x = torch.as_tensor(obs, dtype=torch.float32)
        for w, b in layers[:-1]:
            x = x @ w.T + b
            x = torch.relu(x) if relu else torch.tanh(x)
        w, b = layers[-1]
        return (low + (torch.tanh(x @ w.T + b) + 1) / 2 * (high - low)).double().numpy()

    return act


def collect(env_id, expert, trajectories, horizon, seed):
    env = gym.make(env_id)
    inputs, targets = [], []
    with torch.no_grad():
        for k in range(trajectories):
            obs, _ = env.reset(seed=seed + k)
            prev = np.zeros(env.action_space.shape[0])
            for _ in range(horizon):
                action = expert(obs)
                inputs.append(np.concatenate([obs, prev]))
                targets.append(action)
                obs, _, terminated, truncated, _ = env.step(action)
                prev = action
                if terminated or truncated:
                    break
    env.close()
    return torch.tensor(np.array(inputs), dtype=torch.float32), torch.tensor(np.array(targets), dtype=torch.float32)


def j_h(env_id, model, mean, std, count, horizon, seed):
    """Mean return of `model` from `count` fixed initial conditions, all envs stepped together."""
    envs = [gym.make(env_id) for _ in range(count)]
    obs = [e.reset(seed=seed + k)[0] for k, e in enumerate(envs)]
    act_dim = envs[0].action_space.shape[0]
    prev = np.zeros((count, act_dim))
    returns = np.zeros(count)
    alive = list(range(count))
    with torch.no_grad():
        for _ in range(horizon):
            if not alive:
                break
            x = torch.tensor(np.concatenate([np.array([obs[k] for k in alive]), prev[alive]], axis=1), dtype=torch.float32)
            actions = model((x - mean) / std).double().numpy()
            still = []
            for a, k in zip(actions, alive):
                obs[k], r, terminated, truncated, _ = envs[k].step(a)
                returns[k] += r
                prev[k] = a
                if not (terminated or truncated):
                    still.append(k)
            alive = still
    for e in envs:
        e.close()
    return float(returns.mean())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--env", default="Walker2d-v4")
    p.add_argument("--expert", required=True)
    p.add_argument("--trajectories", type=int, required=True)
    p.add_argument("--horizon", type=int, default=1000)
    p.add_argument("--updates", type=int, required=True)
    p.add_argument("--eval-every", type=int, required=True)
    p.add_argument("--initial-conditions", type=int, default=20)
    p.add_argument("--eval-horizon", type=int, default=1000)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--depth", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--alpha", type=float, default=0.7)
    p.add_argument("--gamma-min", type=float, default=5e-4)
    p.add_argument("--burn-in", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    x, y = collect(a.env, load_expert(a.expert), a.trajectories, a.horizon, a.seed)
    mean, std = x.mean(0), x.std(0).clamp_min(1e-6)
    x = (x - mean) / std
    data_s = time.perf_counter() - START

    model = imitator(torch, a.width, x.shape[1], y.shape[1], a.depth)
    ema = imitator(torch, a.width, x.shape[1], y.shape[1], a.depth)
    ema.load_state_dict(model.state_dict())
    params, ema_params = list(model.parameters()), list(ema.parameters())
    opt = torch.optim.Adam(params, lr=a.lr)
    evaluation_s, final = 0.0, {}
    train_start = time.perf_counter()
    for step in range(1, a.updates + 1):
        idx = torch.randint(x.shape[0], (a.batch,))
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.mse_loss(model(x[idx]), y[idx]).backward()
        opt.step()
        if step > a.burn_in:
            t = step - a.burn_in
            with torch.no_grad():
                torch._foreach_lerp_(ema_params, params, max(t ** -a.alpha, a.gamma_min))
        else:
            with torch.no_grad():
                torch._foreach_copy_(ema_params, params)
        if step % a.eval_every == 0 or step == a.updates:
            eval_start = time.perf_counter()
            for name, m in (("raw", model), ("ema", ema)):
                final[name] = j_h(a.env, m, mean, std, a.initial_conditions, a.eval_horizon, 10_000 + a.seed)
            evaluation_s += time.perf_counter() - eval_start
    training_s = time.perf_counter() - train_start - evaluation_s
    total_s = time.perf_counter() - START
    print(json.dumps({"total_s": total_s, "data_s": data_s, "training_s": training_s, "evaluation_s": evaluation_s,
                      "final": final}))


if __name__ == "__main__":
    main()
