"""`benchmark_download` against a loopback HTTP server that serves the benchmark files shipped in `codesearch_nb/testdata`
under the names and GitHub raw paths of the public ones.

Checks: a full download gives byte-identical files; a 404, a truncated body (short of its Content-Length) and a
body that is not valid JSON each raise a one-line CodeSearchError and leave the destination exactly as it was.
"""
import shutil, threading
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from pathlib import Path

import pytest

from codesearch_nb.core import CodeSearchError, bundled_data
from codesearch_nb.evaluate import BENCHMARK_SOURCES, benchmark_download

# benchmark → (shipped folder, public file name → shipped file name where they differ)
LOCAL = {'cosqa': ('cosqa-stdlib', {'cosqa-retrieval-dev-500.json': 'cosqa-retrieval-stdlib-dev.json'}),
         'codesearchnet': ('annotations', {})}


def local(name: str, f: str) -> Path:
    "The shipped file served as public file `f` of benchmark `name`."
    sub, rename = LOCAL[name]
    return bundled_data(sub)/rename.get(f, f)


@pytest.fixture(scope='module')
def raw_root(tmp_path_factory):
    "A folder laid out like raw.githubusercontent.com: <owner>/<repo>/<sha>/<path>/<file>."
    root = tmp_path_factory.mktemp('raw')
    for name, (repo, sha, sub, files) in BENCHMARK_SOURCES.items():
        d = root/repo/sha/sub
        d.mkdir(parents=True)
        for f in files: shutil.copy(local(name, f), d/f)
    return root


@pytest.fixture(scope='module')
def server(raw_root):
    "Base URL of a loopback server; the first path segment picks a behaviour: ok, truncate or garble."
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            mode, _, rest = self.path.lstrip('/').partition('/')
            p = raw_root/rest
            if not p.is_file() or '..' in rest:
                self.send_error(404, 'Not Found'); return
            data = p.read_bytes()
            if mode == 'garble': data = b'{"not": "json' + data[:100]
            self.send_response(200)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            if mode == 'truncate':
                self.wfile.write(data[:len(data) // 2]); self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(data)
        def log_message(self, *args): pass

    srv = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f'http://127.0.0.1:{srv.server_address[1]}'
    srv.shutdown(); srv.server_close(); t.join(5)


def snapshot(d: Path) -> dict:
    "Every file under `d` (hidden ones included) with its bytes."
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob('*')) if p.is_file()}


@pytest.mark.parametrize('name', ['cosqa', 'codesearchnet'])
def test_download_ok(server, tmp_path, name, capsys):
    d = benchmark_download(name, dest=tmp_path/name, base_url=server + '/ok')
    files = BENCHMARK_SOURCES[name][3]
    assert sorted(p.name for p in d.iterdir()) == sorted(files)     # no temporary files left behind
    for f in files: assert (d/f).read_bytes() == local(name, f).read_bytes()
    assert f'{len(files)} files in' in capsys.readouterr().out


def test_download_into_workspace(server, tmp_path, monkeypatch):
    monkeypatch.setenv('CODESEARCH_HOME', str(tmp_path))
    d = benchmark_download('codesearchnet', base_url=server + '/ok')
    assert d == tmp_path/'benchmarks'/'codesearchnet' and (d/'annotationStore.csv').exists()
    from codesearch_nb.evaluate import resolve_benchmark
    assert resolve_benchmark('ndcg')['annotations'] == d/'annotationStore.csv'   # the workspace copy is found first


def _fails(server, tmp_path, name, mode, contains):
    dest = tmp_path/'dest'
    dest.mkdir()
    (dest/'keep.txt').write_text('an earlier file')
    before = snapshot(dest)
    with pytest.raises(CodeSearchError) as e:
        benchmark_download(name, dest=dest, base_url=f'{server}/{mode}')
    msg = str(e.value)
    assert '\n' not in msg and contains in msg and 'nothing was written' in msg
    assert snapshot(dest) == before                                    # nothing half-written, nothing removed
    assert [p.name for p in dest.iterdir()] == ['keep.txt']


def test_404(server, raw_root, tmp_path):
    repo, sha, sub, files = BENCHMARK_SOURCES['codesearchnet']
    gone = raw_root/repo/sha/sub/'queries.csv'
    saved = gone.read_bytes(); gone.unlink()
    try: _fails(server, tmp_path, 'codesearchnet', 'ok', 'HTTP 404')
    finally: gone.write_bytes(saved)


@pytest.mark.parametrize('name', ['cosqa', 'codesearchnet'])
def test_truncated(server, tmp_path, name):
    _fails(server, tmp_path, name, 'truncate', 'download failed')


def test_invalid_json(server, tmp_path):
    _fails(server, tmp_path, 'cosqa', 'garble', 'download failed')


def test_unreachable(tmp_path):
    with pytest.raises(CodeSearchError, match='cannot connect'):
        benchmark_download('cosqa', dest=tmp_path, base_url='http://127.0.0.1:9', timeout=5)
    assert list(tmp_path.iterdir()) == []
