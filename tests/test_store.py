"""The run store end to end, across separate workspaces that stand for separate jobs and machines:
A (a `/train` job), B (a `/deploy` job) and C (a serving host running `codesearch serve --follow STORE`), sharing only a
`file://` store and the loopback fake GitHub. Real NBoW runs (1 epoch on the sample corpus), a real service in a
subprocess, clients querying it while it switches; then deploys that must fail and leave C serving what it served.
"""
import contextlib, json, os, shutil, subprocess, sys, threading, time
from pathlib import Path
import pytest

httpx = pytest.importorskip('httpx')
from codesearch_nb import store as S
from codesearch_nb.cli import main
from codesearch_nb.testing import FakeGitHub, issue_comment_event, sample_workspace, free_port
from codesearch_nb.chatops import MARKER

OLD, SWITCH_LIMIT = 'nbow-store-old', 180   # seconds C may take to serve a new deploy (measured: see the report printed)
ROLES = {'olivia': 'admin', 'alice': 'write'}
ENV = dict(WANDB_MODE='disabled', CODESEARCH_CHATOPS_BENCHMARKS='', TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD='1')  # the last one must not matter



@pytest.fixture(scope='module')
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp('store_e2e')
    saved = {k: os.environ.get(k) for k in (*ENV, 'CODESEARCH_STORE', 'WANDB_API_KEY', 'CODESEARCH_CHATOPS_BOT', 'GITHUB_OUTPUT', 'CODESEARCH_HOME')}
    for k in ('WANDB_API_KEY', 'CODESEARCH_CHATOPS_BOT', 'GITHUB_OUTPUT', 'CODESEARCH_HOME'): os.environ.pop(k, None)
    store = f'file://{root}/store'
    os.environ.update(ENV, CODESEARCH_STORE=store)
    yield dict(root=root, store=store, sdir=root/'store', A=root/'A', C=root/'C')
    for k, v in saved.items():
        if v is None: os.environ.pop(k, None)
        else: os.environ[k] = v


@pytest.fixture(scope='module')
def host(env):
    "Workspace A trains OLD (train pushes it) and deploys it through the store; C follows the store and serves it."
    from codesearch_nb.train import train
    from codesearch_nb.serve import deploy
    name = sample_workspace(env['A'])
    train(name, 'nbow', epochs=1, run_id=OLD, ws=str(env['A']), wandb=False)
    assert (env['sdir']/'runs'/OLD/'manifest.json').exists()   # pushed by train: a store is configured
    deploy(OLD, ws=str(env['A']), store=env['store'])
    sample_workspace(env['C'])   # the serving host has the corpus, to index runs that arrive without an index
    port, log = free_port(), env['root']/'C.log'
    code = (f"import sys; from codesearch_nb.cli import main; sys.exit(main(['serve', '--follow', {env['store']!r}, '--interval', '0.3', "
            f"'--port', '{port}', '--workspace', {str(env['C'])!r}]))")
    cenv = {k: v for k, v in os.environ.items() if k != 'CODESEARCH_STORE'}   # C knows the store only from --follow
    with open(log, 'w') as out:
        p = subprocess.Popen([sys.executable, '-c', code], env=cenv, stdout=out, stderr=subprocess.STDOUT)
    base = f'http://127.0.0.1:{port}'
    try:
        deadline = time.time() + 240
        while True:
            if p.poll() is not None: pytest.fail('serve --follow exited: ' + log.read_text()[-3000:])
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + '/health', timeout=2).json().get('run_id') == OLD: break
            if time.time() > deadline: pytest.fail('C did not serve OLD in 240 s: ' + log.read_text()[-3000:])
            time.sleep(0.3)
        yield dict(env, base=base, log=log, name=name)
    finally:
        p.terminate()
        try: p.wait(15)
        except subprocess.TimeoutExpired: p.kill(); p.wait()


def chatops(gh, ws, body, user='alice', association='MEMBER', comment_id=1001):
    "`codesearch chatops` in workspace `ws` (one job) on a comment; its exit status."
    ev = Path(ws).parent/f'event-{comment_id}.json'
    ev.write_text(json.dumps(issue_comment_event(body, user=user, association=association, comment_id=comment_id)))
    return main(['chatops', '--event', str(ev), '--api-url', gh.url, '--token', gh.token, '--workspace', str(ws)])


def served(base):
    "The run C answers /search with."
    r = httpx.get(base + '/search', params=dict(q='read a file', k=3), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()['run_id']


class Clients:
    "Threads that query C's /search without pause; every answer's run id and every failure are kept."
    def __init__(self, base, n=4):
        self.base, self.stop, self.seen, self.failures = base, threading.Event(), [], []
        self.threads = [threading.Thread(target=self._go, args=(i,), daemon=True) for i in range(n)]
    def _go(self, i):
        with httpx.Client(timeout=60) as c:
            while not self.stop.is_set():
                try:
                    r = c.get(self.base + '/search', params=dict(q=['read a file', 'parse json', 'sort a list', 'compress data'][i % 4], k=5))
                    if r.status_code != 200: self.failures.append(f'HTTP {r.status_code}: {r.text[:200]}')
                    else: self.seen.append((time.time(), r.json()['run_id']))
                except httpx.HTTPError as e: self.failures.append(f'{type(e).__name__}: {e}')
    def __enter__(self):
        for t in self.threads: t.start()
        return self
    def __exit__(self, *a):
        self.stop.set()
        for t in self.threads: t.join(60)


def wait_served(base, run_id, since, limit=SWITCH_LIMIT):
    "Seconds from `since` until C answers with `run_id`."
    while time.time() - since < limit:
        if served(base) == run_id: return time.time() - since
        time.sleep(0.05)
    pytest.fail(f'C did not serve {run_id} within {limit} s')


def wait_log(log, text, limit=120):
    t0 = time.time()
    while time.time() - t0 < limit:
        if text in log.read_text(): return
        time.sleep(0.2)
    pytest.fail(f'C never logged {text!r}: ' + log.read_text()[-2000:])


def test_train_deploy_follow_across_workspaces(host, capsys):
    A, store = host['A'], host['store']
    with FakeGitHub(roles=ROLES) as gh:
        # 1. workspace A runs /train: the PR table appears, against the deployed baseline, and the run is in the store
        assert chatops(gh, A, f'/train corpus={host["name"]} epochs=1', comment_id=11) == 0, gh.comments
        (new,) = [p.name for p in (A/'runs').iterdir() if p.name not in (OLD,) and not p.name.startswith('.')]
        body = gh.comments[7][0]['body']
        assert body.startswith(MARKER) and f'baseline `{OLD}`' in body and f'`{new}`' in body
        assert 'It is in the run store.' in body and '| MRR (test) |' in body
        man = json.loads((host['sdir']/'runs'/new/'manifest.json').read_text())
        assert {'config.json', 'model.pt', 'metrics.json', 'status.json'} <= set(man['files']) and 'checkpoint.pth' not in man['files']
        # 2. + 3. workspace B (a fresh job) runs /deploy NEW while clients query C; C switches with no failed request
        B = host['root']/'B'
        with open(host['C']/'deployed'/'history.jsonl', 'a') as f: f.write('{"run_id": "half-writ\n')   # a corrupt history line changes nothing
        with Clients(host['base']) as cl:
            time.sleep(1)
            assert chatops(gh, B, f'/deploy {new}', user='olivia', association='OWNER', comment_id=12) == 0, gh.comments[7][-1]
            t_moved = time.time()
            switch_s = wait_served(host['base'], new, t_moved)
            time.sleep(1)
        (d,) = gh.deployments
        assert d['payload'] == {'run_id': new, 'store': store} and gh.statuses == [(d['id'], 'in_progress'), (d['id'], 'success')]
        assert gh.comments[7][-1]['body'].startswith(f'Deployed `{new}` (GitHub Deployment {d["id"]}); the run store now points at it')
        ptr = S.read_pointer(store)
        assert (ptr['run_id'], ptr['previous'], ptr['deployment']) == (new, OLD, d['id'])
        assert (B/'runs'/new/'.store.json').exists() and not (B/'deployed').exists()   # B pulled and checked the run; it serves nothing
        assert cl.failures == [] and len(cl.seen) > 20, cl.failures[:3]
        ids = [r for _, r in sorted(cl.seen)]
        assert ids[0] == OLD and ids[-1] == new and set(ids) == {OLD, new}   # the old run answered until the new one was ready
        # rollback through the same path, then forward again
        t0 = time.time()
        assert main(['deploy', '--rollback', '--store', store, '--workspace', str(B)]) == 0
        back_s = wait_served(host['base'], OLD, t0)
        assert chatops(gh, B, f'/deploy {new}', user='olivia', association='OWNER', comment_id=13) == 0
        t0 = time.time(); again_s = wait_served(host['base'], new, t0)
    with capsys.disabled():
        print(f'\nserve --follow switched to a new run {switch_s:.1f} s after /deploy returned (pull + index build + load; '
              f'polling every 0.3 s), rolled back in {back_s:.1f} s, forward again in {again_s:.1f} s; '
              f'{len(cl.seen)} queries during the switch, 0 failed')
    host['new'] = new


def _copy_run(host, src, dst, **config):
    "A copy of run `src` of workspace A under id `dst` (config changed by `config`), pushed to the store."
    A = host['A']
    shutil.copytree(A/'runs'/src, A/'runs'/dst, ignore=shutil.ignore_patterns('.store.json', 'index'))
    cfg = json.loads((A/'runs'/dst/'config.json').read_text()); cfg.update(run_id=dst, **config)
    (A/'runs'/dst/'config.json').write_text(json.dumps(cfg))
    return S.push(dst, host['store'], str(A))


@pytest.fixture
def live(host):
    if 'new' not in host: pytest.skip('needs the end-to-end deploy above')
    assert served(host['base']) == host['new']
    yield host
    assert served(host['base']) == host['new']   # C still serves the run it served


def test_deploy_of_an_unknown_run_leaves_c_serving(live):
    with FakeGitHub(roles=ROLES) as gh:
        assert chatops(gh, live['root']/'B1', '/deploy nope-20990101-000000', user='olivia', association='OWNER') == 1
        assert gh.deployments == [] and S.read_pointer(live['store'])['run_id'] == live['new']
        assert gh.comments[7][-1]['body'].startswith("`/deploy` failed: run 'nope-20990101-000000' is not in the store")


def test_deploy_of_a_corrupted_run_leaves_c_serving(live):
    man = _copy_run(live, live['new'], 'nbow-store-bad')
    blob = live['sdir']/'runs'/'nbow-store-bad'/'blobs'/man['files']['model.pt']['sha256']
    blob.write_bytes(blob.read_bytes()[:-8] + b'\0' * 8)   # flipped bytes in the store
    B2 = live['root']/'B2'
    with FakeGitHub(roles=ROLES) as gh:
        assert chatops(gh, B2, '/deploy nbow-store-bad', user='olivia', association='OWNER') == 1
        assert gh.deployments == [] and 'model.pt has SHA-256' in gh.comments[7][-1]['body'] and 'push the run again' in gh.comments[7][-1]['body']
    assert [p.name for p in (B2/'runs').iterdir()] == []   # nothing half-pulled
    # a pointer moved anyway (by hand, or by an older client) is refused by C too
    S.move_pointer('nbow-store-bad', live['store'])
    wait_log(live['log'], 'not switching to nbow-store-bad: pull nbow-store-bad from')
    S.move_pointer(live['new'], live['store'])


def test_store_that_goes_away_halfway_leaves_c_serving(live, monkeypatch):
    _copy_run(live, live['new'], 'nbow-store-gone')
    calls = []
    real = S.FsspecStore.get
    def flaky(self, key, dest):
        calls.append(key)
        if len(calls) > 2: raise ConnectionResetError('connection reset by peer')
        return real(self, key, dest)
    monkeypatch.setattr(S.FsspecStore, 'get', flaky)
    B3 = live['root']/'B3'
    with FakeGitHub(roles=ROLES) as gh:
        assert chatops(gh, B3, '/deploy nbow-store-gone', user='olivia', association='OWNER') == 1
        assert gh.deployments == []
        assert 'failed (ConnectionResetError: connection reset by peer); the store may have gone away' in gh.comments[7][-1]['body']
    assert [p.name for p in (B3/'runs').iterdir()] == []
    monkeypatch.undo()
    # on the host: the store loses the run's files after the pointer moved
    S.move_pointer('nbow-store-gone', live['store'])
    shutil.rmtree(live['sdir']/'runs'/'nbow-store-gone'/'blobs')
    wait_log(live['log'], 'not switching to nbow-store-gone: pull nbow-store-gone from')
    assert 'is missing from the store (a partial push, or the store went away)' in live['log'].read_text()
    S.move_pointer(live['new'], live['store'])


def test_pickled_model_from_the_store_is_refused_whatever_the_environment(live):
    "C runs with TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1; a model.pt that runs code when unpickled is still refused."
    import torch
    A, marker = live['A'], live['root']/'pwned'
    shutil.copytree(A/'runs'/live['new'], A/'runs'/'nbow-store-evil', ignore=shutil.ignore_patterns('.store.json', 'index'))
    cfg = json.loads((A/'runs'/'nbow-store-evil'/'config.json').read_text()); cfg['run_id'] = 'nbow-store-evil'
    (A/'runs'/'nbow-store-evil'/'config.json').write_text(json.dumps(cfg))
    sd = torch.load(A/'runs'/live['new']/'model.pt', weights_only=True)
    torch.save({**sd, 'x': Boom(str(marker))}, A/'runs'/'nbow-store-evil'/'model.pt')
    S.push('nbow-store-evil', live['store'], str(A))
    S.move_pointer('nbow-store-evil', live['store'])
    wait_log(live['log'], "not switching to nbow-store-evil: run 'nbow-store-evil': model.pt is not plain tensor weights")
    assert not marker.exists()
    S.move_pointer(live['new'], live['store'])


class Boom:
    "Unpickling this runs a command."
    def __init__(self, path): self.path = path
    def __reduce__(self): return (os.system, (f'touch {self.path}',))


def test_outside_corpus_name_from_the_store_is_refused(live):
    "A run whose config (consistent with its manifest: whoever wrote the store meant it) names a corpus outside the workspace."
    man = _copy_run(live, live['new'], 'nbow-store-out')
    run = live['sdir']/'runs'/'nbow-store-out'
    cfg = json.loads((live['A']/'runs'/'nbow-store-out'/'config.json').read_text()); cfg['corpus'] = '../../outside'
    b = json.dumps(cfg).encode(); sha = S._sha(b)
    (run/'blobs'/sha).write_bytes(b)
    man['files']['config.json'] = dict(sha256=sha, size=len(b))
    (run/'manifest.json').write_bytes(S._man_bytes(man))
    S.move_pointer('nbow-store-out', live['store'])
    wait_log(live['log'], "not switching to nbow-store-out: run 'nbow-store-out': config.json names corpus '../../outside'")
    S.move_pointer(live['new'], live['store'])


def test_push_and_pull_verbs(live, tmp_path):
    "`codesearch push` / `pull` from the command line, and a pull that would overwrite a different local copy."
    D = tmp_path/'D'
    assert main(['pull', live['new'], '--store', live['store'], '--workspace', str(D)]) == 0
    (D/'runs'/live['new']/'metrics.json').write_text('{"mrr": 0.0}')
    assert main(['pull', live['new'], '--store', live['store'], '--workspace', str(D)]) == 1
    assert (D/'runs'/live['new']/'metrics.json').read_text() == '{"mrr": 0.0}'
    assert main(['pull', live['new'], '--store', live['store'], '--workspace', str(D), '--force']) == 0
    assert (D/'runs'/live['new']/'metrics.json').read_text() != '{"mrr": 0.0}'
    assert main(['push', live['new'], '--store', str(tmp_path/'folder-store'), '--workspace', str(D), '--remember']) == 0
    assert json.loads((D/'store.json').read_text()) == {'url': str(tmp_path/'folder-store')}


# ---- W&B artifacts as the store, against a stand-in for the wandb module (no network)

class _Art:
    def __init__(self, wb, name, type, metadata=None): self.wb, self.name, self.type, self.metadata, self.files = wb, name, type, dict(metadata or {}), {}
    def add_file(self, path, name): self.files[name] = Path(path).read_bytes()
    def download(self, root=None):
        for n, b in self.files.items(): p = Path(root)/n; p.parent.mkdir(parents=True, exist_ok=True); p.write_bytes(b)
        self.wb.downloads.append(self.name); return root


class _Run:
    def __init__(self, wb, project, job_type): self.wb, self.project, self.job_type = wb, project, job_type
    def log_artifact(self, a): self.wb.artifacts.setdefault(f'{self.project}/{a.name}', []).append(a)
    def use_artifact(self, path): self.wb.used.append(path); return self.wb.Api().artifact(path)
    def finish(self): self.wb.run = None


class FakeWandb:
    "The parts of `wandb` the store uses: init/log_artifact/finish to push, Api().artifact and use_artifact to pull."
    def __init__(self): self.artifacts, self.downloads, self.used, self.run, self.jobs = {}, [], [], None, []
    def Settings(self, **kw): return kw
    def Artifact(self, name, type, metadata=None): return _Art(self, name, type, metadata)
    def init(self, project=None, entity=None, job_type=None, settings=None):
        self.jobs.append(job_type); self.run = _Run(self, project, job_type); return self.run
    def Api(self):
        wb = self
        class Api:
            def artifact(self, path):
                name = path.rsplit(':', 1)[0]
                if name not in wb.artifacts: raise ValueError(f'artifact {name} not found')
                return wb.artifacts[name][-1]
        return Api()


def test_wandb_artifacts_store(tmp_path, monkeypatch):
    from codesearch_nb.testing import fake_run
    wb = FakeWandb(); monkeypatch.setitem(sys.modules, 'wandb', wb)
    for k in ('CODESEARCH_STORE', 'WANDB_MODE', 'WANDB_PROJECT'): monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv('WANDB_API_KEY', 'x' * 40)
    A, B = tmp_path/'A', tmp_path/'B'
    assert S.store_url(ws=A) == 'wandb://'   # logged in online: W&B artifacts are the default store
    rid = fake_run(A, 'nbow-wandb-1', 'nbow', {'mrr': 0.5}, corpus='stdlib')
    (A/'runs'/rid/'model.pt').write_bytes(b'weights')
    m = S.push(rid, ws=str(A))
    (a,) = wb.artifacts['codesearch_nb/nbow-wandb-1']
    assert a.type == 'codesearch-run' and set(a.files) == set(m['files']) and json.loads(a.metadata['manifest_json']) == m
    assert S.pull(rid, ws=str(B)) == (B/'runs'/rid).absolute() and (B/'runs'/rid/'model.pt').read_bytes() == b'weights'
    S.move_pointer(rid, ws=str(A))
    assert S.read_pointer(ws=str(B))['run_id'] == rid and wb.jobs == ['push', 'deploy']
    # an artifact whose file does not match the manifest in its metadata is refused
    a.files['model.pt'] = b'tampered'
    with pytest.raises(S.CodeSearchError, match='model.pt has SHA-256'): S.pull(rid, ws=str(tmp_path/'C'))
    assert not (tmp_path/'C'/'runs'/rid).exists()
    with pytest.raises(S.CodeSearchError, match="run 'nope-1' is not in the store wandb://codesearch_nb"): S.pull('nope-1', ws=str(B))
