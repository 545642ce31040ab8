#!/usr/bin/env python3
"""PyTorch side of `butterfly bench train`: the same BC workload as the Rust engine.

4 hidden ReLU layers (input 17 + 6, output 6), batch 256, Adam (lr 1e-3) on MSE, fixed batch;
batch-20 eval-mode inference at width 256. Prints one JSON object; exits 3 when torch is absent.
"""
import argparse
import json
import statistics
import sys
import time

INPUT, OUTPUT, DEPTH, BATCH, INFER_BATCH = 23, 6, 4, 256, 20


def imitator(torch, width):
    layers, d = [], INPUT
    for _ in range(DEPTH):
        layers += [torch.nn.Linear(d, width), torch.nn.ReLU()]
        d = width
    layers.append(torch.nn.Linear(d, OUTPUT))
    return torch.nn.Sequential(*layers)


def steps_per_s(torch, width, steps):
    model = imitator(torch, width)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = torch.rand(BATCH, INPUT) * 2 - 1, torch.rand(BATCH, OUTPUT) * 2 - 1

    def step():
        opt.zero_grad(set_to_none=True)
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()

    for _ in range(max(3, -(-steps // 10))):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - start)


def infer_us(torch, width, iters):
    model = imitator(torch, width).eval()
    x = torch.rand(INFER_BATCH, INPUT) * 2 - 1
    with torch.inference_mode():
        for _ in range(max(10, iters // 10)):
            model(x)
        start = time.perf_counter()
        for _ in range(iters):
            model(x)
    return (time.perf_counter() - start) * 1e6 / iters


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--widths", default="256,512,1024")
    p.add_argument("--steps", type=int, default=200, help="timed steps per repeat at width 256")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    try:
        import torch
    except ImportError:
        print("torch is not installed in this Python", file=sys.stderr)
        sys.exit(3)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    result = {"bc_steps_per_s": {}, "torch_version": torch.__version__}
    for w in [int(w) for w in args.widths.split(",")]:
        # Same scaling as the Rust side: equal wall time per repeat across widths.
        steps = max(5, args.steps * 256 * 256 // (w * w))
        result["bc_steps_per_s"][str(w)] = statistics.median(steps_per_s(torch, w, steps) for _ in range(args.repeats))
    result["infer_us_b20"] = statistics.median(infer_us(torch, 256, 2000) for _ in range(args.repeats))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
