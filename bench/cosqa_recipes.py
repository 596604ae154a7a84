#!/usr/bin/env python
"""MiniLM fine-tuning recipes scored on CoSQA dev (issue 3): which training keeps or lifts web-query quality.

Trains each recipe with `codesearch_nb.train.train` on the corpora (no CoSQA data is trained on), then scores
the run on the CoSQA dev split (500 Bing queries, each ranked against all 6,267 functions), at every WiSE-FT
share in --wise (1 = the fine-tuned weights; 0.5 = halfway back to zero-shot MiniLM), beside zero-shot MiniLM
measured in the same run. Prints a markdown table after each recipe (so a run cut short still reports) and
writes it, with a JSON of every number, to --out.

On a GPU a recipe takes well under a minute on the `python` + `stdlib` corpora; on a CPU, an hour or more.
Usage: python bench/cosqa_recipes.py [--ws DIR] [--corpus python,stdlib] [--recipes rest,rest-web,…] [--wise 1,0.5]
                                     [--budget 480] [--max-train N] [--benchmark PATH] [--out cosqa_recipes.md]
"""
import argparse, json, os, sys, time

# Every recipe is a full fine-tune of all-MiniLM-L6-v2 unless it says `adapter`; keys are `train` hyper-parameters.
BASE = dict(code_doc='rest', doc_prob=0.5, lr=2e-5, bs=128, epochs=1, code_len=256, query_len=64)
RECIPES = {
    'naive':        dict(code_doc='none', doc_prob=1.0, lr=2e-5, bs=32, epochs=1, code_len=128, query_len=32),  # the naive recipe
    'rest':         dict(BASE),
    'rest-web':     dict(BASE, web_prob=0.5),
    'rest-web1':    dict(BASE, web_prob=1.0),
    'rest-web-lr1e-5': dict(BASE, web_prob=0.5, lr=1e-5),
    'rest-web-bs512':  dict(BASE, web_prob=0.5, bs=512, lr=4e-5),
    'rest-web-3ep': dict(BASE, web_prob=0.5, epochs=3),
    'rest-web-infonce': dict(BASE, web_prob=0.5, loss='infonce'),
    'rest-web-frz3':   dict(BASE, web_prob=0.5, freeze_layers=3),
    'full-web':     dict(BASE, code_doc='full', web_prob=0.5),
    'full-web1':    dict(BASE, code_doc='full', web_prob=1.0),
    'rest-web1-3ep': dict(BASE, web_prob=1.0, epochs=3),
    'adapter-web':  dict(code_doc='rest', doc_prob=0.5, web_prob=0.5, adapter=True, code_len=256, query_len=64),
}

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--ws', default=os.environ.get('CODESEARCH_HOME') or 'codesearch_workspace', help='workspace folder holding the corpora')
p.add_argument('--corpus', default='python,stdlib', help='training corpora (comma-separated)')
p.add_argument('--recipes', default=','.join(RECIPES), help=f'recipes to run, in order: {", ".join(RECIPES)}')
p.add_argument('--wise', default='1,0.5', help='WiSE-FT shares to score each run at')
p.add_argument('--budget', type=float, default=None, help='seconds after which no new recipe starts')
p.add_argument('--max-train', type=int, default=None, help='cap on training pairs (smoke tests)')
p.add_argument('--benchmark', default='cosqa', help="'cosqa' (CoSQA dev in the workspace's benchmarks/cosqa, from `codesearch benchmark download cosqa`) or a CoSQA-format folder or query file")
p.add_argument('--out', default='cosqa_recipes.md', help='markdown table written here (and a .json beside it)')
p.add_argument('--seed', type=int, default=0)
args = p.parse_args()
os.environ.setdefault('WANDB_MODE', 'disabled')

import torch
from codesearch_nb.core import CodeSearchError
from codesearch_nb.evaluate import eval_cosqa, get_scorer, resolve_benchmark
from codesearch_nb.models import minilm_encoder
from codesearch_nb.train import train, load_encoder, run_dir, wise_interpolate, evaluate_pairs, _net, _load_data

names = [r.strip() for r in args.recipes.split(',') if r.strip()]
bad = [r for r in names if r not in RECIPES]
if bad: sys.exit(f'unknown recipe(s) {bad}; choose from {", ".join(RECIPES)}')
shares = [float(a) for a in args.wise.split(',')]
bench = resolve_benchmark(args.benchmark, ws=args.ws)
if bench['kind'] != 'cosqa': sys.exit(f'{args.benchmark}: not a CoSQA-format benchmark')
dev = torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu'
print(f'device: {dev}; torch {torch.__version__}; benchmark {bench["queries"]}', flush=True)

def cosqa(enc): return eval_cosqa(get_scorer(enc, args.ws), bench['queries'])

t0 = time.time()
z = cosqa(minilm_encoder())
rows = [dict(recipe='zero-shot MiniLM', hp='', wise=None, valid_mrr=None, cosqa_mrr=z['mrr'], r10=z['recall@10'], train_s=0.0)]
print(f'zero-shot MiniLM: CoSQA dev MRR {z["mrr"]:.4f} ({time.time() - t0:.0f} s)', flush=True)

def table():
    lines = ['| recipe | hyper-parameters | WiSE share | valid MRR | CoSQA dev MRR | R@10 | train s |', '|---|---|---:|---:|---:|---:|---:|']
    for r in rows:
        f = lambda v, d=3: '–' if v is None else f'{v:.{d}f}'
        lines.append(f"| {r['recipe']} | {r['hp']} | {f(r['wise'], 2)} | {f(r['valid_mrr'])} | {f(r['cosqa_mrr'])} | {f(r['r10'])} | {f(r['train_s'], 0)} |")
    return '\n'.join(lines)

def save():
    open(args.out, 'w').write(f'device: {dev}\n\n' + table() + '\n')
    json.dump(dict(device=dev, rows=rows), open(os.path.splitext(args.out)[0] + '.json', 'w'), indent=1)

for name in names:
    if args.budget and time.time() - t0 > args.budget:
        print(f'budget of {args.budget:.0f} s spent: {name} and later recipes skipped', flush=True); break
    hp = dict(RECIPES[name])
    try:
        rid = train(args.corpus, 'minilm', ws=args.ws, seed=args.seed, wandb=False, max_train=args.max_train, **hp)
    except CodeSearchError as e:
        print(f'{name}: {e}', flush=True); continue
    rd = run_dir(rid, args.ws)
    cfg, met = json.loads((rd/'config.json').read_text()), json.loads((rd/'metrics.json').read_text())
    enc = load_encoder(rid, args.ws)
    tuned = {k: v.detach().clone() for k, v in enc.model.state_dict().items()}
    init = _net(cfg, enc.tok.vocab_size, cfg['model_langs']).state_dict()  # the pretrained start (zero adapter)
    val = _load_data(cfg, args.ws)[1]
    for a in shares:
        enc.model.load_state_dict(tuned)
        wise_interpolate(enc.model, init, a)
        m, vm = cosqa(enc), evaluate_pairs(enc, val, cfg['chunk'], args.seed)[0]['valid_mrr']
        rows.append(dict(recipe=name, hp=' '.join(f'{k}={v}' for k, v in hp.items()), wise=a, run_id=rid,
                         valid_mrr=vm, cosqa_mrr=m['mrr'], r10=m['recall@10'], train_s=met['train_seconds']))
        print(f'{name} (wise {a}): CoSQA dev MRR {m["mrr"]:.4f}; valid MRR {vm:.4f}; train {met["train_seconds"]:.0f} s '
              f'({time.time() - t0:.0f} s in all)', flush=True)
    save()
save()
print('\n' + table())
