"""Relevance judgements end to end: grading on the page in headless Chromium (keys and clicks), the CSV rows, the
`judgements` benchmark checked against NDCG computed by hand, `codesearch judge` driven in tmux, and 32 HTTP clients
grading at once while the server is killed with SIGKILL.

Runs: one neural bag-of-words model trained for 2 epochs on the project's sample corpus (a few seconds), deployed.
"""
import csv, json, os, shlex, shutil, signal, subprocess, sys, threading, time
from pathlib import Path
import numpy as np
import pytest
from codesearch_nb.testing import serve_process, stop_process

httpx = pytest.importorskip('httpx')
from codesearch_nb.judgements import STORE_COLUMNS, STORE_FILE, held_out, query_key, read_judgements, function_ref, code_hash

RUN = 'nbow-judge'



@pytest.fixture(scope='module')
def ws(trained_workspace):
    "A workspace with the sample corpus and one trained run, deployed (its index built by deploy)."
    from codesearch_nb.serve import deploy
    w, _ = trained_workspace('judge_ws', {RUN: dict(epochs=2, seed=0)})
    deploy(RUN, ws=str(w))
    return w


def _start(ws, *extra):
    "`codesearch serve` on `ws`, healthy; (process, base URL)."
    try: return serve_process(ws, *extra)
    except RuntimeError as e: pytest.fail(str(e))


_stop = stop_process


def _rows(ws):
    "The stored CSV rows, checked to be whole (every column present, a grade 0-3)."
    with open(Path(ws)/'judgements'/STORE_FILE, newline='', encoding='utf-8') as f:
        r = csv.reader(f)
        head = next(r)
        rows = [dict(zip(head, x)) for x in r if (len(x) == len(head)) or pytest.fail(f'partial row {x}')]
    assert head == list(STORE_COLUMNS)
    assert all(x['Relevance'] in '0123' and x['Query'] and x['GitHubUrl'] and len(x['code_hash']) == 16 for x in rows)
    return rows


def _corpus():
    from codesearch_nb.corpus import sample_corpus
    return sample_corpus()


def _held(candidates, n):
    "The first `n` queries of `candidates` that the judgements benchmark scores (held out)."
    out = [q for q in candidates if held_out(q)][:n]
    assert len(out) == n
    return out


def _dcg(gs): return sum((2**g - 1) / np.log2(i + 2) for i, g in enumerate(gs))


def test_code_hash_is_the_index_hash():
    "A grade's code hash is what the index table stores for the function, so changed code is noticed."
    import pandas as pd
    from codesearch_nb.index import function_table
    codes = ['def f(): pass', 'def g():\n    return "é\u202e"', '']
    df = pd.DataFrame(dict(repo='r', path='a.py', func_name=['f', 'g', 'h'], language='python', start_line=1, end_line=2, url='',
                           code=codes, original_string=codes, docstring='', docstring_summary=''))
    assert list(function_table(df)['chash']) == [code_hash(c) for c in codes]


def _chromium():
    for b in ('chromium', 'chromium-browser', 'google-chrome'):
        if shutil.which(b): return shutil.which(b)


@pytest.mark.skipif(not (_chromium() and shutil.which('chromedriver')), reason='chromium and chromium-driver are not installed')
def test_grade_two_queries_in_the_browser(ws, tmp_path, capsys):
    webdriver = pytest.importorskip('selenium.webdriver')
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    q1, q2 = _held(['read a json file into a dict', 'compress bytes with gzip', 'split a shell command line into words',
                    'parse a date string', 'write rows to a csv file', 'encode bytes as base64 text', 'wrap long text lines'], 2)
    opts = webdriver.ChromeOptions(); opts.binary_location = _chromium()
    for a in ('--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
              '--disable-sync', '--no-first-run', '--disable-dev-shm-usage', f'--user-data-dir={tmp_path/"profile"}'):
        opts.add_argument(a)
    p, base = _start(ws)
    d = webdriver.Chrome(options=opts, service=Service(shutil.which('chromedriver')))
    try:
        wait = WebDriverWait(d, 30)
        def search(q):
            d.get(base + '/')
            wait.until(lambda d: RUN in d.find_element(By.ID, 'model').text)
            assert d.find_element(By.ID, 'judgehelp').is_displayed()
            d.find_element(By.ID, 'k').find_element(By.CSS_SELECTOR, 'option').click()   # 5 results
            d.find_element(By.ID, 'q').send_keys(q + '\n')
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '#results .res .grade')) == 5)
            return d.find_elements(By.CSS_SELECTOR, '#results .res')
        saved = lambda n: wait.until(lambda d: sum(s.text.startswith('saved') for s in d.find_elements(By.CSS_SELECTOR, '.saved')) == n)
        # query 1 with the keyboard: j/k move, digits grade and move on
        res = search(q1)
        body = d.find_element(By.TAG_NAME, 'body')
        body.send_keys('3'); saved(1); body.send_keys('0'); saved(2)            # ranks 1 and 2; rank 3 is selected
        body.send_keys('j'); body.send_keys('2'); saved(3)                      # j skips to rank 4
        body.send_keys('k'); body.send_keys('k'); body.send_keys('1'); saved(4)  # back to rank 3
        g1 = {1: 3, 2: 0, 3: 1, 4: 2}
        # query 2 with the mouse, and a note typed after `n`
        res = search(q2)
        res[0].find_elements(By.CSS_SELECTOR, '.grade button')[1].click(); saved(1)
        res[1].find_elements(By.CSS_SELECTOR, '.grade button')[3].click(); saved(2)
        d.find_element(By.TAG_NAME, 'body').send_keys('j'); d.find_element(By.TAG_NAME, 'body').send_keys('j')   # rank 2 selected
        d.find_element(By.TAG_NAME, 'body').send_keys('n'); d.switch_to.active_element.send_keys('the one I wanted\n')
        wait.until(lambda d: any(r['Notes'] == 'the one I wanted' for r in read_judgements(Path(ws)/'judgements')))
        g2 = {1: 1, 2: 3}
        refs2 = [r.get_attribute('data-ref') for r in res]
        # the rows: one per graded result, the note replaced in place, nothing duplicated
        rows = _rows(ws)
        assert len(rows) == 6, rows
        by = {(r['Query'], int(r['rank'])): r for r in rows}
        assert {k: int(r['Relevance']) for k, r in by.items()} == {**{(q1, k): g for k, g in g1.items()}, **{(q2, k): g for k, g in g2.items()}}
        assert all(r['run_id'] == RUN and r['mode'] == 'dense' and r['Language'] == 'python' for r in rows)
        assert by[(q2, 2)]['Notes'] == 'the one I wanted' and by[(q2, 2)]['GitHubUrl'] == refs2[1]
        # after a reload the page shows the grades again
        d.get(base + '/?q=' + q1.replace(' ', '+'))
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, '#results .res .grade button.on')) == 4)
        shown = [next((int(b.get_attribute('data-g')) for b in r.find_elements(By.CSS_SELECTOR, 'button.on')), None) for r in d.find_elements(By.CSS_SELECTOR, '#results .res')]
        assert shown == [3, 0, 1, 2] + [None] * 6, shown   # a reload shows 10 results; the first four graded
    finally:
        d.quit(); _stop(p)
    # the benchmark, against NDCG and MRR computed here by hand with the same model's scores
    from codesearch_nb.cli import main
    from codesearch_nb.corpus import load_corpus
    from codesearch_nb.scorers import get_scorer
    assert main(['eval', RUN, '--benchmark', 'judgements', '--corpus', _corpus(), '--top-k', '2000', '--workspace', str(ws), '--no-report', '--no-wandb']) == 0
    out = capsys.readouterr().out
    res = json.loads((Path(ws)/'runs'/RUN/'metrics.json').read_text())['eval'][f'judgements-{_corpus()}']
    corpus = load_corpus(_corpus(), ws=str(ws))
    refs_all = [function_ref(r) for r in corpus.to_dict('records')]
    sc = get_scorer(RUN, str(ws))
    within, alls, rr = [], [], []
    for q in (q1, q2):
        graded = {r['GitHubUrl']: int(r['Relevance']) for r in rows if r['Query'] == q}
        S = sc.score([query_key(q)], corpus['code'].tolist(), ['python'] * len(corpus))[0]
        order = [refs_all[j] for j in np.argsort(-S, kind='stable')]
        ideal = _dcg(sorted(graded.values(), reverse=True))
        within.append(_dcg([graded[u] for u in order if u in graded]) / ideal)
        alls.append(sum((2**graded[u] - 1) / np.log2(i + 2) for i, u in enumerate(order) if u in graded) / ideal)
        best = max(S[refs_all.index(u)] for u, g in graded.items() if g >= 2)
        rr.append(1 / np.count_nonzero(S >= best))
    assert res['ndcg_within'] == pytest.approx(np.mean(within)) and res['ndcg_all'] == pytest.approx(np.mean(alls)), (res, within, alls)
    assert res['mrr'] == pytest.approx(np.mean(rr))
    assert (res['n_queries'], res['n_judgements'], res['n_changed'], res['n_missing']) == (2, 6, 0, 0)
    assert f'ndcg_within {res["ndcg_within"]:.4f} on judgements-{_corpus()}' in out
    # the leaderboard has the row
    from codesearch_nb.evaluate import leaderboard
    lb = leaderboard(benchmark=f'judgements-{_corpus()}', metric='ndcg_within', ws=str(ws))
    assert lb.model.tolist() == [RUN]


def _tmux(*args): return subprocess.run(['tmux', *args], capture_output=True, text=True, check=True).stdout


@pytest.mark.skipif(not shutil.which('tmux'), reason='tmux is not installed')
def test_judge_in_tmux(ws, tmp_path):
    "`codesearch judge` in a real terminal: results one by one, a grade with a note, a typo refused, a skip, quit."
    q = 'sort items with a heap queue'
    sock, log = str(tmp_path/'tmux.sock'), tmp_path/'done'
    env = f'CODESEARCH_HOME={shlex.quote(str(ws))} WANDB_MODE=disabled'
    prog = shlex.quote('import sys; from codesearch_nb.cli import main; sys.exit(main(sys.argv[1:]))')
    cmd = f'{env} {shlex.quote(sys.executable)} -c {prog} judge {shlex.quote(q)} -k 3 --workspace {shlex.quote(str(ws))}; echo exit=$? > {shlex.quote(str(log))}; sleep 30'
    _tmux('-S', sock, 'new-session', '-d', '-s', 'j', '-x', '160', '-y', '50', cmd)
    screen = lambda: _tmux('-S', sock, 'capture-pane', '-p', '-t', 'j', '-S', '-200')
    def until(text, n=1, timeout=120):
        t0 = time.time()
        while screen().count(text) < n:
            if time.time() - t0 > timeout: pytest.fail(f'{text!r} ({n}x) never appeared:\n{screen()}')
            time.sleep(0.2)
    try:
        until('grade 0-3'); assert '  1  ' in screen() and f'run {RUN}' in screen()
        _tmux('-S', sock, 'send-keys', '-t', 'j', '3 exactly this', 'Enter'); until('stored: 3 (exact)')
        _tmux('-S', sock, 'send-keys', '-t', 'j', '9', 'Enter'); until('grade \'9\': give 0 (irrelevant)')
        _tmux('-S', sock, 'send-keys', '-t', 'j', '1', 'Enter'); until('stored: 1 (weak)')
        _tmux('-S', sock, 'send-keys', '-t', 'j', 'q', 'Enter')
        t0 = time.time()
        while not log.exists() and time.time() - t0 < 60: time.sleep(0.2)
        assert log.read_text().strip() == 'exit=0', screen()
        assert '2 graded, 0 skipped' in screen()
    finally: subprocess.run(['tmux', '-S', sock, 'kill-server'], capture_output=True)
    rows = [r for r in _rows(ws) if r['Query'] == q]
    assert sorted((int(r['rank']), int(r['Relevance']), r['Notes']) for r in rows) == [(1, 3, 'exactly this'), (2, 1, '')]
    # run again: the earlier grade shows, a new grade replaces it
    from codesearch_nb.judgements import grade_loop, grades_for
    from codesearch_nb.index import run_searcher
    s = run_searcher(RUN, str(ws))
    res = s.search(q, k=1)[0]
    said = []
    grade_loop(res, q, Path(ws)/'judgements', RUN, read=lambda p: '2', say=said.append, functions=lambda i: dict(chash=s.table['chash'].iat[i]))
    assert any('graded before: 3 (exact) — exactly this' in x for x in said)
    assert grades_for(q, Path(ws)/'judgements')[function_ref(res[0])]['grade'] == 2
    assert len([r for r in _rows(ws) if r['Query'] == q]) == 2


def test_export_import_round_trip(ws, tmp_path, capsys):
    from codesearch_nb.cli import main
    n = len(_rows(ws)) if (Path(ws)/'judgements'/STORE_FILE).exists() else 0
    if not n: pytest.skip('no grades yet')
    assert main(['judge', '--export-csv', str(tmp_path/'out'), '--workspace', str(ws)]) == 0
    f = tmp_path/'out'/'annotationStore.csv'
    assert f.read_text().splitlines()[0] == 'Language,Query,GitHubUrl,Relevance,Notes'
    other = tmp_path/'other'; other.mkdir()
    assert main(['judge', '--import-csv', str(f), '--workspace', str(other)]) == 0
    assert f'{n:,} grades added, 0 replaced' in capsys.readouterr().out
    a = {(r['Query'], r['GitHubUrl']): r['Relevance'] for r in read_judgements(Path(ws)/'judgements')}
    b = {(r['Query'], r['GitHubUrl']): r['Relevance'] for r in read_judgements(other/'judgements')}
    assert a == b


def test_32_clients_and_a_sigkill(ws):
    "32 clients grade at once; the server is killed with SIGKILL mid-way: no partial row, no acknowledged grade lost."
    p, base = _start(ws)
    queries = [f'concurrent query {i} read a file' for i in range(32)]
    results = {q: httpx.get(base + '/search', params=dict(q=q, k=10)).json()['results'] for q in queries}
    acked, errors, lock, stop = [], [], threading.Lock(), threading.Event()
    def client(q):
        with httpx.Client(timeout=10) as c:
            for g, x in enumerate(results[q]):
                if stop.is_set(): return
                body = dict(query=q, id=x['id'], ref=x['ref'], grade=g % 4, rank=x['rank'], score=x['score'], mode='dense')
                try: r = c.post(base + '/judge', json=body, headers={'Origin': base})
                except httpx.HTTPError: return   # the server is gone
                if r.status_code == 200:
                    with lock: acked.append((q, x['ref'], g % 4))
                else: errors.append((r.status_code, r.text))
    threads = [threading.Thread(target=client, args=(q,)) for q in queries]
    for t in threads: t.start()
    t0 = time.time()
    while len(acked) < 120 and time.time() - t0 < 120: time.sleep(0.005)
    os.kill(p.pid, signal.SIGKILL); p.wait()
    stop.set()
    for t in threads: t.join(30)
    n_acked = len(acked)
    assert not errors, errors[:3]
    assert 0 < n_acked < 32 * 10, n_acked   # killed in the middle
    stored = {(r['Query'], r['GitHubUrl']): int(r['Relevance']) for r in _rows(ws)}
    assert len(stored) == len([r for r in _rows(ws)])   # one row per query and function
    lost = [a for a in acked if stored.get(a[:2]) != a[2]]
    assert not lost, lost[:5]
    # a restarted server goes on from the same file; a stale temporary file of the killed writer is cleaned up
    p, base = _start(ws)
    try:
        q, x = queries[0], results[queries[0]][-1]
        r = httpx.post(base + '/judge', json=dict(query=q, id=x['id'], ref=x['ref'], grade=3), headers={'Origin': base})
        assert r.status_code == 200 and r.json()['stored']['Relevance'] == 3
        assert not list((Path(ws)/'judgements').glob('.*.tmp'))
        # cross-site posts are refused by the real server too
        assert httpx.post(base + '/judge', json=dict(query=q, id=x['id'], ref=x['ref'], grade=1), headers={'Origin': 'https://evil.example'}).status_code == 403
        assert httpx.post(base + '/judge', content=json.dumps(dict(query=q, id=x['id'], ref=x['ref'], grade=1)), headers={'content-type': 'text/plain'}).status_code == 403
    finally: _stop(p)
    # a server with judging off stores nothing
    p, base = _start(ws, '--no-judging')
    try:
        assert httpx.get(base + '/model').json()['judging'] is False
        assert httpx.post(base + '/judge', json=dict(query=q, id=x['id'], ref=x['ref'], grade=0)).status_code == 403
    finally: _stop(p)
