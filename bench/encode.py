#!/usr/bin/env python
"""Encoder throughput: functions/s, peak memory and CoSQA dev MRR of each inference path, on the same texts in one run.

Paths (all MiniLM = all-MiniLM-L6-v2, code cut at 256 tokens, queries at 64, the same threads):
  baseline   plain sentence-transformers `encode`, fp32, batches of 32 texts in the given order (unsorted)
  torch      `encode.run_encoder(backend='torch')`: torch, length-sorted batches under a token budget
  onnx       ONNX Runtime fp32 (exported from the local weights, checked against torch)
  onnx-int8  ONNX Runtime, dynamic int8 (per-channel weights)
  torch-bf16 torch, sorted as above, autocast to bfloat16 (fast where the CPU has AVX-512 BF16 or AMX)
  auto       the default of `run_encoder`: ONNX for queries and small batches, torch-bf16 for bulk code where the CPU
             has bf16 instructions, else ONNX fp32
  static     `minilm-static`, the model2vec static model distilled from MiniLM

Texts: a sample of the 6,267 CoSQA functions, of the standard-library functions and of a bigger corpus (the functions of
the installed site-packages), the same for every path. Throughput: all paths are loaded in one process and take turns
on slices of the same texts (round robin), so a shared machine's load falls on all of them alike; it is reported as a
ratio to the baseline. Peak memory: each path alone in a fresh process (max RSS after loading it and encoding the
longest texts). CoSQA dev MRR: each path in --mrr encodes all 6,267 functions and the 500 queries.

  python bench/encode.py                       # the table
  python bench/encode.py --n 100 --mrr onnx-int8 static    # quick
"""
from __future__ import annotations
import argparse, json, os, resource, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
COSQA = ROOT.parent/'shared'/'data'/'cosqa'
PATHS = ('baseline', 'torch', 'onnx', 'onnx-int8', 'torch-bf16', 'auto', 'static')

def log(*a): print(*a, file=sys.stderr, flush=True)

def py_functions(root:Path, skip=(), n:int|None=None, seed:int=0) -> list[str]:
    "Distinct sources (`original_string`) of the Python functions under `root` (a sample of `n`)."
    from codesearch_nb.extract import extract_file
    files = [f for f in sorted(root.rglob('*.py')) if not set(f.relative_to(root).parts[:-1]) & set(skip)]
    rng = np.random.default_rng(seed)
    if n: files = [files[i] for i in sorted(rng.choice(len(files), min(len(files), max(200, n // 4)), replace=False))]
    out = {}
    for f in files:
        try: recs = extract_file(f, root=root, repo='x')[0]
        except Exception: continue
        for r in recs:
            s = r.get('original_string') or r.get('code') or ''
            if s.strip(): out.setdefault(s, None)
    out = list(out)
    if n and len(out) > n: out = [out[i] for i in sorted(rng.choice(len(out), n, replace=False))]
    return out

def text_sets(n:int, big:int, cache:Path) -> dict:
    "The three sets of texts (cached in `cache`, so every path reads the same)."
    p = cache/f'texts-{n}-{big}.json'
    if p.exists(): return json.loads(p.read_text())
    import sysconfig
    from codesearch_nb.evaluate import read_cosqa
    b = read_cosqa(COSQA/'cosqa-retrieval-dev-500.json')
    std = Path(sysconfig.get_paths()['stdlib']); site = Path(sysconfig.get_paths()['purelib'])
    sets = dict(cosqa=dict(codes=b['codes'], queries=b['queries'], gold=b['gold'].tolist()),
                stdlib=dict(codes=py_functions(std, ('site-packages', 'test', 'tests', 'idlelib', 'lib2to3'), n, 1)),
                site=dict(codes=py_functions(site, ('tests', 'test'), big, 2)))
    p.write_text(json.dumps(sets)); return sets

def make_encoder(path:str, threads:int):
    "The encoder of `path`: an object with `encode_code` and `encode_queries`."
    from codesearch_nb.core import minilm_path, offline_env
    from codesearch_nb.encode import run_encoder
    offline_env()
    if path == 'baseline':
        import torch
        from sentence_transformers import SentenceTransformer
        torch.set_num_threads(threads)
        st = SentenceTransformer(str(minilm_path()), device='cpu'); st.max_seq_length = 256
        class ST:
            def _enc(self, texts, n):
                st.max_seq_length = n
                return np.concatenate([st.encode(texts[s:s + 32], batch_size=32, normalize_embeddings=True, show_progress_bar=False)
                                       for s in range(0, len(texts), 32)]) if texts else np.zeros((0, 384), np.float32)
            def encode_code(self, texts): return self._enc(list(texts), 256)
            def encode_queries(self, texts): return self._enc(list(texts), 64)
        return ST()
    if path == 'static': return run_encoder('minilm-static', threads=threads)
    return run_encoder('minilm', backend=path, threads=threads)

def rss_mb() -> float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def peak(path:str, texts:Path, threads:int):
    "Peak RSS (MB) of `path` alone: load it, encode the 64 longest texts of the sample and 64 queries."
    sets = json.loads(texts.read_text())
    codes = sorted((c for s in sets.values() for c in s['codes']), key=len)[-64:]
    enc = make_encoder(path, threads); enc.encode_code(codes); enc.encode_queries(sets['cosqa']['queries'][:64])
    print(json.dumps(dict(path=path, peak_mb=rss_mb())))

def mrr(enc, cosqa:dict) -> float:
    "CoSQA dev MRR: every query's rank of its function among all 6,267."
    S = enc.encode_queries(cosqa['queries']) @ enc.encode_code(cosqa['codes']).T
    g = np.asarray(cosqa['gold']); r = (S > S[np.arange(len(g)), g][:, None]).sum(1) + 1
    return float(np.mean(1 / r))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--paths', nargs='+', default=list(PATHS), choices=PATHS)
    ap.add_argument('--n', type=int, default=300, help='functions of each set timed (CoSQA, stdlib, site-packages)')
    ap.add_argument('--rounds', type=int, default=6, help='turns each path takes on each set')
    ap.add_argument('--mrr', nargs='*', default=list(PATHS), choices=PATHS, help='paths whose CoSQA dev MRR is measured (all 6,267 functions each)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=None, help='folder for texts and results (default: a temporary one)')
    ap.add_argument('--peak', nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.peak: return peak(a.peak[0], Path(a.peak[1]), a.threads)
    out = Path(a.out or tempfile.mkdtemp(prefix='bench_encode_')); out.mkdir(parents=True, exist_ok=True)
    from codesearch_nb.evaluate import read_cosqa
    b = read_cosqa(COSQA/'cosqa-retrieval-dev-500.json')
    cosqa = dict(codes=b['codes'], queries=b['queries'], gold=b['gold'].tolist())
    sets = text_sets(a.n, a.n, out); tp = out/f'texts-{a.n}-{a.n}.json'
    rng = np.random.default_rng(0)
    sets['cosqa']['codes'] = [cosqa['codes'][i] for i in sorted(rng.choice(len(cosqa['codes']), a.n, replace=False))]
    tp.write_text(json.dumps(sets))
    log(f"timed texts: {a.n} each of CoSQA, stdlib, site-packages; results in {out}")
    res = {p: dict(s={k: 0.0 for k in sets}, n={k: 0 for k in sets}) for p in a.paths}
    for p in a.paths:  # peak memory, each path alone
        r = subprocess.run([sys.executable, __file__, '--threads', str(a.threads), '--peak', p, str(tp)], capture_output=True, text=True)
        res[p]['peak_mb'] = json.loads(r.stdout.strip().splitlines()[-1])['peak_mb'] if r.returncode == 0 else float('nan')
        if r.returncode: log(f'{p}: peak run failed: {r.stderr[-800:]}')
        log(f"{p}: peak {res[p]['peak_mb']:.0f} MB")
    encs = {p: make_encoder(p, a.threads) for p in a.paths}
    for e in encs.values(): e.encode_code(sets['stdlib']['codes'][:8]); e.encode_queries(['warm up'])
    load0 = os.getloadavg()[0]
    for k, s in sets.items():
        cuts = np.linspace(0, len(s['codes']), a.rounds + 1).astype(int)
        for r0, r1 in zip(cuts[:-1], cuts[1:]):
            for p, e in encs.items():
                t = time.perf_counter(); e.encode_code(s['codes'][r0:r1]); res[p]['s'][k] += time.perf_counter() - t; res[p]['n'][k] += r1 - r0
        log(f"{k}: " + ', '.join(f"{p} {res[p]['n'][k] / res[p]['s'][k]:.1f}/s" for p in encs))
    load1 = os.getloadavg()[0]
    tot = {p: (sum(r['n'].values()), sum(r['s'].values())) for p, r in res.items()}
    log('throughput (before MRR): ' + ', '.join(f"{p} {n / t:.1f}/s" + (f" ({tot['baseline'][1] / t:.2f}x)" if 'baseline' in tot else '') for p, (n, t) in tot.items()))
    vecs = {p: e.encode_code(sets['cosqa']['codes']) for p, e in encs.items()}
    for p in a.mrr or []:  # in the order given: the cheap ones first
        if p in encs:
            t = time.perf_counter(); res[p]['mrr'] = mrr(encs[p], cosqa); log(f'{p}: CoSQA dev MRR {res[p]["mrr"]:.4f} ({time.perf_counter() - t:.0f}s)')
    base = res.get('baseline')
    print(f'\n## Encoder paths ({os.cpu_count()} cores, {a.threads} threads each, load average {load0:.1f}–{load1:.1f}; MiniLM at 256 code tokens)\n')
    print('| path | CoSQA f/s | stdlib f/s | site-packages f/s | all f/s | × baseline | peak MB | CoSQA dev MRR | Δ MRR | min cosine to baseline | 100,000 functions |')
    print('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for p, r in res.items():
        n, t = sum(r['n'].values()), sum(r['s'].values())
        x = sum(base['s'].values()) / t if base else float('nan')
        m = r.get('mrr'); dm = m - base['mrr'] if base and m is not None and 'mrr' in base else None
        cos = f"{float((vecs[p] * vecs['baseline']).sum(1).min()):.5f}" if base and p != 'static' else '—'
        mins = 100_000 * t / n / 60
        print(f"| {p} | {r['n']['cosqa'] / r['s']['cosqa']:.1f} | {r['n']['stdlib'] / r['s']['stdlib']:.1f} | {r['n']['site'] / r['s']['site']:.1f} | "
              f"{n / t:.1f} | {x:.2f} | {r['peak_mb']:.0f} | {'—' if m is None else f'{m:.4f}'} | {'—' if dm is None else f'{dm:+.4f}'} | {cos} | "
              f"{mins:.1f} min |")
    (out/'table.json').write_text(json.dumps(res, indent=1, default=lambda o: o.item() if hasattr(o, 'item') else str(o)))

if __name__ == '__main__': main()
