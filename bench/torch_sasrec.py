#!/usr/bin/env python3
"""Minimal PyTorch SASRec with the same architecture as attnrec's model/.

Pre-LayerNorm blocks (LN -> causal multi-head attention -> dropout ->
residual -> LN -> FFN (Linear, ReLU, dropout, Linear, dropout) -> residual),
learned positions, sqrt(d)-scaled tied item embeddings, final LayerNorm, as
in pmixer/SASRec.pytorch. Sequences are left-padded to maxlen and, as in
the reference, attention uses only the causal mask (padding rows are zeroed
after the embedding; masking padding keys too would leave fully padded query
rows with no key and NaN); padding positions are excluded from the loss.

Used by bench/train_speed/run.sh as the baseline, and with --infer by
bench/infer/run.sh: per-user serving cost (encoder forward plus a
full-catalog top-10 with the history excluded, torch.no_grad, one thread),
in two forms: "reference" (the sequence left-padded to maxlen and every
position computed, as pmixer/SASRec.pytorch's predict) and "deployment"
(the unpadded history, and the last block computes only the last
position's query, attention and FFN: what a batch-of-one server would do). Debian's torch 1.13 does
its GEMMs through libblas.so.3: make sure that is OpenBLAS (the summary line
lists the BLAS libraries loaded), not the netlib reference BLAS. Prints one JSON line per
epoch and a summary line; run with Debian's /usr/bin/python3 (torch 1.13).
"""
import argparse
import json
import math
import random
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_pairs(path):
    seqs = {}
    n_items = 0
    with open(path) as f:
        for line in f:
            u, i = line.split()
            i = int(i)
            seqs.setdefault(u, []).append(i)
            n_items = max(n_items, i)
    return list(seqs.values()), n_items


class Block(nn.Module):
    def __init__(self, d, heads, dropout, ffn=0):
        super().__init__()
        self.ln1 = nn.LayerNorm(d, eps=1e-6)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.drop_a = nn.Dropout(dropout)
        self.ln2 = nn.LayerNorm(d, eps=1e-6)
        self.w1 = nn.Linear(d, ffn or d)
        self.w2 = nn.Linear(ffn or d, d)
        self.drop1 = nn.Dropout(dropout)
        self.drop2 = nn.Dropout(dropout)

    def forward(self, x, causal, last_only=False):
        h = self.ln1(x)
        if last_only:
            # The last position attends to every position: no mask needed.
            q = h[:, -1:]
            a, _ = self.attn(q, h, h, need_weights=False)
            x = x[:, -1:] + self.drop_a(a)
        else:
            a, _ = self.attn(h, h, h, attn_mask=causal, need_weights=False)
            x = x + self.drop_a(a)
        h = self.ln2(x)
        return x + self.drop2(self.w2(self.drop1(F.relu(self.w1(h)))))


class SASRec(nn.Module):
    def __init__(self, n_items, maxlen, d, blocks, heads, dropout, ffn=0):
        super().__init__()
        self.d = d
        self.maxlen = maxlen
        self.item_emb = nn.Embedding(n_items + 1, d, padding_idx=0)
        self.pos_emb = nn.Embedding(maxlen, d)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(d, heads, dropout, ffn) for _ in range(blocks))
        self.ln = nn.LayerNorm(d, eps=1e-6)
        for name, p in self.named_parameters():
            if p.dim() > 1:
                nn.init.xavier_normal_(p)
        with torch.no_grad():
            self.item_emb.weight[0].zero_()

    def forward(self, seq):  # seq: [B, L] left-padded with 0
        L = seq.shape[1]
        pad = seq == 0
        x = self.item_emb(seq) * math.sqrt(self.d) + self.pos_emb.weight[:L].unsqueeze(0)
        x = self.drop(x) * (~pad).unsqueeze(-1)
        causal = torch.triu(torch.ones(L, L, dtype=torch.bool), 1)
        for b in self.blocks:
            x = b(x, causal)
        return self.ln(x)

    def encode_last(self, seq):  # seq: [1, n] unpadded, n <= maxlen -> [1, d]
        n = seq.shape[1]
        x = self.item_emb(seq) * math.sqrt(self.d) + self.pos_emb.weight[self.maxlen - n:].unsqueeze(0)
        causal = torch.triu(torch.ones(n, n, dtype=torch.bool), 1)
        for i, b in enumerate(self.blocks):
            x = b(x, causal, last_only=i + 1 == len(self.blocks))
        return self.ln(x)[:, -1]


def sample_neg(n_items, seen):
    while True:
        j = random.randint(1, n_items)
        if j not in seen:
            return j


def batches(train, n_items, maxlen, batch, loss):
    users = list(range(len(train)))
    random.shuffle(users)
    for s in range(0, len(users), batch):
        ids = users[s:s + batch]
        seq = np.zeros((len(ids), maxlen), dtype=np.int64)
        pos = np.zeros((len(ids), maxlen), dtype=np.int64)
        neg = np.zeros((len(ids), maxlen), dtype=np.int64)
        for r, u in enumerate(ids):
            t = train[u]
            inp, tgt = t[:-1][-maxlen:], t[1:][-maxlen:]
            n = len(inp)
            seq[r, maxlen - n:] = inp
            pos[r, maxlen - n:] = tgt
            if loss == "bce":
                seen = set(t)
                neg[r, maxlen - n:] = [sample_neg(n_items, seen) for _ in range(n)]
        yield torch.from_numpy(seq), torch.from_numpy(pos), torch.from_numpy(neg)


@torch.no_grad()
def evaluate(model, seqs, n_items, maxlen, protocol, batch=256):
    model.eval()
    rng = random.Random(2018)
    ndcg = hr = 0.0
    users = [s for s in seqs if len(s) >= 3]
    E = model.item_emb.weight
    for b in range(0, len(users), batch):
        chunk = users[b:b + batch]
        seq = np.zeros((len(chunk), maxlen), dtype=np.int64)
        for r, s in enumerate(chunk):
            h = s[:-1][-maxlen:]
            seq[r, maxlen - len(h):] = h
        u = model(torch.from_numpy(seq))[:, -1, :]
        scores = u @ E.T
        for r, s in enumerate(chunk):
            target = s[-1]
            if protocol == "full":
                sc = scores[r].clone()
                sc[0] = -float("inf")
                sc[list(set(s[:-1]) - {target})] = -float("inf")
                rank = int((sc > sc[target]).sum())
            else:
                seen = set(s)
                cand = []
                while len(cand) < 100:
                    j = rng.randint(1, n_items)
                    if j not in seen and j not in cand:
                        cand.append(j)
                rank = int((scores[r, cand] > scores[r, target]).sum())
            if rank < 10:
                hr += 1
                ndcg += 1 / math.log2(rank + 2)
    model.train()
    return {"protocol": "sampled-100" if protocol == "sampled" else "full",
            "hr@10": hr / len(users), "ndcg@10": ndcg / len(users), "users": len(users)}


@torch.no_grad()
def infer(args):
    """Per-user serving cost, one user at a time, over every user in file order."""
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    seqs, n_items = read_pairs(args.input)
    model = SASRec(n_items, args.maxlen, args.dim, args.blocks, args.heads, 0.0, args.ffn)
    model.eval()
    E = model.item_emb.weight

    def top10(u, hist):
        scores = u @ E.T  # [1, N + 1]
        scores[0, 0] = -float("inf")
        scores[0, hist] = -float("inf")
        return torch.topk(scores[0], 10).indices

    def reference(s):
        h = s[-args.maxlen:]
        seq = torch.zeros((1, args.maxlen), dtype=torch.int64)
        seq[0, args.maxlen - len(h):] = torch.tensor(h)
        return top10(model(seq)[:, -1, :], torch.tensor(s))

    def deployment(s):
        seq = torch.tensor([s[-args.maxlen:]], dtype=torch.int64)
        return top10(model.encode_last(seq), torch.tensor(s))

    for name, fn in (("reference", reference), ("deployment", deployment)):
        for s in seqs[:20]:  # warm-up
            fn(s)
        times, cpu = [], []
        for _ in range(args.repeats):
            for s in seqs:
                c0 = time.thread_time()
                t0 = time.perf_counter()
                fn(s)
                times.append((time.perf_counter() - t0) * 1e6)
                cpu.append((time.thread_time() - c0) * 1e6)
        times.sort()
        cpu.sort()
        pct = lambda v, p: v[min(len(v) - 1, int(p * (len(v) - 1) + 0.5))]
        print(json.dumps({"impl": "torch", "mode": name, "items": n_items, "d": args.dim,
                          "heads": args.heads, "ffn": args.ffn or args.dim, "users": len(times),
                          "mean_us": sum(times) / len(times), "p50_us": times[len(times) // 2],
                          "p99_us": pct(times, 0.99), "cpu_mean_us": sum(cpu) / len(cpu),
                          "cpu_p50_us": pct(cpu, 0.5), "cpu_p99_us": pct(cpu, 0.99),
                          "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", required=True)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--maxlen", type=int, default=200)
    ap.add_argument("--dim", type=int, default=50)
    ap.add_argument("--blocks", type=int, default=2)
    ap.add_argument("--heads", type=int, default=1)
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--loss", choices=["bce", "ce"], default="bce")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-every", type=int, default=0, help="0: only after the last epoch")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--minutes", type=float, default=0,
                    help="stop after the epoch that ends past this much training time (0: none)")
    ap.add_argument("--target", type=float, default=0.60,
                    help="sampled-100 test NDCG@10 whose first crossing the summary reports")
    ap.add_argument("--ffn", type=int, default=0, help="feed-forward width (0: dim)")
    ap.add_argument("--infer", action="store_true",
                    help="time per-user serving (one thread) instead of training")
    ap.add_argument("--repeats", type=int, default=1, help="--infer: passes over the users")
    args = ap.parse_args()
    if args.infer:
        return infer(args)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    seqs, n_items = read_pairs(args.input)
    train = [s[:-2] if len(s) >= 3 else s for s in seqs]
    train = [t for t in train if len(t) >= 2]
    model = SASRec(n_items, args.maxlen, args.dim, args.blocks, args.heads, args.dropout, args.ffn)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98))
    start = time.time()
    epoch_times = []
    # Time to quality counts training time only (evaluation excluded).
    reached_at, best = None, None
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        total = count = 0.0
        for seq, pos, neg in batches(train, n_items, args.maxlen, args.batch, args.loss):
            h = model(seq)
            mask = pos != 0
            if args.loss == "bce":
                E = model.item_emb
                pl = (h * E(pos)).sum(-1)[mask]
                nl = (h * E(neg)).sum(-1)[mask]
                loss = (F.binary_cross_entropy_with_logits(pl, torch.ones_like(pl)) +
                        F.binary_cross_entropy_with_logits(nl, torch.zeros_like(nl)))
            else:
                logits = h[mask] @ model.item_emb.weight[1:].T
                loss = F.cross_entropy(logits, pos[mask] - 1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                model.item_emb.weight[0].zero_()
            total += float(loss)
            count += 1
        dt = time.time() - t0
        epoch_times.append(dt)
        rec = {"epoch": epoch, "loss": total / count, "seconds": dt, "seqs_per_sec": len(train) / dt,
               "elapsed": time.time() - start}
        out_of_time = args.minutes > 0 and sum(epoch_times) >= args.minutes * 60
        if (args.eval_every and epoch % args.eval_every == 0) or epoch == args.epochs or out_of_time:
            rec["test_sampled"] = evaluate(model, seqs, n_items, args.maxlen, "sampled")
            ndcg = rec["test_sampled"]["ndcg@10"]
            if best is None or ndcg > best["ndcg@10"]:
                best = {"ndcg@10": ndcg, "epoch": epoch, "train_seconds": sum(epoch_times)}
            if reached_at is None and ndcg >= args.target:
                reached_at = {"epoch": epoch, "train_seconds": sum(epoch_times)}
        print(json.dumps(rec), flush=True)
        if out_of_time:
            break
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    blas = sorted({l.split()[-1] for l in open("/proc/self/maps") if "blas" in l and "/" in l})
    print(json.dumps({"summary": True, "sec_per_epoch": sum(epoch_times) / len(epoch_times),
                      "seqs_per_sec": len(train) * len(epoch_times) / sum(epoch_times),
                      "peak_rss_mb": rss_mb, "threads": args.threads,
                      "epochs": len(epoch_times), "train_seconds": sum(epoch_times),
                      "target": args.target, "target_reached": reached_at, "best_sampled": best,
                      "blas": blas}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
