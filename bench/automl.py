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
"""
import argparse, os, sys, time

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--ws', default=os.environ.get('CODESEARCH_HOME') or 'codesearch_workspace', help='workspace folder')
p.add_argument('--budget', default='30m', help='wall-clock budget of the sweep')
p.add_argument('--corpus', default='python,stdlib', help='corpora (comma-separated: their union is swept)')
p.add_argument('--families', default='bm25,nbow,cnn,rnn,selfatt,minilm')
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
            epochs=args.epochs, max_train=args.max_train, benchmark=args.benchmark)
print(f'\n{time.time() - t0:.0f}s in all')
tf = lb.attrs['trials']
dflt = tf[tf.default & (tf.state == 'complete')].sort_values('valid_mrr', ascending=False)
tuned = tf[~tf.default & (tf.state == 'complete')].sort_values('valid_mrr', ascending=False)
print('\ndefault configurations:\n' + dflt[['trial', 'family', 'run_id', 'valid_mrr', 'train_seconds']].to_string(index=False))
ok = True
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
