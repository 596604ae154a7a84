"""Index a repository with a model and time what a user waits for: the first index, a re-index after one file
changes, and queries (encoding included, in a warm process, as the service and the MCP server answer them).

    python bench/index_repo.py PATH [--model minilm]

Columns follow the peer tables of code-search tools (index time, functions/s, query p50/p95). The folder is
copied first, so the file edited for the re-index is a copy.
"""
import argparse, shutil, tempfile, time, contextlib, io
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
    a = ap.parse_args()
    from codesearch_nb.index import build_index, run_searcher
    tmp = Path(tempfile.mkdtemp()); src = tmp/'repo'; ws = tmp/'ws'
    shutil.copytree(a.path, src, ignore=shutil.ignore_patterns('.git', '__pycache__', 'node_modules'), symlinks=True)
    quiet = lambda: contextlib.redirect_stdout(io.StringIO())
    t = time.time()
    with quiet(): meta = build_index(a.model, source=[str(src)], ws=ws)
    first = time.time() - t
    f = next(p for p in sorted(src.rglob('*.py')) if p.stat().st_size > 200)
    f.write_text(f.read_text() + '\n\ndef added_by_bench(x):\n    "Double x."\n    return 2 * x\n')
    t = time.time()
    with quiet(): m2 = build_index(a.model, source=[str(src)], ws=ws)
    again = time.time() - t
    s = run_searcher(a.model, ws); s.search(['warm up'], k=10)
    lat = []
    for _ in range(a.repeat):
        for q in QUERIES:
            t = time.perf_counter(); s.search([q], k=10); lat.append((time.perf_counter() - t) * 1e3)
    files = len({r for r in s.table.path[s.table.live]})
    n = int(meta['live'])
    print(f'\n{a.path} with {a.model}\n')
    print('| files | functions | first index s | functions/s | re-index after 1 file s | embedded again | query p50 ms | query p95 ms |')
    print('|---:|---:|---:|---:|---:|---:|---:|---:|')
    print(f"| {files:,} | {n:,} | {first:.1f} | {n / first:.1f} | {again:.1f} | {m2['last_update']['embedded']} | {np.percentile(lat, 50):.1f} | {np.percentile(lat, 95):.1f} |")


if __name__ == '__main__': main()
