"""The docs site and the blog, checked up to Quarto: nbdev's processing of every notebook and post, the site
configuration, the links, and the rendered pages in headless Chromium (nbconvert here; the real `_docs` site
where `quarto` is on PATH). Helpers live in `tools/docsite.py`, shared with `tools/screenshot.py`."""
import re, shutil, struct, sys
from pathlib import Path
import pytest, yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'tools'))
import docsite as ds
from docsite import NBS, ROOT

POSTS = ds.posts()
POST_DIR_RE = re.compile(r'^(\d{4}-\d{2}-\d{2})-[a-z0-9]+(?:-[a-z0-9]+)*$')
BADGE = 'https://colab.research.google.com/assets/colab-badge.svg'


def _version():
    return re.search(r'__version__\s*=\s*["\']([^"\']+)', (ROOT/'codesearch_nb'/'__init__.py').read_text()).group(1)


def _png_size(b: bytes):
    assert b[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    return struct.unpack('>II', b[16:24])


# ------------------------------------------------------------------ configuration

def test_quarto_yml_is_a_website_with_blog_search_and_versioned_footer():
    raw = yaml.safe_load((NBS/'_quarto.yml').read_text())
    for f in raw.get('metadata-files', []): assert (NBS/f).exists(), f'_quarto.yml names {f}, which is missing'
    cfg = ds.quarto_config()
    assert cfg['project']['type'] == 'website' and cfg['project']['output-dir'] == '_docs'
    site = cfg['website']
    nav = site['navbar']
    assert nav.get('search') is True, 'the navbar has no search'
    items = nav.get('left', []) + nav.get('right', [])
    blog = [i for i in items if isinstance(i, dict) and i.get('text') == 'Blog']
    assert blog and blog[0]['href'] == 'blog/index.qmd' and (NBS/'blog'/'index.qmd').exists()
    for i in items:
        if isinstance(i, dict) and ds.is_internal(i.get('href', 'http://x')) and not i['href'].endswith('.xml'):
            assert (NBS/i['href']).exists(), f"navbar links to missing {i['href']}"
    footer = yaml.safe_dump(site['page-footer'])
    assert f'codesearch_nb {_version()}' in footer, f'the footer does not say version {_version()} (codesearch_nb/__init__.py)'
    assert site['site-url'].startswith('https://') and site.get('description'), 'the RSS feed needs site-url and description'


def test_nbdev_yml_is_what_nbdev_generates():
    "`nbdev-docs` rewrites nbs/nbdev.yml from pyproject.toml; the committed copy must already say the same."
    from nbdev.config import get_config
    from nbdev.quarto import _nbdev_yml
    cfg = get_config(NBS)
    vals = {k: cfg[k] for k in ['title', 'description', 'branch', 'git_url', 'doc_host', 'doc_baseurl']}
    assert (NBS/'nbdev.yml').read_text() == _nbdev_yml.format(doc_path=cfg.doc_path.name, **vals)


def test_sidebar_names_every_notebook():
    side = ds.sidebar_pages()
    assert side and side[0] == 'index.ipynb', side
    top = [p.as_posix() for p in ds.notebooks() if len(p.parts) == 1]
    assert sorted(set(side)) == sorted(top), f'sidebar {side} vs notebooks {top}'
    assert len(side) == len(set(side)), f'a page is in the sidebar twice: {side}'
    assert not any(p.startswith('blog/') for p in side), 'posts belong to the blog listing, not the API sidebar'
    assert yaml.safe_load((NBS/'blog'/'_metadata.yml').read_text()).get('sidebar') is False


def test_blog_listing_is_newest_first_with_categories_feed_and_every_post():
    lst = ds.listing()
    assert lst.get('sort') in ('date desc', ['date desc']) and lst.get('categories') is True and lst.get('feed')
    assert 'image' in lst.get('fields', ['image'])
    assert len(POSTS) >= 2, f'the blog needs at least two posts, found {[p.as_posix() for p in POSTS]}'
    assert ds.listed_posts() == POSTS


@pytest.mark.parametrize('post', POSTS, ids=[p.parent.name for p in POSTS])
def test_post_front_matter_image_and_colab_link(post):
    m = POST_DIR_RE.match(post.parent.name)
    assert m, f'{post.parent.name}: post folders are YYYY-MM-DD-slug'
    assert post.suffix == '.ipynb', 'posts are notebooks (so that they open in Colab)'
    nb = ds.load_nb(NBS/post)
    fm = ds.front_matter(nb)
    for k in ('title', 'description', 'categories', 'image', 'author', 'date'): assert fm.get(k), f'{post}: no {k} in front matter'
    assert str(fm['date']) == m.group(1), f"{post}: date {fm['date']} is not the folder's {m.group(1)}"
    assert isinstance(fm['categories'], list)
    figs = ds.png_outputs(nb)
    assert figs, f'{post}: no figure in the outputs (execute the post and keep its outputs)'
    img = NBS/post.parent/fm['image']
    assert img.is_file(), f'{post}: the listing image {fm["image"]} is missing'
    assert img.read_bytes() in figs, f'{post}: {fm["image"]} is not one of the figures the post makes (run tools/screenshot.py)'
    md = '\n'.join(ds.src(c) for c in nb['cells'] if c['cell_type'] == 'markdown')
    assert f'[![Open In Colab]({BADGE})]({ds.colab_url(post)})' in md, f'{post}: no Open-in-Colab badge linking to {ds.colab_url(post)}'
    assert not ds.output_errors(nb), ds.output_errors(nb)


def test_internal_links_resolve():
    assert ds.broken_links() == []


def test_readme_screenshots_exist_and_are_pngs():
    "The README (generated from index.ipynb) shows the screenshots under nbs/images/, by their GitHub raw address."
    from nbdev.config import get_config
    cfg = get_config(NBS)
    raw = re.escape(f'https://raw.githubusercontent.com/{cfg.user}/{cfg.repo}/{cfg.branch}/')
    readme, index = (ROOT/'README.md').read_text(), '\n'.join(ds.page_markdown(NBS/'index.ipynb'))
    shots = re.findall(raw + r'(nbs/images/[\w.-]+\.png)', readme)
    assert sorted(shots) == sorted(re.findall(raw + r'(nbs/images/[\w.-]+\.png)', index)), 'README.md is not in step with index.ipynb'
    assert {'nbs/images/home.png', 'nbs/images/post.png'} <= set(shots), 'README.md does not show the screenshots'
    for s in shots:
        w, h = _png_size((ROOT/s).read_bytes())
        assert w >= 800 and h >= 400, f'{s} is {w}x{h}'


def test_nbdev_clean_keeps_post_outputs(tmp_path):
    "nbdev-clean (run in CI) must not strip the executed outputs of the posts."
    from nbdev.clean import _nbdev_clean
    for post in POSTS:
        nb = ds.load_nb(NBS/post)
        before = ds.png_outputs(nb)
        _nbdev_clean(nb, path=None)
        assert ds.png_outputs(nb) == before, f'{post}: nbdev-clean changed the figures'


def _visible_code_cells(nb):
    return [c for c in nb['cells'] if c['cell_type'] == 'code' and not re.search(r'^#\|\s*(hide|export)', ds.src(c), re.M)]


def test_home_page_examples_keep_their_outputs_and_the_readme_shows_them():
    "nbdev's docs build does not execute examples: the home page shows only the outputs saved in index.ipynb, and so does the README."
    nb, readme = ds.load_nb(NBS/'index.ipynb'), (ROOT/'README.md').read_text()
    cells = _visible_code_cells(nb)
    assert cells and cells[-1].get('outputs'), 'the last example of the home page has no saved output: run `nbdev-test --save nbs/index.ipynb`'
    out = ds.output_text({'cells': cells})
    assert 'Point.Distance 5 8' in out and 'Distance returns the great-circle distance' in out, out
    for line in filter(None, map(str.strip, out.splitlines())): assert line in readme, f'README.md does not show the output line {line!r}'
    assert readme.count('```sh') == 2, 'README.md must keep exactly two ```sh blocks (the set-up commands)'


MACHINE_SPECIFIC = re.compile(r'/tmp/|/root/|/work/|/home/runner/|\bat 0x[0-9a-f]+|0x7f[0-9a-f]{6,}|\x1b\[')

@pytest.mark.parametrize('page', [p for p in ds.notebooks() if len(p.parts) == 1], ids=str)
def test_saved_outputs_are_not_machine_specific(page):
    "Saved outputs are what the site shows: no temporary paths, home folders, memory addresses or terminal colours."
    nb = ds.load_nb(NBS/page)
    for i, c in enumerate(nb['cells']):
        for o in c.get('outputs', []):
            m = MACHINE_SPECIFIC.search(ds.output_text({'cells': [{'outputs': [o]}]}))
            assert not m, f'{page}: cell {i} shows {m.group(0)!r} in its output; show something stable or clear that output'
        if re.search(r'^#\|\s*hide\b', ds.src(c), re.M): assert not c.get('outputs'), f'{page}: hidden cell {i} keeps outputs'


# ------------------------------------------------------------------ processing and rendering

@pytest.fixture(scope='module')
def proc(tmp_path_factory):
    "nbdev's docs processing (`nbdev.serve.proc_nbs`, as `nbdev-docs` runs it) over a copy of nbs/."
    try: return ds.process(tmp_path_factory.mktemp('docs'))
    except Exception as e:
        msg = str(e).strip().splitlines()
        pytest.fail('nbdev-docs cannot process the notebooks: ' + '\n'.join(msg[:12]) +
                    '\nhint: while rendering docs nbdev runs every cell that contains an import statement, without the cells before '
                    'it; move such imports into a cell of their own. `python tools/docsite.py` lists every notebook that fails.', pytrace=False)


def test_processing_keeps_every_page_without_errors(proc):
    for page in ds.pages():
        out = proc/page
        assert out.exists(), f'{page} was not processed'
        if page.suffix != '.ipynb': continue
        nb = ds.load_nb(out)
        assert not ds.output_errors(nb), f'{page}: {ds.output_errors(nb)}'
        assert ds.front_matter(nb).get('title'), f'{page}: no title after processing (start the notebook with "# Title")'
    for f in ('_quarto.yml', 'nbdev.yml', 'styles.css', 'blog/_metadata.yml', 'blog/posts/_metadata.yml'):
        assert (proc/f).exists(), f'{f} did not reach the folder Quarto renders'
    for post in POSTS:
        img = ds.front_matter(ds.load_nb(NBS/post)).get('image')
        assert img and (proc/post.parent/img).exists(), f'{post}: its image {img} did not reach the folder Quarto renders'


# page: (text one of its examples prints or displays, and a pattern its rendered HTML shows it with)
SHOWN = {'index.ipynb': ('Point.Distance 5 8', r'Point\.Distance 5 8'),
         '08_index.ipynb': ('def heappush(heap, item)', r'<td>def heappush\(heap, item\)</td>'),
         '11_chatops.ipynb': ('0.534 ▲ +0.022', r'<td[^>]*>0\.534 ▲ \+0\.022</td>')}

@pytest.mark.parametrize('page', SHOWN)
def test_processed_pages_show_example_outputs(proc, tmp_path, page):
    "After nbdev's processing and rendering, the home page shows the extracted Go record and API pages their result tables."
    text, pattern = SHOWN[page]
    nb = ds.load_nb(proc/page)
    assert text in ds.output_text(nb), f'{page}: no output shows {text!r} after processing; run `nbdev-test --save nbs/{page}`'
    ds.to_html(proc/page, tmp_path/'page.html')
    assert re.search(pattern, (tmp_path/'page.html').read_text(encoding='utf-8')), f'{page}: the rendered page does not show {text!r}'


def _check_pages(base, pages, home, post_pages):
    "The checks a reader would make, on any rendering of the site served at `base`."
    with ds.browser() as drv:
        ds.load(drv, f'{base}/{home}')
        codes = ds.code_texts(drv)
        for cmd in ds.SETUP_COMMANDS:
            assert any(cmd in c for c in codes), f'the home page does not show `{cmd}`'
        assert any('Point.Distance 5 8' in o for o in ds.output_texts(drv)), 'the home page does not show the output of its example'
        for page in pages:
            ds.load(drv, f'{base}/{page}')
            local = [i for i in ds.images(drv) if i['src'].startswith(base)]
            broken = [i['src'] for i in local if not (i['complete'] and i['w'] > 0)]
            assert not broken, f'{page}: images that do not load: {broken}'
        for page, n_figs in post_pages:
            ds.load(drv, f'{base}/{page}')
            figs = [i for i in ds.images(drv, ds.FIGURE_SELECTOR) if i['w'] > 0 and i['h'] > 0 and i['shown']]
            assert len(figs) >= n_figs, f'{page}: shows {len(figs)} of its {n_figs} figures'


@pytest.mark.skipif(not (ds.CHROMIUM and ds.CHROMEDRIVER), reason='chromium and chromium-driver are not installed')
def test_site_in_headless_chromium(proc, tmp_path):
    post_figs = [(p, len(ds.png_outputs(ds.load_nb(NBS/p)))) for p in POSTS]
    if shutil.which('quarto'):  # the real site, as GitHub Actions builds it
        docs = ds.quarto_site(tmp_path/'site')
        pages = [p.with_suffix('.html').as_posix() for p in ds.notebooks()]
        for p in pages: assert (docs/p).exists(), f'nbdev-docs did not write {p}'
        assert (docs/'blog'/'index.xml').exists(), 'no RSS feed'
        listing = (docs/'blog'/'index.html').read_text()
        for p in POSTS: assert ds.front_matter(ds.load_nb(NBS/p))['title'] in listing, f'{p} is not on the blog page'
        assert f'codesearch_nb {_version()}' in (docs/'index.html').read_text()
        with ds.serve(docs) as base:
            _check_pages(base, pages, 'index.html', [(p.with_suffix('.html').as_posix(), n) for p, n in post_figs])
    else:  # nbconvert's HTML of nbdev's processed notebooks
        site = tmp_path/'html'
        pages = [p.as_posix() for p in ds.render_site(proc, site)]
        want = [p.with_suffix('.html').as_posix() for p in ds.notebooks()] + ['blog/index.html']  # pages + the listing
        assert sorted(pages) == sorted(want), set(pages) ^ set(want)
        with ds.serve(site) as base:
            _check_pages(base, pages, 'index.html', [(p.with_suffix('.html').as_posix(), n) for p, n in post_figs])
