"""`codesearch mcp` end to end: a real run (a neural bag of words trained for one epoch on the project's sample corpus),
indexed and deployed in a temporary workspace, served by a real server process that the MCP SDK's own stdio client
drives — tools listed, searched, read, described, and fed bad arguments without the server falling over."""
import functools, json, os, subprocess, sys
import pytest

anyio = pytest.importorskip('anyio')
pytest.importorskip('mcp')
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

RUN = 'nbow-mcp'
# docstring summaries of the sample corpus and the function each belongs to
QUERIES = [('Wrap a single paragraph of text, returning a list of wrapped lines.', 'Lib/textwrap.py', 'wrap'),
           ('Return the sample variance of data.', 'Lib/statistics.py', 'variance')]


@pytest.fixture(scope='module')
def ws(trained_workspace):
    "A workspace with the sample corpus and one trained run, indexed and deployed."
    from codesearch_nb.index import build_index
    from codesearch_nb.serve import deploy
    w, _ = trained_workspace('mcp_ws', {RUN: dict(epochs=1, bs=32, vocab_size=2000)})
    meta = build_index(RUN, ws=str(w))
    rec = deploy(RUN, ws=str(w))
    assert rec['run_id'] == RUN and meta['live'] > 500
    return w


@functools.cache
def _cli_lists_mcp() -> bool:
    "Whether `codesearch --help` lists the `mcp` verb."
    r = subprocess.run([sys.executable, '-c', 'import sys; from codesearch_nb.cli import main; sys.exit(main(["--help"]))'],
                       capture_output=True, text=True, timeout=60)
    return 'mcp' in [l.strip() for l in r.stdout.splitlines()]


def _server(ws, run=None, extra=()) -> StdioServerParameters:
    "How to start the server: `codesearch mcp [extra]` once the CLI has the verb, else the function itself."
    if _cli_lists_mcp():
        argv = ['mcp', '--workspace', str(ws)] + (['--run', run] if run else []) + list(extra)
        code = f'import sys; from codesearch_nb.cli import main; sys.exit(main({argv!r}))'
    else: code = f'from codesearch_nb.mcp_server import mcp; mcp(run={run!r}, ws={str(ws)!r})'
    return StdioServerParameters(command=sys.executable, args=['-c', code], cwd=str(ws),
                                 env={**os.environ, 'WANDB_MODE': 'disabled', 'PYTHONUNBUFFERED': '1'})


def _session(params, errlog, junk):
    "A stdio client session on a new server process; `junk` collects anything on stdout that is not the protocol."
    async def on_message(m):
        if isinstance(m, Exception): junk.append(m)
    async def run(body):
        async with stdio_client(params, errlog=errlog) as (r, w):
            async with ClientSession(r, w, message_handler=on_message) as s:
                await s.initialize()
                return await body(s)
    return run


def _text(res): return res.content[0].text


def test_tools_over_stdio(ws, tmp_path):
    junk, log = [], tmp_path/'server.log'

    async def body(s):
        out = {}
        out['tools'] = sorted(t.name for t in (await s.list_tools()).tools)
        out['found'] = [json.loads(_text(await s.call_tool('search_code', dict(query=q, k=5)))) for q, _, _ in QUERIES]
        top = out['found'][0]['results'][0]
        out['top'], out['fn'] = top, json.loads(_text(await s.call_tool('get_function', dict(id=top['id']))))
        out['status'] = json.loads(_text(await s.call_tool('index_status', {})))
        out['bad'] = []
        for name, args in [('search_code', dict(query='')), ('search_code', dict(query='   ')),
                           ('search_code', dict(query='read a file', k=0)), ('search_code', dict(query='read a file', k=101)),
                           ('search_code', dict(query='read a file', k='many')), ('search_code', dict(query='read a file', lang='cobol')),
                           ('search_code', dict(query='read a file', mode='magic')), ('search_code', {}),
                           ('get_function', dict(id=10**9)), ('get_function', dict(id=-1)), ('no_such_tool', {})]:
            r = await s.call_tool(name, args)
            out['bad'].append((name, args, r.is_error, _text(r)))
        out['after'] = json.loads(_text(await s.call_tool('search_code', dict(query='read a file', k=3, path='http/*'))))
        out['hybrid'] = json.loads(_text(await s.call_tool('search_code', dict(query='parse a url', k=4, mode='hybrid'))))
        return out

    with open(log, 'w') as errlog: out = anyio.run(_session(_server(ws), errlog, junk), body)
    assert out['tools'] == ['get_function', 'index_status', 'search_code']
    for (q, path, name), j in zip(QUERIES, out['found']):
        res = j['results']
        assert j['run_id'] == RUN and len(res) == 5 and [r['rank'] for r in res] == [1, 2, 3, 4, 5]
        assert [r['score'] for r in res] == sorted([r['score'] for r in res], reverse=True)
        for r in res:
            assert r['path'].startswith('Lib/') and 1 <= r['start_line'] <= r['end_line'] and r['signature'] and r['language'] == 'python'
            assert 'code' not in r
        assert (path, name) in [(r['path'], r['func_name']) for r in res], (q, [(r['path'], r['func_name']) for r in res])
    top, fn = out['top'], out['fn']
    assert (fn['id'], fn['path'], fn['start_line'], fn['end_line']) == (top['id'], top['path'], top['start_line'], top['end_line'])
    short = top['func_name'].split('.')[-1]
    assert f'def {short}(' in fn['code'] and fn['code'].count('\n') + 1 >= fn['end_line'] - fn['start_line'] and fn['truncated'] is False
    from codesearch_nb.index import index_dir, read_meta
    st = out['status']
    assert (st['run_id'], st['served'], st['model'], st['corpus']) == (RUN, 'deployed', 'nbow', 'stdlib-sample')
    assert st['functions'] == read_meta(index_dir(RUN, ws))['live'] > 500 and st['languages'] == ['python'] and st['kind'] == 'flat'
    assert st['built_at'] and st['encoder']
    for (name, args, is_err, text), want in zip(out['bad'], ['query is empty', 'query is empty', 'k=0 is out of range', 'k=101 is out of range',
                                                              'valid integer', "lang 'cobol' is not in this index; it has python",
                                                              "mode 'magic' is unknown; use one of dense, hybrid, bm25", 'query',
                                                              'take ids from search_code', 'id -1 is not in this index', 'no_such_tool']):
        assert is_err and want in text, (name, args, text)
    for name, args, _, text in out['bad'][:4] + out['bad'][5:7] + out['bad'][8:10]:
        assert '\n' not in text.strip(), (args, text)  # one line for the agent
    after = out['after']['results']
    assert len(after) == 3 and all(r['path'].startswith('Lib/http/') for r in after), after  # a glob also matches a path's tail
    assert len(out['hybrid']['results']) == 4 and out['hybrid']['mode'] == 'hybrid'
    assert not junk, f'non-protocol output on stdout: {junk[:3]}'
    assert 'serving run nbow-mcp' in log.read_text(), log.read_text()[-2000:]


def test_starts_before_anything_is_deployed(tmp_path):
    "A server in a workspace with nothing deployed starts and answers every tool with the command that fixes it."
    junk, ws = [], tmp_path/'ws'
    ws.mkdir()

    async def body(s):
        tools = [t.name for t in (await s.list_tools()).tools]
        res = [await s.call_tool('index_status', {}), await s.call_tool('search_code', dict(query='read a file')),
               await s.call_tool('get_function', dict(id=0)), await s.call_tool('search_code', dict(query=''))]
        return tools, [(r.is_error, _text(r)) for r in res]

    with open(tmp_path/'server.log', 'w') as errlog: tools, res = anyio.run(_session(_server(ws), errlog, junk), body)
    assert sorted(tools) == ['get_function', 'index_status', 'search_code']
    for is_err, text in res[:3]: assert is_err and '`codesearch deploy RUN_ID`' in text and '\n' not in text.strip(), text
    assert res[3][0] and 'query is empty' in res[3][1]  # arguments are checked before the run is looked up
    assert not junk


def test_run_without_index(ws, tmp_path):
    "`--run` names a run without an index: the tools say which `codesearch index` builds it."
    (ws/'runs'/'bare').mkdir()
    (ws/'runs'/'bare'/'config.json').write_text('{}')

    async def body(s):
        return [await s.call_tool('index_status', {}), await s.call_tool('search_code', dict(query='read a file'))]

    junk = []
    with open(tmp_path/'server.log', 'w') as errlog: res = anyio.run(_session(_server(ws, run='bare'), errlog, junk), body)
    for r in res: assert r.is_error and '`codesearch index bare`' in _text(r), _text(r)
    assert 'run bare has no index yet' in (tmp_path/'server.log').read_text()


@pytest.mark.slow
def test_search_code_with_a_reranker(ws, tmp_path, add_reranker):
    "`codesearch mcp --rerank RUN --rerank-k K`: search_code answers from the same two-stage `Searcher` as `codesearch query`; a bad reranker stops the server before an agent connects."
    from codesearch_nb.index import run_searcher
    rid = add_reranker(ws)
    bad = subprocess.run([sys.executable, '-c', 'import sys; from codesearch_nb.cli import main; sys.exit(main(sys.argv[1:]))',
                          'mcp', '--rerank', RUN, '--workspace', str(ws)], capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert bad.returncode == 1 and f"run '{RUN}' is not a reranker" in bad.stderr, bad.stderr[-2000:]
    q = QUERIES[0][0]

    async def body(s):
        return [json.loads(_text(await s.call_tool(*c))) for c in
                [('search_code', dict(query=q, k=5)), ('search_code', dict(query='read a file', k=3, path='http/*')), ('index_status', {})]]

    junk = []
    with open(tmp_path/'server.log', 'w') as errlog:
        found, http, st = anyio.run(_session(_server(ws, extra=['--rerank', rid, '--rerank-k', '20']), errlog, junk), body)
    res = found['results']
    assert found['rerank'] == dict(run_id=rid, k=20) and len(res) == 5 and all({'first_score', 'rerank_score'} <= set(r) for r in res)
    assert [r['score'] for r in res] == sorted([r['score'] for r in res], reverse=True)
    assert [r['id'] for r in res] == [r['id'] for r in run_searcher(RUN, str(ws), rerank=rid, rerank_k=20).search(q, k=5)[0]]
    assert len(http['results']) == 3 and all(r['path'].startswith('Lib/http/') for r in http['results']), http
    assert st['rerank'] == dict(run_id=rid, k=20) and not junk
    assert f'reranking the top 20 with {rid}' in (tmp_path/'server.log').read_text()
