"""End to end on real code nobody here wrote: the standard library's `http` package, indexed with the pretrained
MiniLM through `codesearch index`, then searched in plain English through `codesearch query --json`.

The queries and the functions they should find were written down before any result was looked at; each expected
function must be in the top 3. One expectation missed when first run; it is kept as written, marked as a known miss."""
import json, os, shutil, subprocess, sysconfig
from pathlib import Path
import pytest

QUERIES = [  # (plain-English query, the function a person means: path suffix, name)
    ('parse the status line of an http response', 'http/client.py', 'HTTPResponse._read_status'),
    pytest.param('send an http header line', 'http/client.py', 'HTTPConnection.putheader', marks=pytest.mark.xfail(strict=True,
        reason='measured: the server side BaseHTTPRequestHandler.send_header ranks 2nd and putheader is not in the top 3; the query names no side')),
    ('quote a cookie value', 'http/cookies.py', '_quote'),
    ('translate a url path to a local file system path', 'http/server.py', 'SimpleHTTPRequestHandler.translate_path'),
    ('guess the mime type of a file', 'http/server.py', 'SimpleHTTPRequestHandler.guess_type'),
]


def cli(*args, ws, cwd=None):
    env = {**os.environ, 'CODESEARCH_HOME': str(ws), 'WANDB_MODE': 'disabled'}
    r = subprocess.run(['codesearch', *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


@pytest.fixture(scope='module')
def indexed(tmp_path_factory):
    src = tmp_path_factory.mktemp('src')/'http'
    shutil.copytree(Path(sysconfig.get_paths()['stdlib'])/'http', src, ignore=shutil.ignore_patterns('__pycache__'))
    ws = tmp_path_factory.mktemp('ws')
    cli('index', 'minilm', '--source', str(src.parent), ws=ws)
    cli('deploy', 'minilm', ws=ws)
    return ws


@pytest.mark.parametrize('q,path,name', QUERIES)
def test_expected_function_in_top3(indexed, q, path, name):
    res = json.loads(cli('query', q, '-k', '3', '--json', ws=indexed))['results']
    top = [(r['path'], r['func_name']) for r in res]
    assert any(p.endswith(path) and n == name for p, n in top), f'{q!r}: {name} not in the top 3 {top}'
