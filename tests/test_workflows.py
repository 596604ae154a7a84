"""Every GitHub Actions workflow is valid (check-jsonschema) and audited (zizmor --offline) with no unexplained finding;
the ChatOps workflow keeps its safety properties (no comment text in a shell, gated PR checkout, minimal permissions)."""
import os, re, shutil, subprocess
from pathlib import Path
import pytest, yaml

ROOT = Path(__file__).resolve().parents[1]
WF = ROOT/'.github'/'workflows'
WORKFLOWS = sorted(p for p in WF.iterdir() if p.suffix in ('.yml', '.yaml')) if WF.is_dir() else []
ids = [p.name for p in WORKFLOWS]


def tool(name):
    "Path of CLI `name`; skipped locally when missing, a failure in CI (where `.[dev]` installs it)."
    p = shutil.which(name)
    if p is None:
        if os.environ.get('CI'): pytest.fail(f'{name} is not installed: pip install -e ".[dev]"')
        pytest.skip(f'{name} is not installed')
    return p


def load(p):
    d = yaml.safe_load(p.read_text())
    return {(True if k is True else k): v for k, v in d.items()}  # YAML 1.1 reads the key `on` as True


def test_there_are_workflows():
    names = {p.name for p in WORKFLOWS}
    assert {'chatops.yaml', 'deploy-docs.yaml'} <= names, names


@pytest.mark.parametrize('wf', WORKFLOWS, ids=ids)
def test_schema(wf):
    r = subprocess.run([tool('check-jsonschema'), '--builtin-schema', 'vendor.github-workflows', str(wf)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize('wf', WORKFLOWS, ids=ids)
def test_zizmor(wf):
    r = subprocess.run([tool('zizmor'), '--offline', '--no-progress', str(wf)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f'zizmor found problems in {wf.name} (fix them, or explain a deliberate choice with an inline `# zizmor: ignore[rule]` comment):\n{r.stdout}{r.stderr}'


def test_every_zizmor_ignore_is_explained():
    for wf in WORKFLOWS:
        for i, line in enumerate(wf.read_text().splitlines(), 1):
            m = re.search(r'#\s*zizmor:\s*ignore\[[^\]]+\](.*)', line)
            if m: assert len(m.group(1).strip(' -—:')) >= 20, f'{wf.name}:{i}: say why the finding is deliberate: {line.strip()}'


def test_zizmor_catches_an_injection(tmp_path):
    "The audit is real: comment text interpolated into a shell is reported."
    bad = tmp_path/'bad.yaml'
    bad.write_text('name: bad\non:\n  issue_comment:\n    types: [created]\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-latest\n'
                   '    steps:\n      - run: echo "${{ github.event.comment.body }}"\n')
    r = subprocess.run([tool('zizmor'), '--offline', '--no-progress', str(bad)], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and 'template-injection' in r.stdout + r.stderr


def steps(job): return job.get('steps', [])


@pytest.mark.parametrize('wf', WORKFLOWS, ids=ids)
def test_no_untrusted_text_in_shell(wf):
    "Attacker-controlled event fields never appear in a `run:` script (they go through env vars or the event file)."
    bad = re.compile(r'\$\{\{[^}]*github\.event\.(comment|issue|pull_request|review|head_commit|commits)\.[^}]*\}\}|\$\{\{[^}]*github\.head_ref')
    for name, job in load(wf)['jobs'].items():
        for s in steps(job):
            assert not bad.search(s.get('run', '')), f'{wf.name}:{name}: untrusted text in `run`: {s["run"]}'


def checkouts(job): return [s for s in steps(job) if s.get('uses', '').startswith('actions/checkout@')]


def chatops_step(job): return [s for s in steps(job) if 'codesearch chatops' in s.get('run', '')][0]


def test_chatops_workflow_shape():
    wf = load(WF/'chatops.yaml')
    assert wf[True] == {'issue_comment': {'types': ['created']}}
    assert wf['permissions'] == {}
    jobs = wf['jobs']
    assert set(jobs) == {'gate', 'train', 'eval', 'deploy'}
    gate = jobs['gate']
    assert 'github.event.issue.pull_request' in gate['if'] and "startsWith(github.event.comment.body, '/')" in gate['if']
    # the gate runs trusted code: the default checkout (no `ref`), and never more than it needs
    assert all('ref' not in s.get('with', {}) and s['with'].get('persist-credentials') is False for s in checkouts(gate))
    assert gate['permissions'] == {'contents': 'read', 'pull-requests': 'write', 'issues': 'write'}
    assert any('--gate' in s.get('run', '') for s in steps(gate))
    for name in ('train', 'eval', 'deploy'):
        job = jobs[name]
        assert job['needs'] == 'gate' and job['if'].startswith("needs.gate.outputs.status == 'allowed' && "), name
        assert 'vars.CHATOPS_RUNS_ON' in job['runs-on'] and 'ubuntu-latest' in job['runs-on']
        cmd = chatops_step(job)
        assert cmd['id'] == 'chatops' and cmd['env']['HEAD_SHA'] == '${{ needs.gate.outputs.head_sha }}'  # the SHA recorded is the SHA checked out
        assert cmd['env']['CODESEARCH_STORE'] == '${{ vars.CODESEARCH_STORE }}'  # every job shares the run store
        assert all(s['with'].get('persist-credentials') is False for s in checkouts(job))
    assert jobs['train']['outputs']['run_id'] == '${{ steps.chatops.outputs.run_id }}'


def test_only_the_train_job_checks_out_the_pr_head():
    jobs = load(WF/'chatops.yaml')['jobs']
    with_ref = {name for name, job in jobs.items() for s in checkouts(job) if 'ref' in s.get('with', {})}
    assert with_ref == {'train'}
    (co,) = checkouts(jobs['train'])
    assert co['with']['ref'] == '${{ needs.gate.outputs.head_sha }}'
    assert jobs['train']['if'].endswith("needs.gate.outputs.command == 'train'")
    assert chatops_step(jobs['train'])['run'].strip().splitlines()[-1] == 'codesearch chatops --event "$GITHUB_EVENT_PATH" --sha "$HEAD_SHA" --only train'


def test_pr_code_has_no_deployment_scope():
    jobs = load(WF/'chatops.yaml')['jobs']
    assert jobs['train']['permissions'] == {'contents': 'read', 'pull-requests': 'write', 'issues': 'write'}
    assert [n for n, j in jobs.items() if 'deployments' in j.get('permissions', {})] == ['deploy']


def test_deploy_eval_and_leaderboard_run_default_branch_code():
    jobs = load(WF/'chatops.yaml')['jobs']
    for name, only in (('eval', '--only eval leaderboard'), ('deploy', '--only deploy')):
        job = jobs[name]
        (co,) = checkouts(job)
        assert 'ref' not in co.get('with', {}), name   # the default branch
        assert chatops_step(job)['run'].strip().splitlines()[-1].endswith(only), name
    assert "needs.gate.outputs.command == 'deploy'" in jobs['deploy']['if']
    assert "command == 'eval'" in jobs['eval']['if'] and "command == 'leaderboard'" in jobs['eval']['if']
    assert jobs['deploy']['permissions']['deployments'] == 'write'


def test_gate_installs_pinned_versions():
    gate = load(WF/'chatops.yaml')['jobs']['gate']
    lines = [l.strip() for s in steps(gate) for l in s.get('run', '').splitlines() if l.strip().startswith('pip install')]
    assert lines
    for l in lines:
        specs = [t.strip('"') for t in l.split()[2:] if not t.startswith('-')]
        assert all(t == '.' or re.fullmatch(r'[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.]*', t) for t in specs), l
        if specs == ['.']: assert '--no-deps' in l and '--no-build-isolation' in l, l   # nothing unpinned comes with it


def test_serving_host_example():
    unit = (ROOT/'examples'/'serving-host'/'codesearch-serve.service').read_text()
    assert 'serve --follow "$CODESEARCH_STORE"' in unit and '[Service]' in unit and 'Restart=on-failure' in unit


def test_deploy_docs_workflow_shape():
    wf = load(WF/'deploy-docs.yaml')
    assert wf['permissions'] == {}
    build, deploy = wf['jobs']['build'], wf['jobs']['deploy']
    uses = [s.get('uses', '') for s in steps(build)]
    assert any(u.startswith('quarto-dev/quarto-actions/setup@') for u in uses)
    assert any('nbdev-docs' in s.get('run', '') for s in steps(build))
    up = [s for s in steps(build) if s.get('uses', '').startswith('actions/upload-pages-artifact@')][0]
    assert up['with']['path'] == '_docs'
    assert deploy['permissions'] == {'pages': 'write', 'id-token': 'write'} and deploy['environment']['name'] == 'github-pages'
    assert steps(deploy)[0]['uses'].startswith('actions/deploy-pages@')
