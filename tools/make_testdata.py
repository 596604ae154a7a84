"""Regenerate `codesearch_nb/testdata/`: small benchmarks shipped with the package, built from the standard library.

    python tools/make_testdata.py          # writes codesearch_nb/testdata/{cosqa-stdlib,annotations}/ and README.md

- `cosqa-stdlib/`: a CoSQA-format benchmark. `code_idx_map.txt` is the code base: every public, documented
  function of `MODULES` that the corpus filters keep (`drop_reason` with default `Filters`), as `extract_file`
  gives it (`original_string`, docstring included, like CoSQA), sorted by file and line. The query file holds the
  hand-written web-style `QUERIES`, each labelled with the one function it asks for. `code_urls.txt` gives the
  GitHub URL of each function, one a line in index order, so the code base also serves as a corpus with URLs.
- `annotations/`: CodeSearchNet-format relevance judgements (`annotationStore.csv`, `queries.csv`), graded 0-3 by
  hand (`JUDGEMENTS`), of functions identified by the same URLs the `stdlib` corpus recipe records.

Deterministic for a given Python: the committed files come from CPython `PYTHON`; another version has other line
numbers (and URLs), so the script refuses it unless `--any-python` is given.
"""
import argparse, csv, io, json, platform, sys
from pathlib import Path

from codesearch_nb.extract import extract_file
from codesearch_nb.corpus import Filters, drop_reason
from codesearch_nb.sources import recipe_sources

PYTHON = '3.11.7'  # the CPython whose standard library the committed files come from
OUT = Path(__file__).absolute().parents[1]/'codesearch_nb'/'testdata'
MAX_CHARS = 6000   # longer functions are left out of the code base

MODULES = ['json/__init__.py', 'json/decoder.py', 'json/encoder.py', 'csv.py', 'textwrap.py', 'shlex.py', 'urllib/parse.py',
           'pathlib.py', 'string.py', 'difflib.py', 'calendar.py', 'statistics.py', 'fractions.py', 'gzip.py', 'zipfile.py',
           'configparser.py', 'email/utils.py', 'logging/__init__.py', 'shutil.py', 'posixpath.py', 'genericpath.py',
           'random.py', 'base64.py', 'heapq.py', 'bisect.py', 'fnmatch.py', 'glob.py', 'tempfile.py', 'uuid.py',
           'functools.py', 'hashlib.py', 'hmac.py', 'secrets.py', 'mimetypes.py', 'html/__init__.py', 'os.py',
           'timeit.py', 'copy.py']

# (query as typed into a search box, the function it asks for as module.qualified_name)
QUERIES = [
    ('python split string respecting quotes', 'shlex.split'),
    ('escape string for shell command python', 'shlex.quote'),
    ('join list of arguments into a shell command line', 'shlex.join'),
    ('python remove common indentation from multiline string', 'textwrap.dedent'),
    ('wrap long text to fixed width python', 'textwrap.wrap'),
    ('truncate string to width with placeholder', 'textwrap.shorten'),
    ('add prefix to every line of text python', 'textwrap.indent'),
    ('python parse url into components', 'urllib.parse.urlparse'),
    ('url encode string python', 'urllib.parse.quote'),
    ('decode percent encoded url python', 'urllib.parse.unquote'),
    ('python parse query string to dict', 'urllib.parse.parse_qs'),
    ('combine base url and relative link', 'urllib.parse.urljoin'),
    ('build query string from dict python', 'urllib.parse.urlencode'),
    ('remove fragment from url', 'urllib.parse.urldefrag'),
    ('python write dict to json file', 'json.dump'),
    ('convert python object to json string', 'json.dumps'),
    ('python parse json string', 'json.loads'),
    ('read json from file python', 'json.load'),
    ('python get file extension from path', 'pathlib.PurePath.suffix'),
    ('filename without extension pathlib', 'pathlib.PurePath.stem'),
    ('change file extension python', 'pathlib.PurePath.with_suffix'),
    ('create directory and parents if not exists python', 'pathlib.Path.mkdir'),
    ('python read whole file into string', 'pathlib.Path.read_text'),
    ('recursively find files matching pattern python', 'pathlib.Path.rglob'),
    ('list files in directory python', 'pathlib.Path.iterdir'),
    ('python get home directory', 'pathlib.Path.home'),
    ('get relative path from one folder to another', 'posixpath.relpath'),
    ('python check if path is a directory', 'genericpath.isdir'),
    ('check if file exists python', 'genericpath.exists'),
    ('get file size in bytes python', 'genericpath.getsize'),
    ('python file last modified time', 'genericpath.getmtime'),
    ('expand tilde in path python', 'posixpath.expanduser'),
    ('substitute environment variables in a path string', 'posixpath.expandvars'),
    ('longest common prefix of list of strings python', 'genericpath.commonprefix'),
    ('copy file in python', 'shutil.copyfile'),
    ('copy directory recursively python', 'shutil.copytree'),
    ('delete folder and all its contents python', 'shutil.rmtree'),
    ('move file to another folder python', 'shutil.move'),
    ('python find path of executable like which', 'shutil.which'),
    ('create zip archive of folder python', 'shutil.make_archive'),
    ('extract tar.gz file python', 'shutil.unpack_archive'),
    ('get terminal width python', 'shutil.get_terminal_size'),
    ('python random element from list', 'random.Random.choice'),
    ('shuffle a list randomly python', 'random.Random.shuffle'),
    ('random integer between two numbers inclusive', 'random.Random.randint'),
    ('pick random items without replacement python', 'random.Random.sample'),
    ('weighted random choice python', 'random.Random.choices'),
    ('base64 encode bytes python', 'base64.b64encode'),
    ('decode base64 string python', 'base64.b64decode'),
    ('url safe base64 encoding', 'base64.urlsafe_b64encode'),
    ('python get n largest items from list', 'heapq.nlargest'),
    ('merge several sorted lists into one sorted iterator', 'heapq.merge'),
    ('priority queue push item python', 'heapq.heappush'),
    ('insert into sorted list keep it sorted', 'bisect.insort_right'),
    ('binary search sorted list python', 'bisect.bisect_left'),
    ('match filename against wildcard pattern', 'fnmatch.fnmatch'),
    ('convert shell glob pattern to regex python', 'fnmatch.translate'),
    ('python find all files with extension in folder', 'glob.glob'),
    ('create temporary directory python', 'tempfile.mkdtemp'),
    ('python temp file deleted when closed', 'tempfile.NamedTemporaryFile'),
    ('python memoize function results decorator', 'functools.lru_cache'),
    ('keep function name and docstring in decorator', 'functools.wraps'),
    ('python sort with custom compare function', 'functools.cmp_to_key'),
    ('hash password with salt python', 'hashlib.pbkdf2_hmac'),
    ('sha256 checksum of a file python', 'hashlib.file_digest'),
    ('generate secure random token for url', 'secrets.token_urlsafe'),
    ('random hex string python', 'secrets.token_hex'),
    ('python guess mime type of file', 'mimetypes.guess_type'),
    ('escape html special characters python', 'html.escape'),
    ('unescape html entities python', 'html.unescape'),
    ('python mkdir -p', 'os.makedirs'),
    ('walk directory tree python', 'os.walk'),
    ('get environment variable with default python', 'os.getenv'),
    ('deep copy nested dict python', 'copy.deepcopy'),
    ('python calculate median of list', 'statistics.median'),
    ('standard deviation of list python', 'statistics.stdev'),
    ('python average of list of numbers', 'statistics.mean'),
    ('most common value in list python', 'statistics.mode'),
    ('pearson correlation between two lists', 'statistics.correlation'),
    ('python check leap year', 'calendar.isleap'),
    ('number of days in a month python', 'calendar.monthrange'),
    ('convert utc time tuple to unix timestamp', 'calendar.timegm'),
    ('python compare two strings similarity', 'difflib.SequenceMatcher.ratio'),
    ('find closest matching word from list python', 'difflib.get_close_matches'),
    ('python unified diff of two files', 'difflib.unified_diff'),
    ('gzip compress bytes python', 'gzip.compress'),
    ('decompress gzip data in memory', 'gzip.decompress'),
    ('check if a file is a zip file', 'zipfile.is_zipfile'),
    ('extract all files from zip python', 'zipfile.ZipFile.extractall'),
    ('list files inside zip archive python', 'zipfile.ZipFile.namelist'),
    ('read ini config file python', 'configparser.RawConfigParser.read'),
    ('configparser get all section names', 'configparser.RawConfigParser.sections'),
    ('parse email address with display name', 'email.utils.parseaddr'),
    ('format date for email header python', 'email.utils.formatdate'),
    ('python get logger by name', 'logging.getLogger'),
    ('log exception with traceback python', 'logging.Logger.exception'),
    ('capitalize first letter of each word python', 'string.capwords'),
    ('detect csv delimiter python', 'csv.Sniffer.sniff'),
    ('generate random uuid python', 'uuid.uuid4'),
    ('measure execution time of small code snippet', 'timeit.timeit'),
]

# query → {function: relevance}: 3 exactly what was asked, 2 does the job with a twist, 1 related, 0 irrelevant.
# Only functions of `corpus.SAMPLE_PACKAGES` that the sample corpus keeps are judged (its near-duplicate filter drops
# e.g. `Path.rglob` and `statistics.pstdev`), so the sample corpus can be scored against all of them.
JUDGEMENTS = {
    'python split string respecting quotes': {'shlex.split': 3, 'shlex.shlex.get_token': 1, 'shlex.join': 0, 'shlex.quote': 0},
    'url encode string python': {'urllib.parse.quote': 3, 'urllib.parse.quote_plus': 3, 'urllib.parse.quote_from_bytes': 2,
                                 'urllib.parse.urlencode': 2, 'urllib.parse.unquote': 0},
    'decode percent encoded url python': {'urllib.parse.unquote': 3, 'urllib.parse.unquote_plus': 3,
                                          'urllib.parse.unquote_to_bytes': 2, 'urllib.parse.quote': 0},
    'python parse url into components': {'urllib.parse.urlparse': 3, 'urllib.parse.urlsplit': 3, 'urllib.parse.parse_qs': 1,
                                         'urllib.parse.urlunparse': 0, 'urllib.parse.urljoin': 0},
    'python parse query string to dict': {'urllib.parse.parse_qs': 3, 'urllib.parse.parse_qsl': 2, 'urllib.parse.urlparse': 1,
                                          'urllib.parse.urlencode': 0},
    'convert python object to json string': {'json.dumps': 3, 'json.encoder.JSONEncoder.encode': 2, 'json.dump': 1,
                                             'json.encoder.JSONEncoder.iterencode': 1, 'json.loads': 0},
    'python parse json string': {'json.loads': 3, 'json.decoder.JSONDecoder.decode': 2, 'json.decoder.JSONDecoder.raw_decode': 2,
                                 'json.load': 1, 'json.dumps': 0},
    'python remove common indentation from multiline string': {'textwrap.dedent': 3, 'textwrap.indent': 0, 'textwrap.fill': 0},
    'wrap long text to fixed width python': {'textwrap.wrap': 3, 'textwrap.fill': 3, 'textwrap.TextWrapper.wrap': 2,
                                             'textwrap.shorten': 1, 'textwrap.dedent': 0},
    'python get file extension from path': {'pathlib.PurePath.suffix': 3, 'pathlib.PurePath.suffixes': 2, 'pathlib.PurePath.stem': 1,
                                            'pathlib.PurePath.with_suffix': 1, 'pathlib.PurePath.name': 1},
    'create directory and parents if not exists python': {'pathlib.Path.mkdir': 3, 'pathlib.Path.exists': 1, 'pathlib.Path.touch': 0,
                                                          'zipfile.ZipFile.mkdir': 0, 'pathlib.Path.rmdir': 0},
    'list files in directory python': {'pathlib.Path.iterdir': 3, 'pathlib.Path.glob': 2, 'pathlib.PurePath.parts': 0,
                                       'zipfile.ZipFile.namelist': 0},
    'python calculate median of list': {'statistics.median': 3, 'statistics.median_low': 2, 'statistics.median_high': 2,
                                        'statistics.NormalDist.median': 0, 'statistics.mean': 0},
    'standard deviation of list python': {'statistics.stdev': 3, 'statistics.pvariance': 1, 'statistics.variance': 1,
                                          'statistics.NormalDist.stdev': 1, 'statistics.median': 0},
    'python check leap year': {'calendar.isleap': 3, 'calendar.leapdays': 2, 'calendar.monthrange': 0},
    'python compare two strings similarity': {'difflib.SequenceMatcher.ratio': 3, 'difflib.SequenceMatcher.quick_ratio': 2,
                                              'difflib.get_close_matches': 2, 'difflib.ndiff': 1, 'difflib.unified_diff': 0},
    'python unified diff of two files': {'difflib.unified_diff': 3, 'difflib.context_diff': 2, 'difflib.ndiff': 2,
                                         'difflib.HtmlDiff.make_file': 1, 'difflib.SequenceMatcher.ratio': 0},
    'gzip compress bytes python': {'gzip.compress': 3, 'gzip.open': 1, 'gzip.decompress': 0, 'zipfile.ZipFile.writestr': 0},
    'extract all files from zip python': {'zipfile.ZipFile.extractall': 3, 'zipfile.ZipFile.extract': 2, 'zipfile.ZipFile.namelist': 1,
                                          'zipfile.is_zipfile': 0, 'gzip.decompress': 0},
    'read ini config file python': {'configparser.RawConfigParser.read': 3, 'configparser.RawConfigParser.read_file': 2,
                                    'configparser.RawConfigParser.read_string': 2, 'configparser.RawConfigParser.write': 0},
    'python get logger by name': {'logging.getLogger': 3, 'logging.Manager.getLogger': 2, 'logging.Logger.getChild': 1,
                                  'logging.getLoggerClass': 0},
    'log exception with traceback python': {'logging.Logger.exception': 3, 'logging.exception': 3, 'logging.LoggerAdapter.exception': 2,
                                            'logging.Formatter.formatException': 1, 'logging.Logger.error': 1},
    'parse email address with display name': {'email.utils.parseaddr': 3, 'email.utils.getaddresses': 2, 'email.utils.formataddr': 1,
                                              'email.utils.unquote': 0},
    'format date for email header python': {'email.utils.formatdate': 3, 'email.utils.format_datetime': 3,
                                            'email.utils.localtime': 0},
    'capitalize first letter of each word python': {'string.capwords': 3, 'textwrap.fill': 0},
    'detect csv delimiter python': {'csv.Sniffer.sniff': 3, 'configparser.RawConfigParser.read': 0},
}


def qualname(rel:str, func_name:str) -> str:
    "`json/__init__.py`, `dumps` → `json.dumps`."
    mod = rel[:-3].removesuffix('/__init__').replace('/', '.')
    return f'{mod}.{func_name}'

def code_base() -> list[dict]:
    "The functions of the code base, sorted by file and line, each with `qualname` and `url`."
    src = recipe_sources('stdlib')[0]   # the standard library as the `stdlib` corpus recipe sees it (its URLs too)
    root, f, out, seen = Path(src.root), Filters(), [], set()
    for rel in MODULES:
        recs, _ = extract_file(root/rel, root=root)
        for r in recs:
            if (drop_reason(r, f) or len(r['original_string']) > MAX_CHARS or r['original_string'] in seen
                or any(p.startswith('_') for p in r['func_name'].split('.'))): continue
            seen.add(r['original_string'])
            out.append(dict(qualname=qualname(rel, r['func_name']), code=r['original_string'],
                            url=src.url(rel, r['start_line'], r['end_line'])))
    return out

def lookup(funcs:list[dict]) -> dict:
    "qualified name → index, for names that occur once (a name defined twice cannot label a query)."
    idx = {}
    for i, r in enumerate(funcs): idx.setdefault(r['qualname'], []).append(i)
    return {k: v[0] for k, v in idx.items() if len(v) == 1}

README = """# Test data shipped with codesearch_nb

Small, real benchmark files so that tests, notebooks and users can evaluate without downloading anything.
`codesearch_nb.core.bundled_data()` gives this folder's path. Regenerate with `python tools/make_testdata.py`
(deterministic; it needs CPython {python}, whose standard library the code comes from).

## cosqa-stdlib/ — a CoSQA-format benchmark over the standard library
- `code_idx_map.txt`: JSON object mapping the source of {n_code} functions (docstring included, as in CoSQA) to
  their index 0..{last}. They are every public, documented function of {n_mod} standard-library modules (json, csv,
  textwrap, shlex, urllib.parse, pathlib, os.path, shutil, logging, statistics, difflib, zipfile, …) that the
  corpus filters keep, extracted by `codesearch_nb.extract.extract_file`, sorted by file and line.
- `cosqa-retrieval-stdlib-dev.json`: {n_q} web-style queries (`doc`), typed the way people type into a search
  box, each labelled with the one function it asks for (`retrieval_idx`; `func_name` names it; `label` is 1).
- `code_urls.txt`: the GitHub URL (tag `v{python}`, with line range) of function i on line i+1, so the code base
  can be used as a corpus (`language`, `code`, `url`) for NDCG.
- Task: rank all functions for each query; score = MRR. Use it as `--benchmark path/to/cosqa-stdlib` or
  `eval_cosqa(scorer, bundled_data('cosqa-stdlib/cosqa-retrieval-stdlib-dev.json'))`.

## annotations/ — CodeSearchNet-format relevance judgements
- `annotationStore.csv`: {n_j} judgements (`Language,Query,GitHubUrl,Relevance,Notes`, relevance 0–3) of
  {n_jq} of those queries against functions of the modules in `corpus.SAMPLE_PACKAGES`. `GitHubUrl` is the URL
  that the `stdlib` corpus recipe records for the function (and that `code_urls.txt` lists), so on CPython
  {python} the sample corpus covers them; on another Python version build the corpus from `code_urls.txt`.
- `queries.csv`: the judged queries (header `query`), as in CodeSearchNet's `resources/`.
- Grades: 3 exactly what was asked, 2 does the job with a twist, 1 related, 0 irrelevant.

## Provenance and licence
- Code: CPython {python} standard library (`Lib/`), © Python Software Foundation, PSF License Agreement
  (Python Software Foundation License 2.0).
- Queries and relevance grades: written by hand for this project, Apache-2.0 like the project.
"""

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=str(OUT), help='output folder')
    ap.add_argument('--any-python', action='store_true', help=f'run on a Python other than CPython {PYTHON}')
    a = ap.parse_args(argv)
    py = platform.python_version()
    if (py != PYTHON or platform.python_implementation() != 'CPython') and not a.any_python:
        sys.exit(f'error: the committed files come from CPython {PYTHON}; this is {platform.python_implementation()} {py}. '
                 'Use that version, or --any-python to build from this one.')
    funcs, out = code_base(), Path(a.out)
    idx = lookup(funcs)
    missing = sorted({n for _, n in QUERIES} - idx.keys() | {n for j in JUDGEMENTS.values() for n in j} - idx.keys())
    if missing: sys.exit(f'error: not (or not uniquely) in the code base: {missing}')
    qs = [q for q, _ in QUERIES]
    assert len(set(qs)) == len(qs) and set(JUDGEMENTS) <= set(qs), 'queries must be distinct; judged queries must be among them'
    (out/'cosqa-stdlib').mkdir(parents=True, exist_ok=True); (out/'annotations').mkdir(parents=True, exist_ok=True)
    (out/'cosqa-stdlib'/'code_idx_map.txt').write_text(json.dumps({r['code']: i for i, r in enumerate(funcs)}, indent=1, ensure_ascii=False) + '\n')
    (out/'cosqa-stdlib'/'code_urls.txt').write_text(''.join(r['url'] + '\n' for r in funcs))
    (out/'cosqa-stdlib'/'cosqa-retrieval-stdlib-dev.json').write_text(json.dumps(
        [dict(idx=f'stdlib-dev-{j}', doc=q, func_name=n, label=1, retrieval_idx=idx[n]) for j, (q, n) in enumerate(QUERIES)], indent=1) + '\n')
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator='\n')
    w.writerow(['Language', 'Query', 'GitHubUrl', 'Relevance', 'Notes'])
    for q, grades in JUDGEMENTS.items():
        for n, g in grades.items(): w.writerow(['Python', q, funcs[idx[n]]['url'], g, ''])
    (out/'annotations'/'annotationStore.csv').write_text(buf.getvalue())
    (out/'annotations'/'queries.csv').write_text('query\n' + ''.join(q + '\n' for q in JUDGEMENTS))
    (out/'README.md').write_text(README.format(python=PYTHON, n_code=len(funcs), last=len(funcs) - 1, n_mod=len(MODULES), n_q=len(QUERIES),
                                               n_j=sum(map(len, JUDGEMENTS.values())), n_jq=len(JUDGEMENTS)))
    for p in sorted(out.rglob('*')):
        if p.is_file(): print(f'{p.relative_to(out)}: {p.stat().st_size:,} bytes')
    print(f'{len(funcs)} functions, {len(QUERIES)} queries, {sum(map(len, JUDGEMENTS.values()))} judgements of {len(JUDGEMENTS)} queries')

if __name__ == '__main__': main()
