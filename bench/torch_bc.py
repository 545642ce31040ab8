#!/usr/bin/env python3
"""PyTorch side of `butterfly bench train`: the same BC workload as the Rust engine.

4 hidden ReLU layers (input 17 + 6, output 6), batch 256, Adam (lr 1e-3) on MSE, fixed batch;
batch-20 eval-mode inference at width 256. With --transformer W,L,H,C also the Transformer imitator:
windows of W rows embedded linearly plus a learned position embedding, L pre-LayerNorm blocks (H heads
of causal attention, a 4x tanh-GELU MLP), the final LayerNorm and a tanh head on the last row; batch 256
windows, and a batch-20 action step. Prints one JSON object; exits 3 when torch is absent.
"""
import argparse
import json
import statistics
import sys
import time

INPUT, OUTPUT, DEPTH, BATCH, INFER_BATCH = 23, 6, 4, 256, 20


def imitator(torch, width, d_in=INPUT, d_out=OUTPUT, depth=DEPTH):
    """The MLP imitator: `depth` hidden ReLU layers of `width` (torch_study.py uses it too)."""
    layers, d = [], d_in
    for _ in range(depth):
        layers += [torch.nn.Linear(d, width), torch.nn.ReLU()]
        d = width
    layers.append(torch.nn.Linear(d, d_out))
    return torch.nn.Sequential(*layers)


def transformer(torch, window, layers, heads, c):
    nn, F = torch.nn, torch.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.ln_2 = nn.LayerNorm(c), nn.LayerNorm(c)
            self.c_attn, self.c_proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
            self.c_fc, self.mlp_proj = nn.Linear(c, 4 * c), nn.Linear(4 * c, c)

        def forward(self, x):
            b, t, _ = x.shape
            q, k, v = (z.view(b, t, heads, c // heads).transpose(1, 2) for z in self.c_attn(self.ln_1(x)).split(c, dim=2))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, c)
            x = x + self.c_proj(y)
            return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))

    class Imitator(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Linear(INPUT, c)
            self.wpe = nn.Parameter(torch.randn(window, c) * 0.02)
            self.blocks = nn.Sequential(*[Block() for _ in range(layers)])
            self.ln_f, self.head = nn.LayerNorm(c), nn.Linear(c, OUTPUT)

        def forward(self, x):
            h = self.blocks(self.embed(x) + self.wpe[: x.shape[1]])
            return torch.tanh(self.head(self.ln_f(h[:, -1])))

    return Imitator()


def steps_per_s(torch, width, steps, model=None, x=None):
    model = model if model is not None else imitator(torch, width)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = x if x is not None else torch.rand(BATCH, INPUT) * 2 - 1
    y = torch.rand(BATCH, OUTPUT) * 1.8 - 0.9

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


def infer_us(torch, width, iters, model=None, x=None):
    model = (model if model is not None else imitator(torch, width)).eval()
    x = x if x is not None else torch.rand(INFER_BATCH, INPUT) * 2 - 1
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
    p.add_argument("--transformer", help="WINDOW,N_LAYER,N_HEAD,N_EMBD of the Transformer imitator")
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
    if args.transformer:
        w, l, h, c = (int(v) for v in args.transformer.split(","))
        steps = max(5, args.steps // 4)
        train = lambda: steps_per_s(torch, 0, steps, transformer(torch, w, l, h, c), torch.rand(BATCH, w, INPUT) * 2 - 1)
        result["transformer_steps_per_s"] = statistics.median(train() for _ in range(args.repeats))
        infer = lambda: infer_us(torch, 0, 500, transformer(torch, w, l, h, c), torch.rand(INFER_BATCH, w, INPUT) * 2 - 1)
        result["transformer_infer_us_b20"] = statistics.median(infer() for _ in range(args.repeats))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
