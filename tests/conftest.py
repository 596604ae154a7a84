"""Fixtures shared by the integration tests."""
import os, shutil
from pathlib import Path
import pytest


@pytest.fixture(scope='session')
def trained_workspace(tmp_path_factory):
    """A function `trained_workspace(tag, runs) -> (workspace, corpus)`: a fresh workspace with the sample corpus and an NBoW
    trained for each run id of `runs` (run id → keyword arguments of `train`)."""
    os.environ.setdefault('WANDB_MODE', 'disabled')
    def make(tag:str, runs:dict):
        from codesearch_nb.testing import sample_workspace
        from codesearch_nb.train import train
        w = tmp_path_factory.mktemp(tag)
        name = sample_workspace(w)
        for rid, kw in runs.items(): train(name, 'nbow', run_id=rid, ws=str(w), wandb=False, **kw)
        return w, name
    return make


@pytest.fixture(scope='session')
def add_reranker(tmp_path_factory):
    """A function `add_reranker(ws) -> run_id` that copies a tiny cross-encoder reranker run into workspace `ws`.
    The reranker is trained once per session on the sample corpus, as `nbs/05a_rerank.ipynb` trains one (a few steps)."""
    os.environ.setdefault('WANDB_MODE', 'disabled')
    import contextlib, io
    from codesearch_nb.testing import sample_workspace, HashEncoder
    from codesearch_nb.rerank import train_reranker
    w = tmp_path_factory.mktemp('rerank_ws')
    name = sample_workspace(w)
    with contextlib.redirect_stdout(io.StringIO()):
        rid = train_reranker(name, ws=str(w), run_id='rerank-tiny', groups=6, valid_groups=4, bs=3, max_len=64, n_neg=3, top=8,
                             miner=HashEncoder())
    def add(ws) -> str:
        shutil.copytree(w/'runs'/rid, Path(ws)/'runs'/rid, dirs_exist_ok=True)
        return rid
    return add
