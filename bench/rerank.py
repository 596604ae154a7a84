"""Latency of the second stage: re-scoring each query's top k with a cross-encoder, per query, on this machine.

Queries and functions come from the bundled CoSQA-format sample (web queries, real functions). The first stage is
MiniLM over the same functions, timed per query the same way; the table shows the reranker's p50/p95 per query
for each k and length, and its ratio to the first stage's p50. Latency does not depend on what the weights learnt,
so without `--run` an untrained cross-encoder of the same shape (`--base`, `--max-len`) is timed.

    python bench/rerank.py                      # k = 10, 20, 50 at 96, 128 and 160 word pieces, 6 and 3 layers, bf16 and fp32
    python bench/rerank.py --run RUN --ws WS    # a trained reranker run
"""
import argparse, time
import numpy as np, pandas as pd


def per_query(fn, queries, warm=2):
    "Seconds of `fn(q)` for each query, after `warm` untimed calls."
    for q in queries[:warm]: fn(q)
    out = []
    for q in queries:
        t = time.perf_counter(); fn(q); out.append(time.perf_counter() - t)
    return np.array(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--run', help='a reranker run (default: an untrained cross-encoder of --base)')
    ap.add_argument('--ws', help='workspace of --run')
    ap.add_argument('--base', default='minilm')
    ap.add_argument('--ks', default='10,20,50')
    ap.add_argument('--max-len', default='96,128,160')
    ap.add_argument('--layers', default='0,3', help='transformer layers kept (0: all)')
    ap.add_argument('--dtypes', default='bf16,fp32')
    ap.add_argument('--queries', type=int, default=20, help='timed queries per setting')
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    from codesearch_nb.core import bundled_data
    from codesearch_nb.evaluate import read_cosqa
    from codesearch_nb.models import pretrained_encoder
    from codesearch_nb.rerank import CrossEncoder, load_reranker, score_pairs
    d = bundled_data('cosqa-stdlib')
    b = read_cosqa(next(d.glob('cosqa-retrieval-*.json')))
    queries, codes = b['queries'][:a.queries], b['codes']
    enc = pretrained_encoder('minilm')
    C = enc.encode_code(codes)
    first = per_query(lambda q: np.argsort(-(enc.encode_queries([q]) @ C.T)[0]), queries)
    S = enc.encode_queries(queries) @ C.T
    rows = [dict(stage='first: MiniLM encode + exact search', layers=6, k='', max_len='', dtype='fp32', p50_ms=np.median(first) * 1e3,
                 p95_ms=np.percentile(first, 95) * 1e3, ratio=1.0)]
    for L, nl in [(L, nl) for nl in map(int, a.layers.split(',')) for L in map(int, a.max_len.split(','))]:
        if a.run and nl: continue  # a trained run keeps its own layers
        ce = load_reranker(a.run, a.ws) if a.run else CrossEncoder(a.base, L, layers=nl)
        ce.max_len = L
        for bf16 in [d == 'bf16' for d in a.dtypes.split(',')]:
            ce.bf16 = bf16
            for k in map(int, a.ks.split(',')):
                top = {q: np.argsort(-S[i])[:k] for i, q in enumerate(queries)}
                t = per_query(lambda q: score_pairs(ce, [q] * k, [codes[j] for j in top[q]], bs=k), queries)
                rows.append(dict(stage='second: cross-encoder', layers=ce.layers, k=k, max_len=L, dtype='bf16' if bf16 else 'fp32', p50_ms=np.median(t) * 1e3,
                                 p95_ms=np.percentile(t, 95) * 1e3, ratio=np.median(t) / np.median(first)))
    df = pd.DataFrame(rows)
    print(f'{len(queries)} queries, {len(codes):,} functions, {a.threads} threads, load average {open("/proc/loadavg").read().split()[0]}')
    print(df.to_string(index=False, float_format=lambda v: f'{v:.1f}'))


if __name__ == '__main__':
    main()
