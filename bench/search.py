#!/usr/bin/env python
"""Search benchmark: latency and recall of each faiss index kind at 100k and 1M vectors, build time, and an HTTP load run.

Two kinds of rows. *Distinct* (--distinct N): N different real functions, documented or not (the running interpreter's
standard library, then its site-packages), each embedded once (by the static model `minilm-static` with --run minilm-static,
384 dimensions): what a user's index looks like. *Perturbed* (--sizes): a stress test; vectors are real embeddings of a real corpus (the project's sample corpus, else functions of the running
interpreter's standard library) by a real encoder (a trained run with --run, else zero-shot MiniLM),
repeated with small Gaussian perturbations to reach each size. Queries are real: those of a CoSQA-format benchmark
(--benchmark; default CoSQA dev from the workspace's benchmarks/cosqa, filled by `codesearch benchmark download cosqa`),
else docstring summaries. The baseline in the same run is exact search
(`flat`), which also gives the ground truth for recall@10.

  python bench/search.py                      # 100k and 1M, all kinds, HTTP load at concurrency 32
  python bench/search.py --sizes 20000 --requests 300 --kinds flat hnsw   # quick
  python bench/search.py --run minilm-static --distinct 300000 --sizes 1000000 --requests 0   # the 384-d rows

Targets (2 CPU cores): p50 of query encoding + search <= 5 ms at 1M with recall@10 >= 0.95; build for 1M <= 120 s;
HTTP load: zero errors.
"""
from __future__ import annotations
import argparse, asyncio, gc, json, os, socket, subprocess, sys, tempfile, time, hashlib
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from codesearch_nb.core import l2norm, offline_env, ws_dir
from codesearch_nb.index import index_params, new_index, fill_index, index_functions, tune_nprobe


THREADS = dict(build=2, search=1)
EF_SWEEP = (256, 512)
NPROBE_SWEEP = (16, 32, 64, 128)   # further nprobe values tried on each IVF index
HNSW = dict(M=0, efConstruction=0)  # overrides of `index_params` for HNSW (--hnsw-m, --ef-construction); 0 keeps its default  # further efSearch values tried on each HNSW graph

def log(*a): print(*a, file=sys.stderr, flush=True)

def pct(a, q): return float(np.percentile(np.asarray(a, dtype=np.float64), q)) if len(a) else float('nan')


# ---------------------------------------------------------------- data
def corpus_frame(n_max: int, seed: int = 0):
    "Real function records: the running interpreter's standard library (tests excluded), extracted by `extract`."
    import pandas as pd
    from codesearch_nb.extract import extract_file
    lib = Path(os.__file__).parent
    recs = []
    for f in sorted(lib.rglob('*.py')):
        rel = f.relative_to(lib).parts
        if rel[0] in ('site-packages', 'dist-packages', 'test', 'idlelib', 'lib2to3') or 'tests' in rel: continue
        recs += extract_file(f, root=lib, repo='cpython')[0]
    df = pd.DataFrame(recs)
    df = df[df['code'].str.len() > 0].drop_duplicates('code')
    if len(df) > n_max: df = df.sample(n_max, random_state=seed)
    return df.reset_index(drop=True), 'Python standard library'


def distinct_frame(n: int, ws, seed: int = 0):
    "Up to `n` distinct real functions (documented or not): the standard library, then site-packages, in file order (cached in the workspace)."
    import pandas as pd, sysconfig
    from codesearch_nb.extract import extract_file
    p = ws_dir('cache', ws, create=True)/f'bench_search_distinct_{n}.parquet'
    if p.exists(): return pd.read_parquet(p), 'distinct functions of the standard library and site-packages'
    seen, recs = set(), []
    for root in (Path(sysconfig.get_paths()['stdlib']), Path(sysconfig.get_paths()['purelib'])):
        for f in sorted(root.rglob('*.py')):
            if 'site-packages' in f.relative_to(root).parts[:-1] and root.name != 'site-packages': continue
            try: rs = extract_file(f, root=root, repo=root.name)[0]
            except Exception: continue
            for r in rs:
                c = r.get('original_string') or r.get('code') or ''
                if c.strip() and c not in seen: seen.add(c); recs.append(dict(code=c, language=r['language'], docstring_summary=(r.get('docstring') or '').strip().split('\n\n')[0]))
            if len(recs) >= n: break
        if len(recs) >= n: break
    df = pd.DataFrame(recs[:n]); df.to_parquet(p, index=False)
    return df, 'distinct functions of the standard library and site-packages'


def real_queries(df, n: int, benchmark: str = 'cosqa', ws=None):
    "Real natural-language queries: those of CoSQA-format `benchmark` ('cosqa': CoSQA dev if downloaded), else docstring summaries."
    from codesearch_nb.core import CodeSearchError
    from codesearch_nb.evaluate import resolve_benchmark
    try:
        b = resolve_benchmark(benchmark, ws=ws)
        if b['kind'] != 'cosqa': raise CodeSearchError(f'{benchmark}: not a CoSQA-format benchmark')
    except CodeSearchError as e:
        if benchmark != 'cosqa': raise
        log(f'{e}; using docstring summaries as queries')
    else:
        qs = [d['doc'] for d in json.loads(Path(b['queries']).read_text())]
        return qs[:n], b['key']
    s = [x for x in df.get('docstring_summary', []) if isinstance(x, str) and len(x) > 10]
    return s[:n], 'docstring summaries'


def get_encoder(run: str | None, ws):
    "The encoder: run `run`'s; 'minilm' for zero-shot MiniLM; None: a neural bag of words trained here on the sample corpus."
    if run in ('minilm-static', 'minilm-onnx'):
        from codesearch_nb.encode import run_encoder
        return (run_encoder('minilm-static', ws), 'minilm-static (model2vec, 384-d)') if run == 'minilm-static' else (run_encoder('minilm', ws), 'minilm (ONNX)')
    if run == 'minilm':
        from codesearch_nb.models import minilm_encoder
        return minilm_encoder(), 'minilm (zero-shot)'
    from codesearch_nb.index import load_run_encoder
    if run: return load_run_encoder(run, ws), run
    import shutil
    from codesearch_nb.corpus import sample_corpus, sample_ws
    from codesearch_nb.train import train
    rid = 'bench-nbow'
    if not (ws_dir('runs', ws)/rid/'model.pt').exists():
        name = sample_corpus()
        if not (ws_dir('corpora', ws)/name).exists(): shutil.copytree(sample_ws()/'corpora'/name, ws_dir('corpora', ws)/name)
        log('training a neural bag of words on the sample corpus (no --run given)')
        import contextlib
        with contextlib.redirect_stdout(sys.stderr): train(name, 'nbow', epochs=5, seed=0, run_id=rid, ws=str(ws), wandb=False)
    return load_run_encoder(rid, ws), f'{rid} (NBoW, 5 epochs on the sample corpus)'


def cached_embeddings(enc, name, codes, langs, ws, bs=64):
    "Embeddings of `codes`, cached in the workspace (embedding is the slow part of a rerun)."
    key = hashlib.sha1((name + '\0' + '\0'.join(codes)).encode()).hexdigest()[:16]
    p = ws_dir('cache', ws, create=True)/f'bench_search_{key}.npy'
    if p.exists(): return np.load(p)
    from fastprogress.fastprogress import progress_bar
    if getattr(enc, 'batches_itself', False): bs = 8192  # sorts and budgets its own batches
    out = [enc.encode_code(codes[s:s+bs], langs[s:s+bs]) for s in progress_bar(range(0, len(codes), bs))]
    x = l2norm(np.concatenate(out)); np.save(p, x)
    return x


def grow(base: np.ndarray, n: int, mix: float = 0.6, noise: float = 0.3, seed: int = 0) -> np.ndarray:
    "`n` unit vectors: the real ones, then perturbed mixtures `a + u*b + noise` of two real ones (u ~ U(0, mix))."
    rng = np.random.default_rng(seed)
    d = base.shape[1]
    out = np.empty((n, d), np.float32)
    m = min(n, len(base)); out[:m] = base[:m]
    for s in range(m, n, 100_000):
        e = min(s + 100_000, n)
        a, b = base[rng.integers(0, len(base), e - s)], base[rng.integers(0, len(base), e - s)]
        u = rng.uniform(0, mix, (e - s, 1)).astype(np.float32)
        out[s:e] = l2norm(a + u * b + rng.standard_normal((e - s, d), dtype=np.float32) * (noise / np.sqrt(d)))
    return out


# ---------------------------------------------------------------- vector search
def bench_kind(kind, x, qv, truth, enc_ms, tune_q, k=10):
    import faiss
    n, d = x.shape
    params = index_params(n, d, kind)
    if kind == 'hnsw': params.update({k: v for k, v in HNSW.items() if v})
    faiss.omp_set_num_threads(THREADS['build'])
    t0 = time.perf_counter()
    ix = fill_index(new_index(params, d), x)
    if kind in ('ivf', 'ivfpq'):  # as `index_functions` does: tune nprobe on docstring summaries (not the test queries)
        params['nprobe'], params['tuned_recall'] = tune_nprobe(ix, [x], tune_q)
        params['tuned_recall'] = round(params['tuned_recall'], 3)
    build = time.perf_counter() - t0
    faiss.omp_set_num_threads(THREADS['search'])
    if kind == 'hnsw': ix.hnsw.efSearch = params['efSearch']
    if kind in ('ivf', 'ivfpq'): ix.nprobe = params['nprobe']
    ix.search(qv[:5], k)  # warm
    lat, found = [], []
    for i in range(len(qv)):
        t = time.perf_counter(); _, I = ix.search(qv[i:i+1], k); lat.append((time.perf_counter() - t) * 1e3)
        found.append(I[0])
    recall = float(np.mean([len(set(f) & set(t)) / k for f, t in zip(found, truth)]))
    tot = np.asarray(lat) + np.asarray(enc_ms[:len(lat)])
    sweep = []
    knob = {'hnsw': ('efSearch', EF_SWEEP), 'ivf': ('nprobe', NPROBE_SWEEP), 'ivfpq': ('nprobe', NPROBE_SWEEP)}.get(kind)
    for v in (knob[1] if knob else ()):  # the same index searched wider or narrower: recall against latency
        if knob[0] == 'efSearch': ix.hnsw.efSearch = v
        elif v >= params['nlist']: continue
        else: ix.nprobe = v
        l2, f2 = [], []
        for i in range(len(qv)):
            t = time.perf_counter(); _, I = ix.search(qv[i:i+1], k); l2.append((time.perf_counter() - t) * 1e3); f2.append(I[0])
        t2 = np.asarray(l2) + np.asarray(enc_ms[:len(l2)])
        sweep.append({knob[0]: v, 'search_p50': pct(l2, 50), 'search_p99': pct(l2, 99), 'total_p50': pct(t2, 50), 'total_p99': pct(t2, 99),
                      'recall': float(np.mean([len(set(a) & set(b)) / k for a, b in zip(f2, truth)]))})
    del ix; gc.collect()
    return dict(kind=kind, n=n, params={k_: v for k_, v in params.items() if k_ != 'kind'}, build_s=build,
                search_p50=pct(lat, 50), search_p99=pct(lat, 99), total_p50=pct(tot, 50), total_p99=pct(tot, 99), recall=recall, sweep=sweep)


# ---------------------------------------------------------------- HTTP load
def free_port():
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def child_serve(ws, port, run):
    "Run the real service (codesearch_nb.serve) with this benchmark's encoder for the deployed run."
    import codesearch_nb.serve as sv
    enc, _ = get_encoder(run, ws)
    sv._encoder = lambda run_id, ws=None: enc
    sv.serve(host='127.0.0.1', port=port, ws=ws)


async def load_run(url, queries, n_requests, concurrency):
    import httpx
    lat, errors, statuses = [], [], {}
    sem_q = iter(range(n_requests))
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=concurrency)) as c:
        async def worker():
            for i in sem_q:
                t = time.perf_counter()
                try:
                    r = await c.get(url, params=dict(q=queries[i % len(queries)], k=10))
                    statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                    if r.status_code != 200 or not r.json()['results']: errors.append(r.status_code)
                except Exception as e: errors.append(repr(e))
                lat.append((time.perf_counter() - t) * 1e3)
        t0 = time.perf_counter()
        await asyncio.gather(*[worker() for _ in range(concurrency)])
        wall = time.perf_counter() - t0
    return dict(requests=n_requests, concurrency=concurrency, wall_s=wall, rps=n_requests / wall,
                p50=pct(lat, 50), p99=pct(lat, 99), errors=len(errors), statuses=statuses)


def http_bench(df, x, enc_name, run, queries, ws, n_requests, concurrency):
    "Index the real corpus with its real embeddings, deploy it, serve it in a subprocess and load it over loopback."
    import httpx

    class Cached:  # the index build reuses the embeddings computed above
        name = enc_name
        def __init__(self): self.m = dict(zip(df['code'], x))
        def encode_code(self, codes, langs=None): return np.stack([self.m[c] for c in codes])
    rid = 'bench-http'
    rd = ws_dir('runs', ws)/rid; rd.mkdir(parents=True, exist_ok=True)
    (rd/'config.json').write_text(json.dumps(dict(bench=True, run=run, pretrained=run is None)))
    (rd/'metrics.json').write_text('{}')
    index_functions(df, rd/'index', Cached(), rebuild=True, info=dict(run_id=rid))
    from codesearch_nb.serve import _switch
    _switch(dict(action='deploy', run_id=rid, by='bench', at=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), metrics={}), ws)
    port = free_port()
    cmd = [sys.executable, __file__, '--child-serve', str(ws), str(port)] + (['--run', run] if run else [])
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f'http://127.0.0.1:{port}'
        for _ in range(600):
            if p.poll() is not None: raise RuntimeError('server exited: ' + p.stderr.read().decode()[-2000:])
            try:
                if httpx.get(base + '/health', timeout=2).status_code == 200: break
            except httpx.HTTPError: pass
            time.sleep(0.5)
        asyncio.run(load_run(base + '/search', queries, min(64, n_requests), concurrency))  # warm-up
        res = asyncio.run(load_run(base + '/search', queries, n_requests, concurrency))
        res['index_size'] = len(df)
        return res
    finally:
        p.terminate()
        try: p.wait(10)
        except subprocess.TimeoutExpired: p.kill()


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--run', help="trained run whose encoder embeds; 'minilm' for zero-shot MiniLM (default: train a small NBoW here)")
    ap.add_argument('--sizes', type=int, nargs='+', default=[100_000, 1_000_000])
    ap.add_argument('--kinds', nargs='+', default=['flat', 'hnsw', 'ivf', 'ivfpq'])
    ap.add_argument('--distinct', type=int, default=0, help='also run every kind on this many distinct real functions (no perturbation)')
    ap.add_argument('--distinct-kinds', nargs='+', default=None, help='index kinds for the distinct rows (default: --kinds)')
    ap.add_argument('--hnsw-m', type=int, default=0, help='HNSW links per node (default: index_params)')
    ap.add_argument('--ef-construction', type=int, default=0, help='HNSW efConstruction (default: index_params)')
    ap.add_argument('--base', type=int, default=20000, help='real functions embedded (then perturbed to each size)')
    ap.add_argument('--queries', type=int, default=200)
    ap.add_argument('--benchmark', default='cosqa', help="CoSQA-format folder or query file whose queries are searched "
                    "(default 'cosqa': the workspace's benchmarks/cosqa, else docstring summaries)")
    ap.add_argument('--requests', type=int, default=2000, help='HTTP requests in the load run (0: skip)')
    ap.add_argument('--concurrency', type=int, default=32)
    ap.add_argument('--threads', type=int, default=2, help='CPU threads for building (searches use 1, as the service does)')
    ap.add_argument('--workspace', default=None)
    ap.add_argument('--json', default=None, help='also write the results here')
    ap.add_argument('--child-serve', nargs=2, metavar=('WS', 'PORT'), help=argparse.SUPPRESS)
    a = ap.parse_args()
    offline_env(a.workspace)
    if a.child_serve: return child_serve(a.child_serve[0], int(a.child_serve[1]), a.run)

    import faiss
    THREADS['build'] = a.threads
    HNSW.update(M=a.hnsw_m, efConstruction=a.ef_construction)
    faiss.omp_set_num_threads(a.threads)
    if a.run not in ('minilm-static', 'minilm-onnx'): import torch; torch.set_num_threads(1)
    ws = Path(a.workspace) if a.workspace else Path(tempfile.mkdtemp(prefix='bench_search_'))
    enc, enc_name = get_encoder(a.run, ws)
    df, src = corpus_frame(a.base)
    log(f'{len(df):,} functions from the {src}; embedding with {enc_name}')
    base = cached_embeddings(enc, enc_name, df['code'].tolist(), df['language'].tolist(), ws)
    queries, qsrc = real_queries(df, a.queries, a.benchmark, a.workspace)
    enc.encode_queries(queries[:3])
    enc_ms, qv = [], []
    for q in queries:
        t = time.perf_counter(); v = enc.encode_queries([q]); enc_ms.append((time.perf_counter() - t) * 1e3); qv.append(v[0])
    qv = l2norm(np.stack(qv))
    summ = df['docstring_summary'][df['docstring_summary'].str.len() > 10]
    tune_q = l2norm(enc.encode_queries(summ.sample(min(200, len(summ)), random_state=1).tolist()))
    d = base.shape[1]
    log(f'{len(queries)} queries ({qsrc}); encode p50 {pct(enc_ms, 50):.2f} ms; dim {d}')

    rows = []
    if a.distinct:
        dfd, dsrc = distinct_frame(a.distinct, ws)
        log(f'{len(dfd):,} {dsrc}; embedding with {enc_name}')
        t = time.perf_counter(); xd = cached_embeddings(enc, enc_name, dfd['code'].tolist(), dfd['language'].tolist(), ws)
        log(f'  embedded in {time.perf_counter() - t:.1f}s (0 when cached)')
        gt = faiss.IndexFlatIP(d); gt.add(xd); _, truth = gt.search(qv, 10); del gt
        for kind in a.distinct_kinds or a.kinds:
            log(f'distinct n={len(xd):,} {kind}: building…')
            r = bench_kind(kind, xd, qv, truth, enc_ms, tune_q); r['data'] = 'distinct'; rows.append(r)
            rows += [{**r, **w, 'params': {**r['params'], **{k_: w[k_] for k_ in ('efSearch', 'nprobe') if k_ in w}}, 'sweep': []} for w in r['sweep']]
            log(f"  {r['params']}  build {r['build_s']:.1f}s  search p50 {r['search_p50']:.2f} ms  recall@10 {r['recall']:.3f}")
        del xd; gc.collect()
    for n in [n for n in a.sizes if n > 0]:  # --sizes 0: distinct rows only
        x = grow(base, n)
        gt = faiss.IndexFlatIP(d); gt.add(x); _, truth = gt.search(qv, 10); del gt
        for kind in a.kinds:
            log(f'n={n:,} {kind}: building…')
            r = bench_kind(kind, x, qv, truth, enc_ms, tune_q); r['data'] = 'perturbed'; rows.append(r)
            rows += [{**r, **w, 'params': {**r['params'], **{k_: w[k_] for k_ in ('efSearch', 'nprobe') if k_ in w}}, 'sweep': []} for w in r['sweep']]
            log(f"  {r['params']}  build {r['build_s']:.1f}s  search p50 {r['search_p50']:.2f} ms  p99 {r['search_p99']:.2f} ms  recall@10 {r['recall']:.3f}")
        del x; gc.collect()

    http = None
    if a.requests:
        log(f'HTTP load: {a.requests} requests at concurrency {a.concurrency}')
        http = http_bench(df, base, enc_name, a.run, queries, ws, a.requests, a.concurrency)

    print(f'\n## Search benchmark ({os.cpu_count()} CPU cores, faiss {faiss.__version__}, {a.threads} threads)\n')
    print(f'Encoder: {enc_name}, dim {d}; {len(base):,} real embeddings ({src}) grown to each size by perturbed mixtures of two; '
          f'{len(queries)} real queries ({qsrc}). Query encoding alone: p50 {pct(enc_ms, 50):.2f} ms, p99 {pct(enc_ms, 99):.2f} ms.\n')
    print('| data | vectors | index | parameters | build s | search p50 ms | search p99 ms | encode+search p50 ms | encode+search p99 ms | recall@10 vs exact |')
    print('|---|---:|---|---|---:|---:|---:|---:|---:|---:|')
    for r in rows:
        ps = ', '.join(f'{k}={v}' for k, v in r['params'].items()) or 'exact'
        print(f"| {r['data']} | {r['n']:,} | {r['kind']} | {ps} | {r['build_s']:.1f} | {r['search_p50']:.2f} | {r['search_p99']:.2f} | "
              f"{r['total_p50']:.2f} | {r['total_p99']:.2f} | {r['recall']:.3f} |")
    if http:
        print(f"\nHTTP load (loopback, real service, index of {http['index_size']:,} functions): {http['requests']} requests at concurrency "
              f"{http['concurrency']}: {http['rps']:.1f} req/s, p50 {http['p50']:.1f} ms, p99 {http['p99']:.1f} ms, "
              f"errors {http['errors']} (status counts {http['statuses']})")
    best = [r for r in rows if r['n'] >= 1_000_000 and r['recall'] >= 0.95]
    if best:
        b = min(best, key=lambda r: r['total_p50'])
        print(f"\nTargets at 1M: fastest index with recall@10 >= 0.95 is {b['kind']}: encode+search p50 {b['total_p50']:.2f} ms "
              f"(target <= 5), search p50 {b['search_p50']:.2f} ms, build {b['build_s']:.1f} s (target <= 120)")
    if a.json: Path(a.json).write_text(json.dumps(dict(rows=rows, http=http, encoder=enc_name, dim=d, enc_p50=pct(enc_ms, 50)), indent=1))
    if http and http['errors']: sys.exit(1)


if __name__ == '__main__':
    main()
