#!/usr/bin/env python
"""Benchmark: ranking speed of `codesearch_nb.evaluate` against a plain numpy implementation of the same arithmetic.

Two cases, both on L2-normalised float32 embeddings of MiniLM's width (384):
  - all candidates: 500 queries × 6,267 functions (the size of CoSQA dev), `full_ranks`;
  - CodeSearchNet protocol: 20,000 (query, function) pairs in 1,000-chunks, `chunk_ranks`.
The baseline is the obvious numpy code (one matrix product per chunk, `>=` against the diagonal, `sum`), measured in
the same run on the same data; both must give identical ranks. Target: ours ≤ 1.2× the baseline.

Usage: python bench/eval.py [--repeats 5] [--dim 384] [--threads N]
"""
import argparse, os, time

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--repeats', type=int, default=5, help='timed repetitions; the best is reported')
p.add_argument('--dim', type=int, default=384, help='embedding width')
p.add_argument('--threads', type=int, default=None, help='BLAS threads (default: as the environment says)')
args = p.parse_args()
if args.threads:
    for v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'): os.environ[v] = str(args.threads)

import numpy as np
from codesearch_nb.core import l2norm
from codesearch_nb.evaluate import full_ranks, chunk_ranks, chunk_index


def plain_full(q, c, gold):
    "Baseline: all candidates."
    s = q @ c.T
    g = s[np.arange(len(q)), gold]
    return (s >= g[:, None]).sum(1)


def plain_chunks(q, c, idx):
    "Baseline: one chunk at a time."
    out = []
    for ii in idx:
        s = q[ii] @ c[ii].T
        out.append((s >= np.diag(s)[:, None]).sum(1))
    return np.stack(out)


def best(fa, fb, repeats):
    "Best wall times of `repeats` calls of `fa` and `fb`, interleaved so that load on the machine hits both alike."
    ta, tb = [], []
    for _ in range(repeats):
        t = time.perf_counter(); ra = fa(); ta.append(time.perf_counter() - t)
        t = time.perf_counter(); rb = fb(); tb.append(time.perf_counter() - t)
    return (min(ta), ra), (min(tb), rb)


rng = np.random.default_rng(0)
rows = []

q, c = l2norm(rng.standard_normal((500, args.dim))), l2norm(rng.standard_normal((6267, args.dim)))
gold = rng.integers(0, 6267, 500)
q[np.arange(500)] = l2norm(q + 2 * c[gold])         # make the task non-trivial: queries lean to their function
fn_ours, fn_base = (lambda: full_ranks(q, c, gold)), (lambda: plain_full(q, c, gold))
fn_ours(); fn_base()                                  # warm up
(t_o, r_o), (t_b, r_b) = best(fn_ours, fn_base, args.repeats)
assert (r_o == r_b).all(), 'different ranks (all candidates)'
rows.append(('500 queries × 6,267 functions', t_o, t_b))

n = 20_000
E = l2norm(rng.standard_normal((n, args.dim)))
Q = l2norm(rng.standard_normal((n, args.dim)) + E)
idx = chunk_index(n, 1000, seed=0)
fn_ours, fn_base = (lambda: chunk_ranks(Q, E, idx)), (lambda: plain_chunks(Q, E, idx))
fn_ours(); fn_base()
(t_o, r_o), (t_b, r_b) = best(fn_ours, fn_base, args.repeats)
assert (r_o == r_b).all(), 'different ranks (chunks)'
rows.append(('20,000 pairs in 1,000-chunks', t_o, t_b))

print(f'evaluate ranking speed (best of {args.repeats}, dim {args.dim}, numpy {np.__version__})\n')
print('| case | codesearch_nb (ms) | plain numpy (ms) | ratio |')
print('|---|---:|---:|---:|')
for name, to, tb in rows: print(f'| {name} | {to*1e3:.1f} | {tb*1e3:.1f} | {to/tb:.2f}× |')
worst = max(to / tb for _, to, tb in rows)
print(f'\ntarget ≤ 1.20×: {"met" if worst <= 1.2 else "NOT met"} (worst {worst:.2f}×)')
