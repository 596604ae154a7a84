"""Dense vs hybrid (dense + BM25, reciprocal-rank fusion) search as served: which query mode should be the default?

Each benchmark's functions are indexed with a model (`index.index_functions`) and every query goes through
`index.Searcher.search` in each mode, exactly as `codesearch query` serves it. MRR counts a function found
beyond the top 100 as 0 (MRR@100). Benchmarks: the test split of a corpus of the workspace (docstring
summary → function without its docstring, CodeSearchNet style) and a CoSQA-format benchmark (web queries →
functions with docstrings), if one is given or downloaded.

    python bench/hybrid.py --ws WS --model minilm --corpus stdlib --benchmark cosqa
"""
import argparse, tempfile, time
from pathlib import Path
import numpy as np, pandas as pd


def mrr_at(searcher, queries, gold_ids, mode, k=100, bs=64):
    "MRR@k and recall@1/@10 of `queries` whose answers are the row ids `gold_ids`."
    rr, r1, r10 = [], [], []
    for s in range(0, len(queries), bs):
        for res, g in zip(searcher.search(queries[s:s + bs], k=k, mode=mode), gold_ids[s:s + bs]):
            ids = [r['id'] for r in res]
            rank = ids.index(g) + 1 if g in ids else None
            rr.append(1 / rank if rank else 0.0); r1.append(rank == 1); r10.append(bool(rank and rank <= 10))
    return dict(mrr=float(np.mean(rr)), r1=float(np.mean(r1)), r10=float(np.mean(r10)), n=len(rr))


def run(name, df, queries, gold_rows, enc, folder):
    from codesearch_nb.index import index_functions, Searcher
    t = time.time(); index_functions(df, folder, enc, bm25=True); build = time.time() - t   # an index kept in --keep is reused
    s = Searcher(folder, enc)
    rows = []
    for mode in ('dense', 'hybrid', 'bm25'):
        m = mrr_at(s, queries, list(gold_rows), mode)
        rows.append(dict(benchmark=name, mode=mode, **m))
    print(f'{name}: {len(df):,} functions indexed in {build:.0f} s')
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ws', required=True, help='workspace with the corpus (and benchmarks/)')
    ap.add_argument('--model', default='minilm', help='run id or pretrained model (minilm, mpnet)')
    ap.add_argument('--corpus', default='stdlib')
    ap.add_argument('--benchmark', default='cosqa', help="'cosqa' (the workspace's download), a path, or 'none'")
    ap.add_argument('--keep', default=None, help='folder to keep the indexes in (a rerun reuses them)')
    a = ap.parse_args()
    from codesearch_nb.corpus import load_corpus
    from codesearch_nb.evaluate import resolve_benchmark, read_cosqa
    from codesearch_nb.index import load_run_encoder
    from codesearch_nb.core import CodeSearchError
    enc = load_run_encoder(a.model, a.ws)
    rows, tmp = [], Path(a.keep or tempfile.mkdtemp())
    df = load_corpus(a.corpus, 'test', ws=a.ws).reset_index(drop=True)
    df = df[df.docstring_summary.fillna('').str.strip() != ''].reset_index(drop=True)
    df = df.assign(original_string=df.code)   # the query is the docstring: no side may see it (BM25 indexes the source shown)
    rows += run(f'csn-{a.corpus}', df, df.docstring_summary.tolist(), range(len(df)), enc, tmp/'csn')
    if a.benchmark != 'none':
        try: b = resolve_benchmark(a.benchmark, ws=a.ws)
        except CodeSearchError as e: print(f'{a.benchmark}: skipped ({e})'); b = None
        if b and b['kind'] == 'cosqa':
            c = read_cosqa(b['queries'])
            cdf = pd.DataFrame(dict(repo='cosqa', path=[f'f{i}.py' for i in range(len(c['codes']))], func_name='', language='python',
                                    code=c['codes'], original_string=c['codes'], start_line=1, end_line=1))
            rows += run(b['key'], cdf, c['queries'], c['gold'], enc, tmp/'cosqa')
    t = pd.DataFrame(rows)
    print(f'\nmodel {a.model}; MRR@100, recall@1, recall@10 per query mode (as served by `codesearch query --mode`)\n')
    print('| ' + ' | '.join(t.columns) + ' |\n|' + '---|' * len(t.columns))
    for r in t.itertuples(index=False): print('| ' + ' | '.join(f'{v:.3f}' if isinstance(v, float) else str(v) for v in r) + ' |')


if __name__ == '__main__': main()
