"""The five languages beyond CodeSearchNet's six (TypeScript/TSX, C, C++, C#, Rust) end to end, on real files shipped in
`codesearch_nb/testdata/languages`: extraction names and summaries, the filters, `codesearch corpus build` (its
per-language drop table), and search over an index with a language filter. No download, no torch: the index's model
is the shared test double `HashEncoder`."""
import contextlib, io, shutil, subprocess
import pytest

from codesearch_nb import index as ix
from codesearch_nb.core import bundled_data
from codesearch_nb.corpus import Filters, drop_reason, corpus_meta, load_corpus, format_summary
from codesearch_nb.extract import CSN_LANGS, LANGS, extract_file
from codesearch_nb.testing import HashEncoder

NEW = ('typescript', 'c', 'cpp', 'csharp', 'rust')
DATA = bundled_data('languages')
RUN = 'mini'


def recs(name):
    r, skipped = extract_file(DATA/name)
    return r, skipped


def test_one_list_of_languages():
    "Downstream code derives its languages from `extract.LANGS`: the six of CodeSearchNet, then the five new ones."
    from codesearch_nb import chatops
    assert LANGS == CSN_LANGS + NEW and chatops.LANGS is LANGS


@pytest.mark.parametrize('name,lang,n,first,summary', [
    ('Lifecycle.ts', 'typescript', 11, 'Disposable.dispose', 'Disposes the object, triggering the `dispose` method on all registered IDisposables.'),
    ('hmapx.c', 'c', 18, 'hmapx_clone', "Initializes 'map' to contain the same pointers as 'orig'."),
    ('BooleanRedux.h', 'cpp', 11, 'Eigen.DenseBase.all', 'Returns true if all coefficients are true'),
    ('PySequence.cs', 'csharp', 15, 'Python.Runtime.PySequence.IsSequenceType', 'Returns true if the given object implements the sequence protocol.'),
    ('free.rs', 'rust', 14, 'intersperse', 'Iterate `iterable` with a particular value inserted between each element.'),
])
def test_real_files(name, lang, n, first, summary):
    "Each file gives its functions, named as users search them, with the summary of the language's doc convention."
    r, skipped = recs(name)
    assert not skipped and len(r) == n and {x['language'] for x in r} == {lang}
    doc = next(x for x in r if x['func_name'] == first)
    assert doc['docstring_summary'] == summary, doc['docstring_summary']
    assert all(x['start_line'] <= x['end_line'] and x['code_tokens'] for x in r)


def test_tsx_is_typescript():
    "A `.tsx` file is TypeScript parsed by the TSX grammar: its components come out whole, with no syntax error."
    r, skipped = recs('QueryErrorResetBoundary.tsx')
    assert not skipped and {x['language'] for x in r} == {'typescript'}
    assert 'QueryErrorResetBoundary' in {x['func_name'] for x in r}


def test_filters_per_language():
    "Constructors, destructors, operators and Rust's `new`/std-trait methods are standard methods; documented methods stay."
    keep = lambda name: [x['func_name'] for x in recs(name)[0] if not drop_reason(x, Filters())]
    assert 'Python.Runtime.PySequence.GetSlice' in keep('PySequence.cs')
    assert not any(f.endswith('PySequence.PySequence') for f in keep('PySequence.cs'))  # a constructor
    assert len(keep('free.rs')) == 14 and len(keep('Lifecycle.ts')) == 9


@pytest.fixture
def ws(tmp_path, monkeypatch):
    w = tmp_path/'ws'
    (w/'runs'/RUN).mkdir(parents=True)
    (w/'runs'/RUN/'config.json').write_text('{}')
    enc = HashEncoder()
    monkeypatch.setattr(ix, 'load_run_encoder', lambda *a, **k: enc)
    ix._SEARCHERS.clear()
    return w


def test_corpus_build_cli(tmp_path):
    "`codesearch corpus build --source` over the six files: every new language in the counts and in the drop table."
    src = tmp_path/'src'; shutil.copytree(DATA, src)
    out = subprocess.run(['codesearch', 'corpus', 'build', '--name', 'langs', '--source', str(src),
                          '--workspace', str(tmp_path/'ws'), '--valid', '0.2', '--test', '0.2', '--quiet'],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    m = corpus_meta('langs', tmp_path/'ws')
    assert set(m['counts']) == set(NEW) and set(m['drops_by_language']) >= {'csharp', 'cpp'}
    assert m['extracted'] == {'typescript': 17, 'c': 18, 'cpp': 11, 'csharp': 15, 'rust': 14}
    df = load_corpus('langs', ws=tmp_path/'ws')
    assert len(df) == m['total'] and set(df.language) == set(NEW)
    s = format_summary(m)
    assert 'dropped by filters, per language:' in s and 'csharp' in s.split('dropped by filters')[1]
    info = subprocess.run(['codesearch', 'corpus', 'info', 'langs', '--workspace', str(tmp_path/'ws')],
                          capture_output=True, text=True, timeout=120)
    assert info.returncode == 0 and 'rust' in info.stdout and 'per language' in info.stdout


def test_bad_recipe_names_the_choices(tmp_path):
    out = subprocess.run(['codesearch', 'corpus', 'build', '--recipe', 'rust,cobol', '--workspace', str(tmp_path)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "'cobol' is not a recipe" in out.stderr + out.stdout and 'csharp' in out.stderr + out.stdout


def test_index_and_query_by_language(ws, tmp_path):
    "An index over the six files answers with functions of every new language, and `lang` narrows to one."
    src = tmp_path/'src'; shutil.copytree(DATA, src)
    with contextlib.redirect_stdout(io.StringIO()):
        ix.build_index(RUN, source=[str(src)], ws=str(ws))
        res = ix.query('intersperse an element into an iterable', k=5, run=RUN, ws=str(ws), json=True)
        cs = ix.query('slice of a sequence', k=3, lang='csharp', run=RUN, ws=str(ws), json=True)
    assert cs and {r['language'] for r in cs} == {'csharp'}
    assert any(r['func_name'] == 'intersperse' for r in res), [r['func_name'] for r in res]
