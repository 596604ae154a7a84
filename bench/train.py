#!/usr/bin/env python
"""Benchmark: training throughput of the fastai loop of `codesearch_nb.train` against a plain PyTorch loop.

Both loops train the same model (same initial weights), on the same batches (the same `PairDL`), with the same batch
size, loss, optimiser (Adam), learning rate and gradient clipping, in the same process, alternating fastai/plain
`--repeats` times; the best epoch of each is reported as training examples per second (data loading included,
validation excluded). Target: fastai >= 0.9x plain. Then one full fastai epoch of NBoW (training + validation
in-batch MRR) on the corpus gives seconds per epoch.

Usage: python bench/train.py [--corpus stdlib] [--workspace WS] [--models nbow,selfatt] [--repeats 3] [--threads N]
(build the corpus first: `codesearch corpus build --recipe stdlib`)
"""
import argparse, copy, time, warnings

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--corpus', default='stdlib', help='corpus name in the workspace')
p.add_argument('--workspace', default=None, help='workspace folder (default: $CODESEARCH_HOME or ./codesearch_workspace)')
p.add_argument('--models', default='nbow,selfatt', help='comma-separated architectures')
p.add_argument('--repeats', type=int, default=3, help='timed epochs per loop; the best is reported')
p.add_argument('--bs', type=int, default=128, help='batch size')
p.add_argument('--max-train', type=int, default=None, help='cap the training pairs (speeds up slow models)')
p.add_argument('--threads', type=int, default=None, help='torch threads (default: as torch decides)')
args = p.parse_args()

import torch
from fastai.callback.core import Callback
from codesearch_nb.core import offline_env
from codesearch_nb.train import run_config, build_learner, _load_data
if args.threads: torch.set_num_threads(args.threads)
warnings.filterwarnings('ignore')
offline_env(args.workspace)


class TrainTime(Callback):
    "Wall time of the training phase of each epoch."
    def before_train(self): self.t0 = time.perf_counter()
    def after_train(self): self.times.append(time.perf_counter() - self.t0)


def plain_epoch(model, dl, loss_fn, lr, clip, wd):
    "One epoch of the obvious PyTorch loop; returns seconds."
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)
    model.train(); t0 = time.perf_counter()
    for q, c, lang, target in dl:
        loss = loss_fn(model(q, c, lang), target)
        opt.zero_grad(); loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
    return time.perf_counter() - t0


rows = []
for arch in args.models.split(','):
    cfg = run_config(arch, bs=args.bs, max_train=args.max_train, wandb=False)
    cfg.update(corpus=args.corpus, seed=0)
    trn, val = _load_data(cfg, args.workspace)
    learn = build_learner(cfg, trn, val)
    init = copy.deepcopy(learn.model.state_dict())
    n = len(learn.dls.train) * learn.dls.train.bs
    tt = TrainTime(); tt.times = []
    plain = []
    for r in range(args.repeats):
        learn.model.load_state_dict(init)
        with learn.no_bar(), learn.no_logging(): learn.fit(1, cfg['lr'], wd=cfg['wd'], cbs=[tt])
        m = copy.deepcopy(learn.model); m.load_state_dict(init)
        plain.append(plain_epoch(m, learn.dls.train, learn.loss_func, cfg['lr'], cfg['clip'], cfg['wd']))
    f_eps, p_eps = n / min(tt.times), n / min(plain)
    rows.append((arch, len(learn.dls.train.dataset), args.bs, f_eps, p_eps, f_eps / p_eps))

print(f'\ncorpus {args.corpus}, torch threads {torch.get_num_threads()}, best of {args.repeats} epochs each')
print(f'{"model":8s} {"pairs":>7s} {"bs":>4s} {"fastai ex/s":>12s} {"plain ex/s":>11s} {"ratio":>6s}')
for a, n, bs, f, pl, r in rows: print(f'{a:8s} {n:7d} {bs:4d} {f:12.0f} {pl:11.0f} {r:6.2f}')

cfg = run_config('nbow', wandb=False); cfg.update(corpus=args.corpus, seed=0)
trn, val = _load_data(cfg, args.workspace)
learn = build_learner(cfg, trn, val)
t0 = time.perf_counter()
with learn.no_bar(), learn.no_logging(): learn.fit(1, cfg['lr'])
print(f'\nNBoW, default config (bs {cfg["bs"]}): {time.perf_counter() - t0:.1f} s per epoch on {args.corpus} '
      f'({len(learn.dls.train.dataset):,} training pairs, {len(learn.dls.valid.dataset):,} validation pairs)')
