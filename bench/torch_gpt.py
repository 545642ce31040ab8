#!/usr/bin/env python3
"""PyTorch side of `butterfly bench lm`: the same GPT, optimizer and batches as the Rust engine.

A nanoGPT-shaped GPT (pre-LayerNorm blocks, causal attention, 4x MLP with tanh GELU, biases, head tied to
the token embedding) loaded from Butterfly's export of the initial parameters, AdamW (decay on the 2-D
weights only, constant lr), the mean next-token cross-entropy. Measures training tokens/s on one fixed
batch, and records the losses of a run over the given sequence of batches. Prints one JSON object; exits 3
when torch is absent.
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


def main():
    p = argparse.ArgumentParser()
    for name in ["n_layer", "n_head", "n_embd", "vocab", "context", "batch", "seq", "steps", "repeats", "threads"]:
        p.add_argument("--" + name, type=int, required=True)
    p.add_argument("--lr", type=float, required=True)
    p.add_argument("--params", required=True, help="safetensors of the initial parameters (nanoGPT names)")
    p.add_argument("--tokens", required=True, help="uint32 tokens: the timed batch, then one per recorded step")
    p.add_argument("--record", type=int, required=True, help="steps whose losses are recorded")
    a = p.parse_args()
    try:
        import torch
    except ImportError:
        print("torch is not installed", file=sys.stderr)
        sys.exit(3)
    torch.set_num_threads(a.threads)
    with open(a.tokens, "rb") as f:
        raw = f.read()
    tokens = torch.tensor(struct.unpack("<%dI" % (len(raw) // 4), raw), dtype=torch.long)
    batches = tokens.view(-1, a.batch, a.seq + 1)
    assert batches.shape[0] == 1 + a.record, "one timed batch and one per recorded step"
    state = load_safetensors(torch, a.params)

    def fresh():
        model = build(torch, a.n_layer, a.n_head, a.n_embd, a.vocab, a.context)
        model.load_state_dict(state)
        decay = [q for q in model.parameters() if q.dim() >= 2]
        rest = [q for q in model.parameters() if q.dim() < 2]
        groups = [{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}]
        return model, torch.optim.AdamW(groups, lr=a.lr, betas=(0.9, 0.999), eps=1e-8)

    def step(model, opt, batch):
        opt.zero_grad(set_to_none=True)
        loss = model(batch[:, :-1], batch[:, 1:])
        loss.backward()
        opt.step()
        return loss.item()

    model, opt = fresh()
    losses = [step(model, opt, batches[1 + k]) for k in range(a.record)]
    model, opt = fresh()
    step(model, opt, batches[0])
    rates = []
    for _ in range(a.repeats):
        start = time.perf_counter()
        for _ in range(a.steps):
            step(model, opt, batches[0])
        rates.append(a.steps * a.batch * a.seq / (time.perf_counter() - start))
    rates.sort()
    print(json.dumps({"tokens_per_s": rates[len(rates) // 2], "losses": losses, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
