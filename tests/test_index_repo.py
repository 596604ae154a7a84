"""`codesearch index RUN --source PATH` on a repository full of trouble: every bad file is counted or handled, none is
indexed by mistake, nothing crashes; a re-run embeds only what changed; `query --path` filters and links to the editor.
The run is a folder made by hand and its model the shared test double `HashEncoder` (no torch, no weights)."""
import contextlib, io, json, os, subprocess, sys
from pathlib import Path
import pytest

from codesearch_nb import index as ix
from codesearch_nb.testing import HashEncoder

RUN = 'mini'
# a few kilobytes of what a minifier writes: one line of statements
MINIFIED = 'var a=function(b){return b+1},c=[1,2,3].map(a);' * 200


def put(root: Path, rel: str, text):
    p = root/rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(text) if isinstance(text, bytes) else p.write_text(text)
    return p


@pytest.fixture
def ws(tmp_path, monkeypatch):
    "A workspace with one run trained on no corpus; its model is a `HashEncoder` that counts what it embeds."
    w = tmp_path/'ws'
    (w/'runs'/RUN).mkdir(parents=True)
    (w/'runs'/RUN/'config.json').write_text('{}')
    enc = HashEncoder()
    monkeypatch.setattr(ix, 'load_run_encoder', lambda run_id, ws=None: enc)
    monkeypatch.delenv('CODESEARCH_EDITOR', raising=False)
    ix._SEARCHERS.clear()
    return w, enc


@pytest.fixture
def bad_repo(tmp_path):
    "A repository with a symlink loop, an unreadable file, a 30 MB bundle, a small minified file, a binary `.py`, a file that is not UTF-8, a broken link and a git-ignored `node_modules/`."
    r = tmp_path/'repo'
    put(r, 'pkg/good.py', 'def parse_header(line):\n    "Split a header line into its name and value."\n    return line.split(":", 1)\n\n'
                          'def _strip(s):\n    return s.strip()\n')
    put(r, 'tests/test_good.py', 'def test_parse_header():\n    assert parse_header("a: b") == ["a", " b"]\n')
    put(r, 'web/app.js', 'function greet(name) {\n  return "hello " + name;\n}\n')
    (r/'pkg'/'loop').symlink_to(r/'pkg')                                   # a symlink loop
    put(r, 'pkg/secret.py', 'def secret():\n    return 42\n').chmod(0)    # unreadable (except for root)
    with open(put(r, 'web/bundle.js', ''), 'w') as f:                       # a 30 MB minified bundle
        for _ in range(30 * 1024 * 1024 // len(MINIFIED) + 1): f.write(MINIFIED)
    put(r, 'web/lib.js', MINIFIED)                                           # minified, and small
    put(r, 'pkg/blob.py', b'\x7fELF\x02\x01\x01\0\0\0' + os.urandom(4096))  # binary with a .py suffix
    put(r, 'pkg/latin1.py', 'def caf\xe9():\n    return "\xe9"\n'.encode('latin-1'))  # not UTF-8
    (r/'pkg'/'gone.py').symlink_to(r/'nowhere.py')                        # a broken link
    put(r, '.gitignore', 'node_modules/\n')
    put(r, 'node_modules/left-pad/index.js', 'function leftPad(s, n) {\n  return s.padStart(n);\n}\n')
    yield r
    (r/'pkg'/'secret.py').chmod(0o644)


def build(ws, **kw):
    out = io.StringIO()
    with contextlib.redirect_stdout(out): meta = ix.build_index(RUN, ws=str(ws), **kw)
    return meta, out.getvalue()


def test_preview_counts_every_bad_file_and_indexes_none(bad_repo, ws):
    w, enc = ws
    meta, out = build(w, source=[str(bad_repo)], list=True)
    assert enc.rows == 0 and not (w/'runs'/RUN/'index').exists(), 'the preview embeds nothing'
    sk, ex = meta['skips'], meta['examples']
    assert sk['symlink loop'] == 1 and ex['symlink loop'] == ['pkg/loop/']
    assert sk['too large'] == 1 and ex['too large'] == ['web/bundle.js']
    assert sk['minified'] == 1 and ex['minified'] == ['web/lib.js']
    assert sk['binary'] == 1 and ex['binary'] == ['pkg/blob.py']
    assert sk['broken symlink'] == 1 and sk['gitignored folder'] == 1 and ex['gitignored folder'] == ['node_modules/']
    root = os.geteuid() == 0  # root reads a chmod 000 file all the same, so it is listed there
    if not root: assert sk['unreadable'] == 1 and ex['unreadable'] == ['pkg/secret.py']
    listed = {'pkg/good.py', 'pkg/latin1.py', 'tests/test_good.py', 'web/app.js'} | ({'pkg/secret.py'} if root else set())
    assert meta['n_files'] == len(listed) and meta['files'] == {'python': len(listed) - 1, 'javascript': 1}
    assert 'would skip' in out and 'e.g. web/bundle.js' in out and 'e.g. node_modules/' in out, out


def test_index_keeps_only_hand_written_code(bad_repo, ws):
    w, enc = ws
    meta, out = build(w, source=[str(bad_repo)])
    t = ix.Searcher(ix.index_dir(RUN, str(w)), enc).table
    want = {('pkg/good.py', 'parse_header'), ('pkg/good.py', '_strip'), ('tests/test_good.py', 'test_parse_header'), ('web/app.js', 'greet')}
    if os.geteuid() == 0: want.add(('pkg/secret.py', 'secret'))
    assert set(zip(t.path, t.func_name)) == want, sorted(zip(t.path, t.func_name))   # undocumented functions and tests too
    assert enc.rows == len(want) and meta['live'] == len(want)
    assert 'not utf-8 1' in out and 'too large 1' in out and 'binary 1' in out and 'gitignored folder 1' in out, out
    assert meta['roots'] == {'repo': dict(root=str(bad_repo), prefix='', commit='', url_base='', remote='')}


def test_a_rerun_embeds_only_the_changed_file(tmp_path, ws):
    w, enc = ws
    r = tmp_path/'proj'
    for i in range(5): put(r, f'm{i}.py', f'def f{i}(x):\n    return x + {i}\n\ndef g{i}(x):\n    return x * {i}\n')
    build(w, source=[str(r)])
    assert enc.rows == 10
    put(r, 'm3.py', 'def f3(x):\n    return x - 3\n\ndef g3(x):\n    return x / 3\n\ndef h3(x):\n    return x ** 3\n')
    enc.rows = 0
    meta, _ = build(w, source=[str(r)])
    assert meta['last_update'] == dict(added=3, unchanged=8, removed=2, embedded=3) and enc.rows == 3
    t = ix.Searcher(ix.index_dir(RUN, str(w)), enc).table
    assert set(t.path[len(t) - 3:]) == {'m3.py'}, 'the embedded rows are the edited file\'s'
    meta, _ = build(w, source=[str(r)])
    assert meta['last_update']['embedded'] == 0 and enc.rows == 3


def test_the_commit_and_the_repository_name_come_from_the_folder_itself(tmp_path, ws):
    w, enc = ws
    outer, r = tmp_path/'home', tmp_path/'home'/'code'/'proj'
    git = lambda cwd, *a: subprocess.run(['git', '-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=', '-c', 'user.name=t', '-c', 'user.email=t@t', *a],
                                         cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()
    put(outer, 'dotfile.py', 'x = 1\n'); git(outer, 'init', '-q'); git(outer, 'add', '.'); git(outer, 'commit', '-qm', 'dotfiles')
    put(r, 'm.py', 'def area(w, h):\n    return w * h\n')   # a plain folder inside the outer work tree
    meta, _ = build(w, source=[str(r)])
    assert meta['roots'] == {'proj': dict(root=str(r), prefix='', commit='', url_base='', remote='')}, 'not named after the enclosing work tree'
    git(r, 'init', '-q'); git(r, 'add', '.'); git(r, 'commit', '-qm', 'x'); git(r, 'remote', 'add', 'origin', 'git@gitlab.com:team/proj.git')
    meta, _ = build(w, source=[str(r)], rebuild=True)
    assert meta['roots'] == {'team/proj': dict(root=str(r), prefix='', commit=git(r, 'rev-parse', 'HEAD'), url_base='', remote='git@gitlab.com:team/proj.git')}


def test_query_path_filter_editor_link_and_clean_output(tmp_path, ws, monkeypatch):
    from codesearch_nb.cli import main
    w, enc = ws
    r = tmp_path/'proj'
    put(r, 'src/net.py', 'def fetch_url(url):\n    "Download the page at url."\n    return url\n')
    put(r, 'tests/test_net.py', 'def test_fetch_url():\n    "Download the page at url in a test."\n    assert fetch_url("u")\n')
    put(r, 'src/evil.py', 'def download(url="\x1b[2J\x1b[31m"):\n    "Download \u202eevil\u202c the page at url."\n    return url\n')
    build(w, source=[str(r)])
    out = io.StringIO()
    with contextlib.redirect_stdout(out): rc = main(['query', 'download the page at url', '--run', RUN, '--path', 'src/*', '--json', '--workspace', str(w)])
    res = json.loads(out.getvalue())['results']
    assert rc == 0 and res and {x['path'] for x in res} <= {'src/net.py', 'src/evil.py'}
    hit = next(x for x in res if x['path'] == 'src/net.py')
    assert hit['editor'] == f'vscode://file{r}/src/net.py:1'
    monkeypatch.setenv('CODESEARCH_EDITOR', 'idea://open?file={path}&line={line}')
    ix._SEARCHERS.clear()
    out = io.StringIO()
    with contextlib.redirect_stdout(out): res = ix.query('download the page at url', run=RUN, ws=str(w), path='*test_*')
    assert [x['func_name'] for x in res] == ['test_fetch_url'] and res[0]['editor'] == f'idea://open?file={r}/tests/test_net.py&line=1'
    out = io.StringIO()
    with contextlib.redirect_stdout(out): res = ix.query('download the page at url', run=RUN, ws=str(w), k=5)
    text = out.getvalue()
    assert any('\x1b' in x['signature'] for x in res) and 'src/evil.py:1' in text
    assert not any(ch in text for ch in '\x1b\u202e\u202c'), repr(text)


def test_query_says_how_to_fix_a_missing_deployment_or_run(tmp_path, ws):
    w, _ = ws
    with pytest.raises(ix.CodeSearchError, match=r'`codesearch index minilm --source \.` then `codesearch deploy minilm`'): ix.query('x', ws=str(w))
    with pytest.raises(ix.CodeSearchError, match=r"run 'nope' does not exist; `codesearch runs` lists the runs"): ix.query('x', run='nope', ws=str(w))
    with pytest.raises(ix.CodeSearchError, match=r"run 'minilm' has no index; build it with `codesearch index minilm`"): ix.query('x', run='minilm', ws=str(w))  # a pretrained run exists by name


def test_cli_list_flag(bad_repo, tmp_path):
    "`codesearch index RUN --source PATH --list` as a user runs it: a separate process, no model loaded."
    w = tmp_path/'ws'
    (w/'runs'/RUN).mkdir(parents=True); (w/'runs'/RUN/'config.json').write_text('{}')
    p = subprocess.run([sys.executable, '-c', 'import sys; from codesearch_nb.cli import main; sys.exit(main(sys.argv[1:]))',
                        'index', RUN, '--list', '--workspace', str(w)], cwd=bad_repo, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert 'indexing the current folder' in p.stdout and 'would index' in p.stdout and 'too large' in p.stdout, p.stdout


def test_a_pretrained_run_indexes_a_folder_in_a_fresh_workspace(tmp_path, monkeypatch):
    "The README's first command, `codesearch index minilm --source PATH`, needs no workspace made before it (`--list` makes none)."
    monkeypatch.setattr(ix, 'load_run_encoder', lambda run_id, ws=None: HashEncoder())
    r, w = tmp_path/'proj', tmp_path/'fresh'
    put(r, 'm.py', 'def area(w, h):\n    return w * h\n')
    out = io.StringIO()
    with contextlib.chdir(r), contextlib.redirect_stdout(out): p = ix.build_index('minilm', ws=str(w), list=True)
    assert p['files'] == {'python': 1} and not w.exists() and 'indexing the current folder' in out.getvalue()
    with contextlib.redirect_stdout(io.StringIO()): meta = ix.build_index('minilm', ws=str(w), source=[str(r)])
    assert meta['live'] == 1 and (w/'runs'/'minilm'/'index'/'meta.json').exists()


def _repo(tmp_path):
    r = tmp_path/'proj'
    put(r, 'src/net.py', 'def fetch_url(url):\n    "Download the page at url."\n    return url\n\ndef parse_url(url):\n    "Split a url into its parts."\n    return url.split("/")\n')
    put(r, 'src/files.py', 'def read_text(path):\n    "Read a text file."\n    return open(path).read()\n\ndef write_text(path, s):\n    "Write a text file."\n    open(path, "w").write(s)\n')
    put(r, 'tests/test_net.py', 'def test_fetch_url():\n    "Download the page at url in a test."\n    assert fetch_url("u")\n')
    return r


def test_query_without_rerank_never_imports_torch(tmp_path, ws):
    "`codesearch query` as a user runs it, in a fresh process: without --rerank, torch is never imported (the cold-start path)."
    w, _ = ws
    build(w, source=[str(_repo(tmp_path))])
    code = ('import sys, json; import codesearch_nb.index as ix; from codesearch_nb.testing import HashEncoder\n'
            'ix.load_run_encoder = lambda *a, **k: HashEncoder()\n'
            'from codesearch_nb.cli import main\n'
            'rc = main(sys.argv[1:]); print(json.dumps(dict(rc=rc, torch="torch" in sys.modules)))')
    p = subprocess.run([sys.executable, '-c', code, 'query', 'read a file', '--run', RUN, '-k', '2', '--workspace', str(w)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout.splitlines()[-1]) == dict(rc=0, torch=False), p.stdout
    assert 'src/files.py:1' in p.stdout


def test_query_cli_with_rerank(tmp_path, ws, add_reranker, capsys):
    "`codesearch query --rerank RUN --rerank-k K`: the first stage's top K re-scored, filters kept, mistakes refused in one line."
    from codesearch_nb.cli import main
    w, _ = ws
    build(w, source=[str(_repo(tmp_path))])
    rid = add_reranker(w)
    capsys.readouterr()
    assert main(['query', 'download a web page', '--run', RUN, '-k', '3', '--rerank', rid, '--rerank-k', '5', '--json', '--workspace', str(w)]) == 0
    j = json.loads(capsys.readouterr().out)
    res = j['results']
    assert (j['rerank'], j['rerank_k'], len(res)) == (rid, 5, 3) and j['rerank_ms'] > 0
    assert [r['score'] for r in res] == sorted([r['score'] for r in res], reverse=True)
    assert all({'first_score', 'rerank_score'} <= set(r) for r in res)
    plain = ix.run_searcher(RUN, str(w)).search('download a web page', k=5)[0]
    assert {r['id'] for r in res} <= {r['id'] for r in plain}          # reranked from the first stage's top 5
    assert main(['query', 'download a web page', '--run', RUN, '--rerank', rid, '--rerank-k', '5', '-k', '5', '--path', 'tests/*', '--workspace', str(w)]) == 0
    out = capsys.readouterr().out
    assert 'tests/test_net.py:1' in out and 'src/' not in out and '(first ' in out
    for argv, msg in [(['-k', '5', '--rerank', rid, '--rerank-k', '3'], '--rerank-k 3 is less than -k 5'),
                      (['--rerank', RUN], f"run '{RUN}' is not a reranker"),
                      (['--rerank', 'nope'], "reranker 'nope': no such run")]:
        assert main(['query', 'read a file', '--run', RUN, *argv, '--workspace', str(w)]) == 1
        err = capsys.readouterr().err
        assert msg in err and err.count('\n') == 1, err
    assert main(['query', 'read a file', '--run', rid, '--workspace', str(w)]) == 1
    assert f"run '{rid}' is a reranker, not a retriever" in capsys.readouterr().err
