#!/usr/bin/env python3
"""PyTorch side of `butterfly bench lm`: the same GPT, optimizer and batches as the Rust engine.

A nanoGPT-shaped GPT (pre-LayerNorm blocks, causal attention, 4x MLP with tanh GELU, biases, head tied to
the token embedding) loaded from Butterfly's export of the initial parameters, AdamW (decay on the 2-D
weights only), the mean next-token cross-entropy. `bench`: training tokens/s on one fixed batch and the
losses of a run over the given batches (constant lr). `run`: a whole training run over given batches and
learning rates with gradient clipping, and its validation losses. Prints one JSON object; exits 3 when
torch is absent.
"""
import argparse
import json
import struct
import sys
import time


def load_safetensors(torch, path):
    """The tensors of a safetensors file of F32 tensors (read here: no extra package needed)."""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        values = torch.frombuffer(bytearray(body[start:end]), dtype=torch.float32)
        out[name] = values.reshape(entry["shape"]).clone()
    return out


def build(torch, n_layer, n_head, n_embd, vocab, context):
    nn, F = torch.nn, torch.nn.functional

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.c_attn(x).split(n_embd, dim=2)
            shape = lambda z: z.view(b, t, n_head, c // n_head).transpose(1, 2)
            y = F.scaled_dot_product_attention(shape(q), shape(k), shape(v), is_causal=True)
            return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))

    class Mlp(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_fc = nn.Linear(n_embd, 4 * n_embd)
            self.c_proj = nn.Linear(4 * n_embd, n_embd)

        def forward(self, x):
            return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.attn = nn.LayerNorm(n_embd), Attention()
            self.ln_2, self.mlp = nn.LayerNorm(n_embd), Mlp()

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class Gpt(nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(vocab, n_embd),
                wpe=nn.Embedding(context, n_embd),
                h=nn.ModuleList([Block() for _ in range(n_layer)]),
                ln_f=nn.LayerNorm(n_embd),
            ))
            self.lm_head = nn.Linear(n_embd, vocab, bias=False)
            self.lm_head.weight = self.transformer.wte.weight

        def forward(self, idx, targets):
            t = idx.shape[1]
            x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(t))
            for block in self.transformer.h:
                x = block(x)
            logits = self.lm_head(self.transformer.ln_f(x))
            return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))

    return Gpt()


def common_args(p):
    for name in ["n_layer", "n_head", "n_embd", "vocab", "context", "batch", "seq", "threads"]:
        p.add_argument("--" + name, type=int, required=True)
    p.add_argument("--params", required=True, help="safetensors of the initial parameters (nanoGPT names)")


def read_tokens(torch, path, batch, seq):
    """uint32 tokens as batches [S, batch, seq + 1]: a row's first seq tokens predict its last seq."""
    with open(path, "rb") as f:
        raw = f.read()
    tokens = torch.tensor(struct.unpack("<%dI" % (len(raw) // 4), raw), dtype=torch.long)
    return tokens.view(-1, batch, seq + 1)


def fresh(torch, a, state, lr, betas, eps, weight_decay):
    model = build(torch, a.n_layer, a.n_head, a.n_embd, a.vocab, a.context)
    model.load_state_dict(state)
    decay = [q for q in model.parameters() if q.dim() >= 2]
    rest = [q for q in model.parameters() if q.dim() < 2]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]
    return model, torch.optim.AdamW(groups, lr=lr, betas=betas, eps=eps)


def step(torch, model, opt, batch, lr=None, clip=None):
    if lr is not None:
        for group in opt.param_groups:
            group["lr"] = lr
    opt.zero_grad(set_to_none=True)
    loss = model(batch[:, :-1], batch[:, 1:])
    loss.backward()
    if clip is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    opt.step()
    return loss.item()


def bench(torch, a, state):
    """Tokens/s on one fixed batch, and the losses of a run over the recorded batches (lr constant)."""
    batches = read_tokens(torch, a.tokens, a.batch, a.seq)
    assert batches.shape[0] == 1 + a.record, "one timed batch and one per recorded step"
    model, opt = fresh(torch, a, state, a.lr, (0.9, 0.999), 1e-8, 0.1)
    losses = [step(torch, model, opt, batches[1 + k]) for k in range(a.record)]
    model, opt = fresh(torch, a, state, a.lr, (0.9, 0.999), 1e-8, 0.1)
    step(torch, model, opt, batches[0])
    rates = []
    for _ in range(a.repeats):
        start = time.perf_counter()
        for _ in range(a.steps):
            step(torch, model, opt, batches[0])
        rates.append(a.steps * a.batch * a.seq / (time.perf_counter() - start))
    rates.sort()
    return {"tokens_per_s": rates[len(rates) // 2], "losses": losses}


def train_run(torch, a, state):
    """A whole training run: one batch and one learning rate per step, gradient clipping, and the mean
    validation loss over fixed batches every eval_every steps (and at the end)."""
    batches = read_tokens(torch, a.tokens, a.batch, a.seq)
    val = read_tokens(torch, a.val, a.batch, a.seq)
    with open(a.lrs, "rb") as f:
        raw = f.read()
    lrs = struct.unpack("<%dd" % (len(raw) // 8), raw)
    assert len(lrs) == batches.shape[0], "one learning rate per batch"
    model, opt = fresh(torch, a, state, lrs[0], (a.beta1, a.beta2), a.eps, a.weight_decay)

    def val_loss():
        with torch.no_grad():
            return sum(model(b[:, :-1], b[:, 1:]).item() for b in val) / val.shape[0]

    curve, losses = [], []
    for k in range(batches.shape[0]):
        losses.append(step(torch, model, opt, batches[k], lrs[k], a.clip))
        done = k + 1
        if done % a.eval_every == 0 or done == batches.shape[0]:
            curve.append([done, val_loss()])
    return {"val": curve, "losses": losses}


def main():
    p = argparse.ArgumentParser()
    modes = p.add_subparsers(dest="mode", required=True)
    b = modes.add_parser("bench")
    common_args(b)
    for name in ["steps", "repeats"]:
        b.add_argument("--" + name, type=int, required=True)
    b.add_argument("--lr", type=float, required=True)
    b.add_argument("--tokens", required=True, help="uint32 tokens: the timed batch, then one per recorded step")
    b.add_argument("--record", type=int, required=True, help="steps whose losses are recorded")
    r = modes.add_parser("run")
    common_args(r)
    r.add_argument("--tokens", required=True, help="uint32 tokens: one batch per step")
    r.add_argument("--val", required=True, help="uint32 tokens: the fixed validation batches")
    r.add_argument("--lrs", required=True, help="float64 learning rate of each step")
    r.add_argument("--eval-every", type=int, required=True)
    for name in ["beta1", "beta2", "eps", "weight-decay"]:
        r.add_argument("--" + name, type=float, required=True)
    r.add_argument("--clip", type=float, default=None)
    a = p.parse_args()
    try:
        import torch
    except ImportError:
        print("torch is not installed", file=sys.stderr)
        sys.exit(3)
    torch.set_num_threads(a.threads)
    state = load_safetensors(torch, a.params)
    out = bench(torch, a, state) if a.mode == "bench" else train_run(torch, a, state)
    out["torch"] = torch.__version__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
