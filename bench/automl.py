#!/usr/bin/env python
"""Acceptance sweep of `codesearch_nb.automl.automl`: every model family on the `python` + `stdlib` corpora.

Builds the corpora if the workspace lacks them, runs (or resumes) the AutoML study for the budget, prints the
leaderboard — whose rows include the BM25 baseline and the default configuration of every family, measured in
the same run — and checks the two claims of issue 5:
  - the best tuned (non-default) trial beats every family's default configuration on validation MRR;
  - the interpolated blend beats its best member on CoSQA dev (--benchmark; default: the workspace's benchmarks/cosqa,
    filled by `codesearch benchmark download cosqa`; the check is skipped when it is not there).
Writes the HTML report to <workspace>/automl/<study>/report.html.

Usage: nice python bench/automl.py [--ws DIR] [--budget 30m] [--corpus python,stdlib] [--epochs 3] [--max-train 4000] [--benchmark PATH]
       nice python bench/automl.py --corpus stdlib --families fusion --trials 50 --study fuse   # pipelines: a fusion sweep
"""
import argparse, os, sys, time

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--ws', default=os.environ.get('CODESEARCH_HOME') or 'codesearch_workspace', help='workspace folder')
p.add_argument('--budget', default='30m', help='wall-clock budget of the sweep')
p.add_argument('--corpus', default='python,stdlib', help='corpora (comma-separated: their union is swept)')
p.add_argument('--families', default='bm25,nbow,cnn,rnn,selfatt,minilm', help='comma-separated families; the pipeline families fusion and reranker are opt-in')
p.add_argument('--members', default='auto', help='fusion: members to weigh (bm25 and run ids), or auto: bm25, minilm, minilm-static, mpnet where installed')
p.add_argument('--retriever', default='minilm', help='reranker: the first stage the trained rerankers re-score')
p.add_argument('--trials', type=int, default=None, help='stop after this many new trials (default: when the budget is spent)')
p.add_argument('--epochs', type=int, default=None, help='epochs of every neural trial (default: the family defaults)')
p.add_argument('--max-train', type=int, default=None, help='cap on training pairs per trial')
p.add_argument('--study', default=None)
p.add_argument('--seed', type=int, default=0)
p.add_argument('--benchmark', default='auto', help="CoSQA-format folder or query file for the leaderboard (default 'auto': the workspace's benchmarks/cosqa if downloaded)")
args = p.parse_args()
os.environ.setdefault('WANDB_MODE', 'offline')

from codesearch_nb.corpus import corpus_build, corpus_exists
from codesearch_nb.automl import automl, leaderboard_markdown

t0 = time.time()
for name in args.corpus.split(','):
    if not corpus_exists(name, args.ws):
        print(f'building corpus {name!r} …'); corpus_build(recipe=name, ws=args.ws, workers=2, quiet=True)
lb = automl(args.corpus, budget=args.budget, families=args.families, study=args.study, seed=args.seed, ws=args.ws, report=True,
            epochs=args.epochs, max_train=args.max_train, benchmark=args.benchmark, members=args.members, retriever=args.retriever, trials=args.trials)
print(f'\n{time.time() - t0:.0f}s in all')
tf = lb.attrs['trials']
dflt = tf[tf.default & (tf.state == 'complete')].sort_values('valid_mrr', ascending=False)
tuned = tf[~tf.default & (tf.state == 'complete')].sort_values('valid_mrr', ascending=False)
print('\ndefault configurations:\n' + dflt[['trial', 'family', 'run_id', 'valid_mrr', 'train_seconds']].to_string(index=False))
ok = True
if 'fusion' in args.families:   # fusion trials reuse the members' validation scores: time them against scoring one fusion from scratch
    import optuna
    from codesearch_nb.automl import load_study
    from codesearch_nb.corpus import load_corpus
    from codesearch_nb.evaluate import csn_pairs, eval_pairs
    from codesearch_nb.scorers import get_scorer
    st = load_study(lb.attrs['study'], ws=args.ws)
    ft = sorted((t for t in st.trials if t.params.get('family') == 'fusion' and t.state.name == 'COMPLETE' and t.datetime_complete),
                key=lambda t: t.datetime_start)
    secs = [(t.datetime_complete - t.datetime_start).total_seconds() for t in ft]
    if len(secs) > 1:
        vp = csn_pairs(load_corpus(lb.attrs['corpus'], 'valid', ws=args.ws))
        t1 = time.time(); eval_pairs(get_scorer(ft[0].user_attrs['run_id'], args.ws), vp); scratch = time.time() - t1
        rest = sorted(secs[1:])
        print(f"\nfusion trials ({len(secs)}; {len(vp):,} validation pairs):\n"
              f"| what | seconds | vs. one fusion scored from scratch |\n|---|---:|---:|\n"
              f"| one fusion scored from scratch (embeddings on disk) | {scratch:.2f} | 1.00 |\n"
              f"| first trial (scores every member) | {secs[0]:.2f} | {secs[0] / scratch:.2f} |\n"
              f"| median later trial | {rest[len(rest) // 2]:.3f} | {rest[len(rest) // 2] / scratch:.3f} |\n"
              f"| all {len(rest)} later trials | {sum(rest):.1f} | {sum(rest) / scratch:.1f} |")
if len(tuned) and len(dflt):
    b = tuned.iloc[0]
    win = b.valid_mrr > dflt.valid_mrr.max()
    print(f'\nbest tuned trial #{b.trial} ({b.family}, {b.run_id}): valid MRR {b.valid_mrr:.4f} vs best default {dflt.valid_mrr.max():.4f} '
          f'({dflt.iloc[0].family}): {"PASS" if win else "FAIL"}')
    ok &= bool(win)
bl = lb.attrs.get('blends', {})
if 'blend-interp' in bl and 'cosqa_mrr' in lb.columns:
    x = lb.set_index('model')
    mem = bl['blend-interp']['members']
    m = x.loc[mem, 'cosqa_mrr'].astype(float)
    win = float(x.loc['blend-interp', 'cosqa_mrr']) > m.max()
    print(f"blend-interp (weights {bl['blend-interp']['weights']}) CoSQA dev MRR {x.loc['blend-interp', 'cosqa_mrr']:.4f} vs best member "
          f"{m.idxmax()} {m.max():.4f}: {'PASS' if win else 'FAIL'}")
    ok &= bool(win)
sys.exit(0 if ok else 1)
