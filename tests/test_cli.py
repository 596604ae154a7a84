"""The `codesearch` command as a user runs it: a separate process, its exit status and its one-line errors."""
import os, subprocess


def run(*args, ws):
    env = {**os.environ, 'CODESEARCH_HOME': str(ws)}
    return subprocess.run(['codesearch', *args], capture_output=True, text=True, env=env, timeout=120)


def test_help_lists_every_verb(tmp_path):
    r = run('--help', ws=tmp_path)
    assert r.returncode == 0
    for verb in ['quickstart', 'corpus build', 'corpus info', 'train', 'eval', 'leaderboard', 'index', 'query', 'serve', 'deploy', 'chatops']:
        assert verb in r.stdout


def test_unknown_verb_is_a_usage_error(tmp_path):
    r = run('frobnicate', ws=tmp_path)
    assert r.returncode == 2 and 'usage: codesearch' in r.stderr


def test_verb_help_comes_from_docments(tmp_path):
    r = run('corpus', 'build', '--help', ws=tmp_path)
    assert r.returncode == 0 and '--recipe' in r.stdout and '--workers' in r.stdout


def test_missing_corpus_is_one_line_error(tmp_path):
    r = run('corpus', 'info', 'no-such-corpus', ws=tmp_path)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error:') and 'no-such-corpus' in lines[0], r.stderr


def test_boolean_flags_read_as_words(tmp_path):
    r = run('corpus', 'build', '--help', ws=tmp_path)
    assert '--no-dedup' in r.stdout and '--no-near-dedup' in r.stdout and '--no-no-' not in r.stdout


def test_a_mistyped_workspace_is_an_error_and_stays_absent(tmp_path):
    typo = tmp_path/'typo'
    for args in (('runs', '--workspace', str(typo)), ('leaderboard', '--workspace', str(typo))):
        r = run(*args, ws=tmp_path)
        assert r.returncode == 1 and r.stderr.strip().splitlines()[-1].startswith('error: no workspace at'), r.stderr
    assert not typo.exists()


def test_bad_hyper_parameters_are_refused_before_a_run_exists(tmp_path):
    for args, msg in ((('--epochs', '0'), 'epochs=0'), (('--lr', '-1'), 'lr=-1.0')):
        r = run('train', '--corpus', 'stdlib', *args, ws=tmp_path)
        assert r.returncode == 1, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith('error: ') and msg in lines[0], r.stderr
    assert not (tmp_path/'runs').exists()


def test_runs_shows_status(tmp_path):
    from codesearch_nb.testing import fake_run
    from codesearch_nb.runs import new_run
    fake_run(tmp_path, 'nbow-ok', 'nbow', {'valid_mrr': 0.5}, corpus='stdlib')
    new_run('nbow-broken', dict(model='nbow', corpus='stdlib'), tmp_path)
    r = run('runs', ws=tmp_path)
    assert r.returncode == 0
    rows = {l.split()[0]: l.split()[1] for l in r.stdout.splitlines()[1:]}
    assert rows == {'nbow-ok': 'finished', 'nbow-broken': 'running'}, r.stdout
