#!/usr/bin/env python
"""Extraction throughput of `codesearch_nb`: full extraction beside a parse-only pass, 1 vs 2 workers, peak memory.

For each recipe (default: stdlib) and language it times, in the same run and on the same files:
  parse    tree-sitter parse of each file, nothing else (`extract.parse_only`), the baseline;
  extract  `extract.extract_file` of each file: parse, functions, docstrings, tokens, records;
  1w / 2w  the build's shard work (`corpus.extract_shard`: extraction, filters, MinHash signatures, parquet)
           in this process, then on a warm 2-process dask LocalCluster (its start-up is reported apart).
Targets (issue 2): extract >= 0.5x parse; 2 workers >= 1.7x one; peak memory < 1 GiB.
Usage: python bench/extract.py [--recipes stdlib,python,go,java,javascript,php,ruby] [--max-mb 40] [--ws DIR]
Files are read once before timing (page cache); both passes read and then parse each file. Throughputs are wall-clock;
`extract/parse cpu` is the same ratio in CPU time, which stays meaningful when other processes load the machine
(the load average is printed: on a loaded machine the 2-worker speedup cannot show). Recipes download once into
the workspace cache (pip / apt-get download / npm pack); --max-mb takes an evenly spaced subset of big recipes.
"""
import argparse, os, sys, time, json, shutil, tempfile, resource, logging
from collections import Counter, defaultdict
from pathlib import Path
import pandas as pd
from codesearch_nb.core import CodeSearchError
from codesearch_nb.extract import extract_file, parse_only, lang_of
from codesearch_nb.corpus import recipe_sources, list_files, make_shards, extract_shard, Filters, code_version

def rss_mb(who=resource.RUSAGE_SELF): return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB

def subset(items, max_mb):
    "Every k-th item (a deterministic, evenly spaced subset) so that about `max_mb` MB remain."
    total = sum(x[-1] for x in items) / 1e6
    return items if not max_mb or total <= max_mb else items[::max(1, round(total / max_mb))]

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--recipes', default='stdlib'); ap.add_argument('--max-mb', type=float, default=40)
    ap.add_argument('--ws', default=str(Path(tempfile.gettempdir())/'codesearch_recipes_ws'))
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--repeat', type=int, default=1, help='best of this many runs of each timing (less noise on a busy machine)')
    a = ap.parse_args()
    from dask.distributed import Client, LocalCluster
    t = time.perf_counter()
    cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster)
    client.run(lambda: __import__('codesearch_nb.corpus'))  # warm: workers import tree-sitter and the grammars
    startup = time.perf_counter() - t
    rows, code = [], code_version()
    for recipe in a.recipes.split(','):
        try: sources = recipe_sources(recipe, a.ws)
        except CodeSearchError as e: print(f'{recipe}: skipped: {e}'); continue
        per_lang = defaultdict(list)  # language -> [(source, rel, size)]
        for s in sources:
            fs, _ = list_files(s)
            for rel, size in fs: per_lang[lang_of(rel)].append((s, rel, size))
        for lang, items in sorted(per_lang.items()):
            if sum(x[2] for x in items) < 500_000: continue  # a few stray files of another language
            items = subset(items, a.max_mb)
            mb = sum(len((Path(s.root)/rel).read_bytes()) for s, rel, _ in items) / 1e6  # also warms the page cache
            def best(fn):
                "Best (wall, cpu, result) of `a.repeat` runs of `fn`."
                out = []
                for _ in range(a.repeat):
                    t, c = time.perf_counter(), time.process_time(); r = fn()
                    out.append((time.perf_counter() - t, time.process_time() - c, r))
                return min(out, key=lambda x: x[0]), min(x[1] for x in out)
            (t_parse, _, _), c_parse = best(lambda: sum(1 for s, rel, _ in items if parse_only((Path(s.root)/rel).read_bytes(), lang) is not None))
            (t_ext, _, nfun), c_ext = best(lambda: sum(len(extract_file(Path(s.root)/rel, lang, root=s.root, repo=s.repo)[0]) for s, rel, _ in items))
            specs = []
            by_src = defaultdict(list)
            for s, rel, size in items: by_src[id(s)].append((s, rel, size))
            for group in by_src.values():
                specs += make_shards(group[0][0], [(r, z) for _, r, z in group], Filters(), shard_mb=0.5, code=code)
            def shards(run):
                with tempfile.TemporaryDirectory() as d: return run(d)
            (t1, _, _), _ = best(lambda: shards(lambda d: [extract_shard(sp, d)['kept'] for sp in specs]))
            (t2, _, _), _ = best(lambda: shards(lambda d: client.gather(client.map(extract_shard, specs, out_dir=d, pure=False))))
            rows.append({'recipe': recipe, 'language': lang, 'files': len(items), 'MB': round(mb, 1), 'functions': nfun,
                         'parse MB/s': round(mb / t_parse, 2), 'extract MB/s': round(mb / t_ext, 2), 'extract fn/s': round(nfun / t_ext),
                         'extract/parse': round(t_parse / t_ext, 2), 'extract/parse cpu': round(c_parse / c_ext, 2), 'shards': len(specs), '1w s': round(t1, 2), f'{a.workers}w s': round(t2, 2),
                         'speedup': round(t1 / t2, 2)})
            print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1), flush=True)
    workers_rss = client.run(lambda: __import__('resource').getrusage(__import__('resource').RUSAGE_SELF).ru_maxrss / 1024)
    client.close(); cluster.close()
    print(f'\ndask LocalCluster start-up ({a.workers} workers, warm imports): {startup:.1f} s; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs')
    print(pd.DataFrame(rows).to_string(index=False))
    print(f'peak RSS: this process {rss_mb():.0f} MiB; dask workers {max(workers_rss.values()):.0f} MiB max '
          f'(targets: extract/parse >= 0.5, speedup >= 1.7, memory < 1024 MiB)')

if __name__ == '__main__': main()
