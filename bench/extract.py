#!/usr/bin/env python
"""Extraction throughput of `codesearch_nb`: full extraction beside a parse-only pass, 1 vs 2 workers, peak memory.

Per recipe and language it times, in the same run and on the same files:
  parse    tree-sitter parse of each file, nothing else (`extract.parse_only`), the baseline;
  extract  `extract.extract_file` of each file: parse, functions, docstrings, tokens, records.
The two passes alternate file by file (in a rotating order) and each total is the best of --repeat runs, so a
busy machine slows both alike. Then, once over the shards of all the recipes together (a large input, so that
fixed costs and the last shard's tail do not decide the result), the build's shard work (`corpus.extract_shard`:
extraction, filters, MinHash signatures, parquet) runs in this process (1w) and on a warm dask LocalCluster of
--workers processes (2w). Beside it, the same comparison for a pure-Python CPU loop gives this machine's ceiling at
that moment (another process on the machine lowers both). Start-up (cluster, worker imports, grammars) is reported
apart and not timed in 2w.
Targets: extract >= 0.5x parse for every language; 2 workers >= 1.7x one; peak memory < 1 GiB.
Usage: python bench/extract.py [--recipes stdlib,python,go,java,javascript,php,ruby,typescript,c,cpp,csharp,rust] [--max-mb 15] [--repeat 3] [--ws DIR]
Recipes download once into the workspace cache (pip / apt-get download / npm pack); --max-mb takes an evenly spaced
subset of each big recipe.
"""
import argparse, os, sys, time, tempfile, resource, logging, contextlib, io
from collections import defaultdict
from pathlib import Path
import pandas as pd
from codesearch_nb.core import CodeSearchError
from codesearch_nb.extract import extract_file, parse_only, lang_of_file, grammar_of
from codesearch_nb.sources import recipe_sources, list_files
from codesearch_nb.corpus import make_shards, extract_shard, Filters, code_version

def rss_mb(who=resource.RUSAGE_SELF): return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB

def subset(items, max_mb):
    "Every k-th item (a deterministic, evenly spaced subset) so that about `max_mb` MB remain."
    total = sum(x[-1] for x in items) / 1e6
    return items if not max_mb or total <= max_mb else items[::max(1, round(total / max_mb))]

def warm_worker():
    "Import everything a shard needs and run each grammar once, so that timed runs start warm."
    import codesearch_nb.corpus, datasketch, pyarrow.parquet  # noqa: F401
    from codesearch_nb.extract import extract_source
    from codesearch_nb.corpus import minhash_sigs
    for lang, src in (('python', 'def f(x):\n    "Doc."\n    return x\n'), ('java', 'class A { /** D. */ int f() { return 1; } }'),
                      ('go', '// F.\nfunc F() {}\n'), ('javascript', '/** D. */ function f() {}'),
                      ('php', '<?php /** D. */ function f() {}'), ('ruby', "# D.\ndef f\nend\n"), ('typescript', '/** D. */ function f(): void {}'),
                      ('tsx', '/** D. */ const f = () => <b/>;'), ('c', '/* D. */\nint f(void) { return 1; }'), ('cpp', '/// D.\nint A::f() { return 1; }'),
                      ('csharp', 'class A { /// <summary>D.</summary>\nint F() => 1; }'), ('rust', '/// D.\nfn f() {}')):
        extract_source(src, lang)
    minhash_sigs([['a', 'b']])
    return os.getpid()

def burn(n:int) -> int:
    "A pure-Python CPU loop: the machine's parallel ceiling."
    s = 0
    for i in range(n): s += i * i
    return s

def best_of(k, fn):
    "Best wall time of `k` runs of `fn` and the result of the last."
    ts = []
    for _ in range(k):
        t = time.perf_counter(); r = fn(); ts.append(time.perf_counter() - t)
    return min(ts), r

def parse_vs_extract(items, lang, repeat):
    "Wall and CPU seconds of parse-only and of extraction over `items`, interleaved file by file; best of `repeat`."
    passes = [('parse', lambda p, root: parse_only(open(p, 'rb').read(), grammar_of(lang, p))),  # `tsx` for a .tsx file
              ('extract', lambda p, root: extract_file(p, lang, root=root))]
    wall, cpu, nfun = defaultdict(list), defaultdict(list), 0
    paths = [(os.path.join(s.root, rel), s.root) for s, rel, _ in items]
    for _ in range(repeat):
        w, c = defaultdict(float), defaultdict(float)
        for i, (p, root) in enumerate(paths):
            for name, fn in (passes if i % 2 == 0 else passes[::-1]):
                t0, c0 = time.perf_counter(), time.process_time(); r = fn(p, root)
                w[name] += time.perf_counter() - t0; c[name] += time.process_time() - c0
                if name == 'extract': nfun += len(r[0])
        for k in w: wall[k].append(w[k]); cpu[k].append(c[k])
    return {k: min(v) for k, v in wall.items()}, {k: min(v) for k, v in cpu.items()}, nfun // repeat

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--recipes', default='stdlib'); ap.add_argument('--max-mb', type=float, default=15)
    ap.add_argument('--ws', default=str(Path(tempfile.gettempdir())/'codesearch_recipes_ws'))
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--repeat', type=int, default=3, help='best of this many runs of each timing (less noise on a busy machine)')
    ap.add_argument('--shard-mb', type=float, default=0.5)
    a = ap.parse_args()
    from dask.distributed import Client, LocalCluster
    t = time.perf_counter()
    cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR)
    client = Client(cluster)
    t_cluster = time.perf_counter() - t
    client.run(warm_worker); warm_worker()
    startup = time.perf_counter() - t
    rows, specs, code = [], [], code_version()
    for recipe in a.recipes.split(','):
        try:
            with contextlib.redirect_stdout(io.StringIO()): sources = recipe_sources(recipe, a.ws)  # (licence notices)
        except CodeSearchError as e: print(f'{recipe}: skipped: {e}'); continue
        per_lang = defaultdict(list)  # language -> [(source, rel, size)]
        for s in sources:
            fs, _ = list_files(s)
            for rel, size in fs: per_lang[lang_of_file(Path(s.root)/rel)].append((s, rel, size))  # a C++ `.h` is C++
        for lang, items in sorted(per_lang.items()):
            if sum(x[2] for x in items) < 500_000: continue  # a few stray files of another language
            items = subset(items, a.max_mb)
            mb = sum(len((Path(s.root)/rel).read_bytes()) for s, rel, _ in items) / 1e6  # also warms the page cache
            wall, cpu, nfun = parse_vs_extract(items, lang, a.repeat)
            by_src = defaultdict(list)
            for s, rel, size in items: by_src[id(s)].append((s, rel, size))
            for group in by_src.values():
                specs += make_shards(group[0][0], [(r, z) for _, r, z in group], Filters(), shard_mb=a.shard_mb, code=code)
            rows.append({'recipe': recipe, 'language': lang, 'files': len(items), 'MB': round(mb, 1), 'functions': nfun,
                         'parse MB/s': round(mb / wall['parse'], 2), 'extract MB/s': round(mb / wall['extract'], 2),
                         'extract fn/s': round(nfun / wall['extract']), 'extract/parse': round(wall['parse'] / wall['extract'], 2),
                         'extract/parse cpu': round(cpu['parse'] / cpu['extract'], 2)})
            print(pd.DataFrame(rows[-1:]).to_string(index=False, header=len(rows) == 1), flush=True)
    if not rows: sys.exit('no recipe could be measured')
    # 1 vs N workers over all shards together, largest first (as the build submits them)
    specs.sort(key=lambda s: -sum(s['sizes']))
    def shards(run):
        with tempfile.TemporaryDirectory() as d: return run(d)
    t1, kept = best_of(a.repeat, lambda: shards(lambda d: sum(extract_shard(sp, d)['kept'] for sp in specs)))
    t2, kept2 = best_of(a.repeat, lambda: shards(lambda d: sum(r['kept'] for r in client.gather(client.map(extract_shard, specs, out_dir=d, pure=False)))))
    assert kept == kept2, (kept, kept2)
    tb, _ = best_of(3, lambda: burn(1_000_000))
    n = max(1000, int(1e6 * t1 / len(specs) / tb))  # one unit per shard, about as much CPU work in all as the shards
    c1, _ = best_of(a.repeat, lambda: [burn(n) for _ in specs])
    c2, _ = best_of(a.repeat, lambda: client.gather(client.map(burn, [n] * len(specs), pure=False)))
    workers_rss = client.run(lambda: __import__('resource').getrusage(__import__('resource').RUSAGE_SELF).ru_maxrss / 1024)
    client.close(); cluster.close()
    total_mb = sum(r['MB'] for r in rows)
    print(f'\nstart-up (not timed below): dask LocalCluster of {a.workers} processes {t_cluster:.1f} s, warm imports and grammars '
          f'{startup - t_cluster:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs')
    print(pd.DataFrame(rows).to_string(index=False))
    tot_parse = sum(r['MB'] / r['parse MB/s'] for r in rows); tot_ext = sum(r['MB'] / r['extract MB/s'] for r in rows)
    print(f'all languages: {total_mb:.1f} MB, extract/parse {tot_parse / tot_ext:.2f} (min per language '
          f'{min(r["extract/parse"] for r in rows):.2f})')
    print(pd.DataFrame([{'work': f'shards of all recipes ({len(specs)} shards, {total_mb:.0f} MB, {kept:,} functions kept)',
                         '1w s': round(t1, 2), f'{a.workers}w s': round(t2, 2), 'speedup': round(t1 / t2, 2)},
                        {'work': 'pure-Python CPU loop, same units (the machine ceiling now)', '1w s': round(c1, 2),
                         f'{a.workers}w s': round(c2, 2), 'speedup': round(c1 / c2, 2)}]).to_string(index=False))
    print(f'peak RSS: this process {rss_mb():.0f} MiB; dask workers {max(workers_rss.values()):.0f} MiB max '
          f'(targets: extract/parse >= 0.5, speedup >= 1.7, memory < 1024 MiB)')

if __name__ == '__main__': main()
