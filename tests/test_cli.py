"""The `codesearch` command as a user runs it: a separate process, its exit status and its one-line errors."""
import os, subprocess, sys


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
