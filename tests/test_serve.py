"""The search service end to end: real trained runs, a real index, the service in a subprocess on loopback,
the web page in headless Chromium (also over an index of hostile functions), and a deploy while a client keeps querying.

Runs: two neural bag-of-words models trained for 2 epochs on the project's sample corpus (a few seconds each).
"""
import contextlib, json, shutil, subprocess, sys, threading, time
from urllib.parse import quote
import pytest
from codesearch_nb.testing import free_port, serve_process, stop_process

httpx = pytest.importorskip('httpx')

RUN_A, RUN_B = 'nbow-serve-a', 'nbow-serve-b'



@pytest.fixture(scope='module')
def ws(trained_workspace):
    "A workspace with the sample corpus and two trained runs; run A deployed (its index built by deploy)."
    from codesearch_nb.serve import deploy
    w, _ = trained_workspace('serve_ws', {rid: dict(epochs=2, seed=seed) for seed, rid in enumerate((RUN_A, RUN_B))})
    rec = deploy(RUN_A, ws=str(w))
    assert rec['run_id'] == RUN_A and rec['index']['size'] > 500
    return w


@contextlib.contextmanager
def _service(ws, *args):
    "The real service (`codesearch serve [args]`) on workspace `ws`, in a subprocess on a free loopback port; its base URL."
    try: p, base = serve_process(ws, *args)
    except RuntimeError as e: pytest.fail(str(e))
    try: yield base
    finally: stop_process(p)


@pytest.fixture(scope='module')
def server(ws):
    "The service over the trained workspace; its base URL."
    with _service(ws) as base: yield base


def test_search_over_http(server, ws):
    r = httpx.get(server + '/search', params=dict(q='serialize an object to a json string', k=5))
    assert r.status_code == 200, r.text
    j = r.json()
    assert j['run_id'] == RUN_A and j['k'] == 5 and len(j['results']) == 5
    scores = [x['score'] for x in j['results']]
    assert scores == sorted(scores, reverse=True)
    for x in j['results']:
        assert x['path'] and x['start_line'] >= 1 and x['end_line'] >= x['start_line'] and x['signature'] and x['language'] == 'python'
    assert any('json' in x['path'] for x in j['results']), [x['path'] for x in j['results']]
    assert j['took_ms'] > 0 and j['encode_ms'] >= 0
    h = httpx.get(server + '/health').json()
    assert h['status'] == 'ok' and h['run_id'] == RUN_A and h['index_size'] > 500
    m = httpx.get(server + '/model').json()
    assert m['run_id'] == RUN_A and 'valid_mrr' in m['metrics'] and m['index']['size'] == h['index_size'] and m['index']['languages'] == ['python']
    assert m['by'] and m['at']


@pytest.mark.parametrize('params,status,msg', [
    (dict(q=''), 422, 'q: the query is empty'),
    (dict(q='   '), 422, 'q: the query is empty'),
    (dict(), 422, 'q: the query is empty'),
    (dict(q='x' * 501), 422, 'at most 500'),
    (dict(q='read a file', k=0), 422, 'k: 0 is out of range'),
    (dict(q='read a file', k=101), 422, 'k: 101 is out of range'),
    (dict(q='read a file', k='many'), 422, "k: 'many' is not a whole number"),
    (dict(q='read a file', lang='cobol'), 422, "lang: 'cobol' is not in this index"),
    (dict(q='read a file', mode='magic'), 422, "mode: 'magic' is unknown"),
])
def test_validation(server, params, status, msg):
    r = httpx.get(server + '/search', params=params)
    assert r.status_code == status and msg in r.json()['detail'], (r.status_code, r.text)


def test_query_cli_json(ws, capsys):
    from codesearch_nb.cli import main
    assert main(['query', 'parse command line arguments', '-k', '3', '--json', '--workspace', str(ws)]) == 0
    j = json.loads(capsys.readouterr().out)
    assert j['run_id'] == RUN_A and len(j['results']) == 3 and all('path' in r and 'signature' in r for r in j['results'])


def _chromium():
    for b in ('chromium', 'chromium-browser', 'google-chrome'):
        if shutil.which(b): return shutil.which(b)


needs_chromium = pytest.mark.skipif(not (_chromium() and shutil.which('chromedriver')), reason='chromium and chromium-driver are not installed')


def _chrome(tmp_path):
    "Headless Chromium driven by selenium, with a fresh profile and no background traffic."
    webdriver = pytest.importorskip('selenium.webdriver')
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = _chromium()
    for a in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
              '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', f'--user-data-dir={tmp_path/"profile"}'):
        opts.add_argument(a)
    return webdriver.Chrome(options=opts, service=Service(shutil.which('chromedriver')))


@needs_chromium
def test_web_page_in_headless_chromium(server, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    d = _chrome(tmp_path)
    try:
        d.get(server + '/')
        wait = WebDriverWait(d, 30)
        wait.until(lambda d: RUN_A in d.find_element(By.ID, 'model').text)
        assert 'python' in [o.get_attribute('value') for o in d.find_elements(By.CSS_SELECTOR, '#lang option')]
        box = d.find_element(By.ID, 'q')
        box.send_keys('write rows to a csv file')
        d.find_element(By.CSS_SELECTOR, 'button[type=submit]').click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '#results .res')) == 10)
        status = d.find_element(By.ID, 'status').text
        assert '10 results in' in status and ' ms' in status and RUN_A in status, status
        first = d.find_element(By.CSS_SELECTOR, '#results .res')
        assert ':' in first.find_element(By.CSS_SELECTOR, '.loc').text
        assert first.find_element(By.CSS_SELECTOR, '.sig').text
        assert first.find_elements(By.CSS_SELECTOR, 'pre.hl span'), 'code is not highlighted'
        assert 'q=write+rows' in d.current_url  # the search is linkable
        # a language filter and an empty query
        box.clear(); d.find_element(By.CSS_SELECTOR, 'button[type=submit]').click()
        wait.until(lambda d: 'type what the code should do' in d.find_element(By.ID, 'status').text)
        # a deep link runs its search on load
        d.get(server + '/?q=' + 'split+a+shell+command+line&lang=python')
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '#results .res')) > 0)
        assert d.find_element(By.ID, 'q').get_attribute('value') == 'split a shell command line'
        # nothing was fetched from outside the service
        urls = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(u.startswith(server) for u in urls), urls
    finally:
        d.quit()


def test_security_headers_and_host_check(server):
    "Every response carries the security headers; a request for another host (DNS rebinding) is refused; no Swagger UI from a CDN."
    for path in ('/', '/search?q=read+a+file', '/health', '/search?q=', '/nowhere'):
        h = httpx.get(server + path).headers
        assert h['x-content-type-options'] == 'nosniff' and h['x-frame-options'] == 'DENY' and h['referrer-policy'] == 'no-referrer', (path, h)
        csp = h['content-security-policy']
        assert "default-src 'none'" in csp and "script-src 'sha256-" in csp and 'unsafe-inline' not in csp and "frame-ancestors 'none'" in csp, csp
    port = server.rsplit(':', 1)[1]
    for host in (f'127.0.0.1:{port}', f'localhost:{port}'):
        assert httpx.get(server + '/health', headers={'Host': host}).status_code == 200, host
    for host in (f'attacker.example:{port}', 'attacker.example', f'127.0.0.1:{int(port) + 1}'):
        r = httpx.get(server + '/search', params=dict(q='read a file'), headers={'Host': host})
        assert r.status_code == 400 and 'is not served here' in r.json()['detail'], (host, r.status_code, r.text)
    assert [httpx.get(server + u).status_code for u in ('/docs', '/redoc', '/openapi.json')] == [404, 404, 200]


# Functions of a repository someone else wrote: every field the page shows carries a payload that sets
# `window.pwned` and the document title if it ever runs.
PWN = "window.pwned=1;document.title='pwned'"
HOSTILE = [
    dict(path='evil/<img src=x onerror="%s">.py' % PWN, func_name='load_config', url='javascript:' + PWN,
         code='def load_config(path):\n    """Read a configuration file <img src=x onerror="%s">\n\n    More."""\n    return open(path).read()\n' % PWN),
    dict(path='evil/render.py', func_name='render', url='JavaScript:' + PWN,
         code='def render(name="</script><script>%s</script>"):\n    """Render a template </script><script>%s</script>"""\n    return name\n' % (PWN, PWN)),
    dict(path='evil/access\u202egnp.py', func_name='is_admin', url='java\tscript:' + PWN,
         code='def is_admin(role):\n    """Check the access\u202e level of a role."""\n    if role != "user\u202e \u2066# admin\u2069 \u2066":\n        return True\n'),
    dict(path='evil/term.py', func_name='shout', url='data:text/html,<script>%s</script>' % PWN,
         code='def shout(msg):\n    """\x1b[31mPrint a message in red\x1b[0m"""\n    print("\x1b]0;pwned\x07" + msg)\n'),
    dict(path='evil/files.py', func_name='read_secrets', url='file:///etc/passwd',
         code='def read_secrets():\n    """Read the password file."""\n    return open("/etc/passwd").read()\n'),
    dict(path='good/link.py', func_name='read_file', url='https://example.com/good/link.py#L1',
         code='def read_file(path):\n    """Read a text file."""\n    return open(path).read()\n'),
    dict(path='good/editor.py', func_name='write_file', url='vscode://file/good/editor.py:1',
         code='def write_file(path, text):\n    """Write a text file."""\n    open(path, "w").write(text)\n'),
]
GOOD_LINKS = ['https://example.com/good/link.py#L1', 'vscode://file/good/editor.py:1']


@pytest.fixture(scope='module')
def hostile_server(ws, tmp_path_factory):
    "The service over a workspace whose deployed run (a copy of run A) indexes only `HOSTILE`; its base URL."
    import pandas as pd
    from codesearch_nb.index import index_functions, index_dir, load_run_encoder
    from codesearch_nb.serve import deploy
    hws = tmp_path_factory.mktemp('hostile_ws')
    shutil.copytree(ws/'runs'/RUN_A, hws/'runs'/RUN_A, ignore=shutil.ignore_patterns('index'))
    df = pd.DataFrame([dict(r, repo='evil', language='python', start_line=1, end_line=r['code'].count('\n'),
                            docstring=r['code'].split('"""')[1]) for r in HOSTILE])
    index_functions(df, index_dir(RUN_A, hws), load_run_encoder(RUN_A, str(hws)), info=dict(run_id=RUN_A))
    assert deploy(RUN_A, ws=str(hws))['index']['size'] == len(HOSTILE)
    with _service(hws) as base: yield base


def test_hostile_index_over_http(hostile_server):
    "The service drops every url that is not http(s) or an editor's, and escapes and marks what the page shows."
    j = httpx.get(hostile_server + '/search', params=dict(q='read a file', k=10, highlight=1)).json()
    assert len(j['results']) == len(HOSTILE)
    assert sorted(r['url'] for r in j['results'] if r['url']) == GOOD_LINKS
    for r in j['results']:
        for f in ('path_html', 'signature_html', 'summary_html', 'code_html'):
            assert '<img' not in r[f] and '<script' not in r[f] and '\u202e' not in r[f] and '\x1b' not in r[f], (f, r[f])
    assert any('evil/access<span class="inv" title="U+202E RIGHT-TO-LEFT OVERRIDE">⟪U+202E⟫</span>gnp.py' == r['path_html'] for r in j['results'])


@needs_chromium
def test_hostile_index_in_headless_chromium(hostile_server, tmp_path):
    "Nothing of an indexed repository or of a query runs in the page; bidi overrides are shown marked; only safe urls are links."
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    d = _chrome(tmp_path)
    n = len(HOSTILE)
    results = lambda d: d.find_elements(By.CSS_SELECTOR, '#results .res')
    try:
        # a shared link whose query is itself a payload
        d.get(hostile_server + '/?q=' + quote(f'<img src=x onerror="{PWN}"></script><script>{PWN}</script>'))
        wait = WebDriverWait(d, 30)
        wait.until(lambda d: len(results(d)) == n)
        # and a typed search, watched for CSP violations (an injected script or handler would raise one)
        d.execute_script("window.violations=[]; document.addEventListener('securitypolicyviolation', e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI))")
        box = d.find_element(By.ID, 'q'); box.clear(); box.send_keys('read a configuration file <img src=x onerror=window.pwned=1>')
        d.find_element(By.CSS_SELECTOR, 'button[type=submit]').click()
        wait.until(lambda d: 'configuration' in d.current_url and len(results(d)) == n)
        time.sleep(0.5)  # give any injected handler time to fire

        assert d.execute_script('return window.pwned') is None, 'a payload ran'
        assert d.title == 'codesearch'
        assert d.execute_script('return window.violations') == []
        assert not d.find_elements(By.CSS_SELECTOR, '#results img, #results script, #results iframe, #results [onerror]')
        assert len(d.find_elements(By.TAG_NAME, 'script')) == 1  # the page's own
        text = d.find_element(By.ID, 'results').text
        assert '<img src=x onerror=' in text and '</script><script>' in text  # shown as text
        assert '\u202e' not in text and '\u2066' not in text and '\x1b' not in text
        marks = {e.text for e in d.find_elements(By.CSS_SELECTOR, '#results .inv')}
        assert {'⟪U+202E⟫', '⟪U+2066⟫', '⟪U+2069⟫', '⟪U+001B⟫', '⟪U+0007⟫'} <= marks, marks
        assert d.find_element(By.CSS_SELECTOR, '#results .inv').value_of_css_property('background-color') != 'rgba(0, 0, 0, 0)'  # styled
        locs = [e.text for e in d.find_elements(By.CSS_SELECTOR, '#results .loc')]
        assert 'evil/access⟪U+202E⟫gnp.py:1' in locs, locs
        assert any(e.find_elements(By.CSS_SELECTOR, '.inv') for e in d.find_elements(By.CSS_SELECTOR, '#results pre.hl')), 'code is not marked'
        # only the http(s) and editor urls are links
        assert not d.find_elements(By.CSS_SELECTOR, 'a[href^="javascript" i], a[href^="data" i], a[href^="file" i]')
        assert sorted(d.execute_script("return [...document.querySelectorAll('#results a')].map(a => a.getAttribute('href'))")) == GOOD_LINKS
        # the page's own check refuses what the server would have refused
        got = d.execute_script("return ['javascript:alert(1)', ' JavaScript:alert(1)', 'java\\tscript:alert(1)', 'data:text/html,x', "
                               "'file:///etc/passwd', 'vbscript:x', '/relative', 'https://example.com/a', 'vscode://file/a.py', "
                               "'vscode-insiders://file/a.py', 'idea://open?file=a.py'].map(linkable)")
        assert got == [''] * 7 + ['https://example.com/a', 'vscode://file/a.py', 'vscode-insiders://file/a.py', 'idea://open?file=a.py'], got
    finally:
        d.quit()


def test_deploy_while_querying(server, ws):
    "Deploy run B while a client keeps querying: no failed request, and the answers switch from A to B for good."
    from codesearch_nb.serve import deploy, deploy_history
    seen, stop = [], threading.Event()

    def client():
        with httpx.Client(timeout=30) as c:
            while not stop.is_set():
                try:
                    r = c.get(server + '/search', params=dict(q='read a configuration file', k=5))
                    seen.append((r.status_code, r.json().get('run_id') if r.status_code == 200 else r.text, len(r.json().get('results', []))))
                except Exception as e: seen.append(('error', repr(e), 0))
    t = threading.Thread(target=client); t.start()
    try:
        time.sleep(1.0)
        rec = deploy(RUN_B, ws=str(ws))  # builds B's index first, then switches
        assert rec['previous'] == RUN_A
        deadline = time.time() + 120
        while time.time() < deadline and not any(s[1] == RUN_B for s in seen[-3:]): time.sleep(0.2)
        time.sleep(1.0)
    finally:
        stop.set(); t.join(60)
    assert len(seen) >= 20, len(seen)
    assert all(s[0] == 200 and s[2] == 5 for s in seen), [s for s in seen if s[0] != 200][:5]
    runs = [s[1] for s in seen]
    assert runs[0] == RUN_A and runs[-1] == RUN_B, (runs[:3], runs[-3:])
    switch = runs.index(RUN_B)
    assert set(runs[:switch]) == {RUN_A} and set(runs[switch:]) == {RUN_B}, 'answers went back to the old run'
    assert httpx.get(server + '/model').json()['run_id'] == RUN_B

    # rollback returns to A, also without a restart
    deploy(rollback=True, ws=str(ws))
    deadline = time.time() + 60
    while time.time() < deadline and httpx.get(server + '/health').json()['run_id'] != RUN_A: time.sleep(0.2)
    assert httpx.get(server + '/search', params=dict(q='read a file')).json()['run_id'] == RUN_A
    h = deploy_history(str(ws))
    assert [(x['action'], x['run_id']) for x in h] == [('deploy', RUN_A), ('deploy', RUN_B), ('rollback', RUN_A)]
    assert all(x['by'] and x['at'] and 'valid_mrr' in x['metrics'] for x in h)


@pytest.mark.slow
def test_serve_with_a_reranker(ws, add_reranker):
    "`codesearch serve --rerank RUN --rerank-k K`: every search is two-stage, on the same `Searcher` path as `query`; the reranker stays when the deployed run changes."
    from codesearch_nb.index import run_searcher
    from codesearch_nb.serve import deploy
    from codesearch_nb.runs import deployment
    rid = add_reranker(ws)
    bad = subprocess.run([sys.executable, '-c', 'import sys; from codesearch_nb.cli import main; sys.exit(main(sys.argv[1:]))',
                          'serve', '--rerank', RUN_A, '--port', str(free_port()), '--workspace', str(ws)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and f"run '{RUN_A}' is not a reranker" in bad.stderr, bad.stderr[-2000:]
    q = 'serialize an object to a json string'
    with _service(ws, '--rerank', rid, '--rerank-k', '20') as base:
        j = httpx.get(base + '/search', params=dict(q=q, k=5)).json()
        run = deployment(str(ws))['run_id']
        assert j['run_id'] == run and j['rerank'] == dict(run_id=rid, k=20, mix=1.0) and j['rerank_ms'] > 0
        res = j['results']
        assert len(res) == 5 and all({'first_score', 'rerank_score'} <= set(r) for r in res)
        assert [r['score'] for r in res] == sorted([r['score'] for r in res], reverse=True)
        here = run_searcher(run, str(ws), rerank=rid, rerank_k=20).search(q, k=5)[0]
        assert [r['id'] for r in res] == [r['id'] for r in here]           # the same two-stage search as `codesearch query`
        assert len(httpx.get(base + '/search', params=dict(q=q, k=30)).json()['results']) == 30   # more than rerank_k: that many reranked
        assert httpx.get(base + '/model').json()['rerank']['run_id'] == rid and httpx.get(base + '/health').json()['rerank'] == rid
        other = RUN_B if run == RUN_A else RUN_A
        with contextlib.redirect_stdout(None): deploy(other, ws=str(ws))
        deadline = time.time() + 120
        while time.time() < deadline and httpx.get(base + '/health').json()['run_id'] != other: time.sleep(0.2)
        j = httpx.get(base + '/search', params=dict(q=q, k=3)).json()
        assert j['run_id'] == other and j['rerank']['run_id'] == rid and all('rerank_score' in r for r in j['results'])


def test_fusion_indexed_searched_and_deployed(trained_workspace):
    "A fusion of two runs as one model: one index whose searches rank as the exact fusion (`Blend`), deployed like any run."
    import numpy as np, pandas as pd
    from codesearch_nb.index import build_index, run_searcher
    from codesearch_nb.scorers import get_scorer
    from codesearch_nb.serve import deploy
    w, corpus = trained_workspace('fusion_ws', {'nbow-f1': dict(epochs=1, seed=0), 'nbow-f2': dict(epochs=1, seed=1)})
    spec = 'fuse:nbow-f1=0.7,nbow-f2=0.3'
    meta = build_index(spec, corpus=corpus, ws=str(w))
    assert meta['run_id'].startswith('fuse-nbow-f1-nbow-f2-') and (w/'runs'/meta['run_id']/'index'/'fusion.npz').exists()
    s = run_searcher(spec, ws=str(w))
    codes, langs = pd.read_parquet(s.folder/'codes.parquet')['text'].tolist(), s.table['language'].tolist()
    qs = ['read a file', 'parse command line arguments', 'sort a list by key', 'send an email message', 'compress data', 'format a date']
    served = [[r['id'] for r in rs] for rs in s.search(qs, k=10)]
    exact = [[int(i) for i in np.argsort(-b, kind='stable')[:10]] for b in get_scorer(spec, str(w)).score(qs, codes, langs)]
    assert [x[:3] for x in served] == [x[:3] for x in exact]
    assert all(len(set(a) & set(b)) >= 9 for a, b in zip(served, exact))
    assert get_scorer(meta['run_id'], str(w)).name == 'fuse:nbow-f1=0.7,nbow-f2=0.3'   # a fusion run is evaluated as the exact fusion
    rec = deploy(spec, ws=str(w))
    assert rec['run_id'] == meta['run_id'] and rec['index']['dim'] == meta['dim']
