"""Index a repository with a model and time what a user waits for: the first index, a re-index after one file
changes, and queries (encoding included, in a warm process, as the service and the MCP server answer them).

    python bench/index_repo.py PATH [--model minilm] [--backend auto|onnx|onnx-int8|torch] [--workers 2]
                               [--rerank RUN --rerank-ws WS --rerank-k 20 50]

It also times a cold `codesearch query` (a fresh process, as in a terminal) on the shared inference path (ONNX or a
static model: tokenizers + onnxruntime, no torch) against the same query with `CODESEARCH_BACKEND=torch`, in the same run.

With --rerank (a reranker run of workspace WS, copied into the bench's workspace) it also times the same queries
two-stage, the first stage's top `rerank_k` re-scored by the cross-encoder, at k=10, as a ratio against the first stage
alone measured in the same process; and a cold `codesearch query --rerank`.

Columns follow the peer tables of code-search tools (index time, functions/s, query p50/p95). The folder is
copied first, so the file edited for the re-index is a copy.
"""
import argparse, shutil, tempfile, time, contextlib, io, os, subprocess, sys
from pathlib import Path
import numpy as np

QUERIES = ['read a file', 'parse command line arguments', 'send an http request', 'retry on failure', 'split a string into words',
           'load a json file', 'start a web server', 'compute the mean of a list', 'sort items by key', 'write rows to a csv file',
           'create a temporary directory', 'convert a date to a string', 'check whether a path exists', 'hash a password',
           'log an error message', 'download a file', 'compress data with gzip', 'find files matching a pattern',
           'open a database connection', 'format a number as currency']


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('path'); ap.add_argument('--model', default='minilm'); ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--backend', default=None, help='encoder backend (default: auto)'); ap.add_argument('--workers', type=int, default=1)
    ap.add_argument('--cold', type=int, default=2, help='cold `codesearch query` runs per backend (0: skip)')
    ap.add_argument('--rerank', default=None, help='a reranker run (`codesearch rerank train`) to time two-stage queries with')
    ap.add_argument('--rerank-ws', default=None, help="the reranker run's workspace (default: $CODESEARCH_HOME or ./codesearch_workspace)")
    ap.add_argument('--rerank-k', type=int, nargs='+', default=[20, 50], help='candidates re-scored per query')
    a = ap.parse_args()
    from codesearch_nb.index import build_index, run_searcher
    tmp = Path(tempfile.mkdtemp()); src = tmp/'repo'; ws = tmp/'ws'
    shutil.copytree(a.path, src, ignore=shutil.ignore_patterns('.git', '__pycache__', 'node_modules'), symlinks=True)
    quiet = lambda: contextlib.redirect_stdout(io.StringIO())
    t = time.time()
    with quiet(): meta = build_index(a.model, source=[str(src)], ws=ws, backend=a.backend, workers=a.workers)
    first = time.time() - t
    f = next(p for p in sorted(src.rglob('*.py')) if p.stat().st_size > 200)
    f.write_text(f.read_text() + '\n\ndef added_by_bench(x):\n    "Double x."\n    return 2 * x\n')
    t = time.time()
    with quiet(): m2 = build_index(a.model, source=[str(src)], ws=ws, backend=a.backend)
    again = time.time() - t
    s = run_searcher(a.model, ws); s.search(['warm up'], k=10)
    lat = []
    for _ in range(a.repeat):
        for q in QUERIES:
            t = time.perf_counter(); s.search([q], k=10); lat.append((time.perf_counter() - t) * 1e3)
    files = len({r for r in s.table.path[s.table.live]})
    two = {}
    if a.rerank:
        from codesearch_nb.core import workspace
        shutil.copytree(workspace(a.rerank_ws)/'runs'/a.rerank, ws/'runs'/a.rerank)
        for rk in a.rerank_k:
            s = run_searcher(a.model, ws, rerank=a.rerank, rerank_k=rk); s.search(['warm up'], k=10)
            for q in QUERIES:
                t = time.perf_counter(); s.search([q], k=10); two.setdefault(rk, []).append((time.perf_counter() - t) * 1e3)
        mlen = s.reranker.max_len
        run_searcher(a.model, ws)  # back to one stage
    cold = {}
    if a.cold:
        from codesearch_nb.serve import deploy
        with quiet(): deploy(a.model, ws=ws)
        cli = [sys.executable, '-c', 'import sys; from codesearch_nb.cli import main; sys.argv[0] = "codesearch"; main()', 'query', 'read a file', '-k', '5']
        for _ in range(a.cold):
            for b in (a.backend or 'auto', 'torch'):
                env = {**os.environ, 'CODESEARCH_HOME': str(ws), 'CODESEARCH_BACKEND': b}
                t = time.perf_counter(); r = subprocess.run(cli, env=env, capture_output=True, text=True); dt = time.perf_counter() - t
                if r.returncode: raise SystemExit(f'codesearch query failed with backend {b}: {r.stderr[-500:]}')
                cold.setdefault(b, []).append(dt)
        if a.rerank:
            env = {**os.environ, 'CODESEARCH_HOME': str(ws)}
            for _ in range(a.cold):
                t = time.perf_counter(); r = subprocess.run(cli + ['--rerank', a.rerank, '--rerank-k', str(a.rerank_k[0])], env=env, capture_output=True, text=True)
                if r.returncode: raise SystemExit(f'codesearch query --rerank failed: {r.stderr[-500:]}')
                cold.setdefault('rerank', []).append(time.perf_counter() - t)
    n = int(meta['live'])
    print(f'\n{a.path} with {a.model} (backend {a.backend or "auto"}, {a.workers} worker(s); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)\n')
    print('| files | functions | first index s | functions/s | re-index after 1 file s | embedded again | query p50 ms | query p95 ms |')
    print('|---:|---:|---:|---:|---:|---:|---:|---:|')
    print(f"| {files:,} | {n:,} | {first:.1f} | {n / first:.1f} | {again:.1f} | {m2['last_update']['embedded']} | {np.percentile(lat, 50):.1f} | {np.percentile(lat, 95):.1f} |")
    if cold:
        b = a.backend or 'auto'
        print(f"\ncold `codesearch query` (fresh process): {b} {np.median(cold[b]):.2f} s, torch {np.median(cold['torch']):.2f} s "
              f"(median of {a.cold}; {np.median(cold['torch']) / np.median(cold[b]):.1f}x faster)")
        if 'rerank' in cold: print(f"cold `codesearch query --rerank {a.rerank} --rerank-k {a.rerank_k[0]}`: {np.median(cold['rerank']):.2f} s (median of {a.cold})")
    if two:
        base = np.percentile(lat, 50)
        print(f'\ntwo-stage queries at k=10 (reranker {a.rerank}, max_len {mlen}; {len(QUERIES)} queries, warm process)\n')
        print('| search | query p50 ms | query p95 ms | p50 vs first stage alone |')
        print('|---|---:|---:|---:|')
        print(f"| first stage alone ({a.model}) | {base:.1f} | {np.percentile(lat, 95):.1f} | 1.0x |")
        for rk, l in two.items():
            print(f"| + reranker, rerank_k={rk} | {np.percentile(l, 50):.1f} | {np.percentile(l, 95):.1f} | {np.percentile(l, 50) / base:.1f}x |")


if __name__ == '__main__': main()
