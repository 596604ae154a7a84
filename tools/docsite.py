"""Build and look at the docs site without Quarto: nbdev's notebook processing, nbconvert HTML, a loopback
server and headless Chromium. Used by `tests/test_docs.py` and `tools/screenshot.py`.

The published site is `nbdev-docs` (Quarto, in GitHub Actions). Here every step before Quarto is the real
one (`nbdev.serve.proc_nbs`, the same call `nbdev-docs` makes); only the last, `.ipynb` -> `.html`, is done
by nbconvert instead of Quarto. Where `quarto` is on PATH, `quarto_site` builds the real site instead.
"""
from __future__ import annotations
import base64, contextlib, fnmatch, functools, http.server, json, os, re, shutil, subprocess, sys, tempfile, threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS = ROOT/'nbs'
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
CHROMEDRIVER = shutil.which('chromedriver')
SETUP_COMMANDS = ('pip install -e . && codesearch quickstart', 'pip install -e ".[dev]" && nbdev-test && pytest')
COLAB = 'https://colab.research.google.com/github'

# ---------------------------------------------------------------- what the site is made of

@functools.lru_cache(maxsize=None)
def git_ignored(nbs:Path=NBS) -> tuple[str, ...]:
    "Paths under `nbs` (relative, folders ending in `/`) that git ignores: workspaces, caches — not part of the site."
    try: out = subprocess.run(['git', 'ls-files', '--others', '--ignored', '--exclude-standard', '--directory', '.'],
                              cwd=nbs, capture_output=True, text=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError): return ('codesearch_workspace/', 'wandb/', '__pycache__/', '.ipynb_checkpoints/')
    return tuple(l for l in out.splitlines() if l)

def _skipped(rel:Path, nbs:Path=NBS) -> bool:
    "nbdev's default globbing (no file or folder whose name starts with `_` or `.`), and nothing git ignores."
    r = Path(rel).as_posix()
    if any(p.startswith(('_', '.')) for p in Path(rel).parts): return True
    return any(r == x.rstrip('/') or (x.endswith('/') and r.startswith(x)) for x in git_ignored(Path(nbs)))

def notebooks(nbs:Path=NBS) -> list[Path]:
    "Every notebook nbdev renders (recursively, as `recursive = true` says), relative to `nbs`."
    return sorted(p.relative_to(nbs) for p in nbs.rglob('*.ipynb') if not _skipped(p.relative_to(nbs), nbs))

def pages(nbs:Path=NBS) -> list[Path]:
    "Every page of the site: notebooks, `.qmd` and `.md` files, relative to `nbs`."
    md = [p.relative_to(nbs) for ext in ('*.qmd', '*.md') for p in nbs.rglob(ext) if not _skipped(p.relative_to(nbs), nbs)]
    return sorted(notebooks(nbs) + md)

def posts(nbs:Path=NBS) -> list[Path]:
    "The blog posts: `blog/posts/YYYY-MM-DD-slug/index.{ipynb,qmd}`, relative to `nbs`."
    return sorted(p.relative_to(nbs) for p in (nbs/'blog'/'posts').glob('*/index.*') if p.suffix in ('.ipynb', '.qmd'))

def load_nb(path:Path) -> dict: return json.loads(Path(path).read_text(encoding='utf-8'))

def src(cell) -> str:
    s = cell.get('source', '')
    return ''.join(s) if isinstance(s, list) else s

def front_matter(nb:dict) -> dict:
    "The YAML front matter of a notebook: its first raw cell between `---` lines (what Quarto reads)."
    import yaml
    for c in nb['cells']:
        if c['cell_type'] == 'raw':
            m = re.match(r'^\s*---\s*\n(.*?)\n---\s*$', src(c), re.S)
            if m: return yaml.safe_load(m.group(1)) or {}
        if c['cell_type'] != 'raw': break
    return {}

def qmd_front_matter(path:Path) -> dict:
    import yaml
    m = re.match(r'^---\s*\n(.*?)\n---\s*\n', Path(path).read_text(encoding='utf-8'), re.S)
    return yaml.safe_load(m.group(1)) if m else {}

def png_outputs(nb:dict) -> list[bytes]:
    "The PNG figures in the outputs of `nb`, decoded, in order."
    res = []
    for c in nb['cells']:
        for o in c.get('outputs', []):
            d = o.get('data', {}).get('image/png')
            if d: res.append(base64.b64decode(''.join(d) if isinstance(d, list) else d))
    return res

def colab_url(post:Path) -> str:
    "The 'Open in Colab' address of the notebook at `post` (relative to `nbs`), from the nbdev config."
    from nbdev.config import get_config
    cfg = get_config(NBS)
    return f'{COLAB}/{cfg.user}/{cfg.repo}/blob/{cfg.branch}/nbs/{Path(post).as_posix()}'

# ---------------------------------------------------------------- links

_fence = re.compile(r'^(```|~~~).*?^\1', re.S | re.M)
_inline_code = re.compile(r'`[^`\n]*`')
_md_link = re.compile(r'!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
_html_link = re.compile(r'<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*["\']([^"\']+)["\']', re.I)

def links(md:str) -> list[str]:
    "Targets of the markdown and HTML links and images in `md`, code spans and fences left out."
    md = _inline_code.sub('', _fence.sub('', md))
    return _md_link.findall(md) + _html_link.findall(md)

def is_internal(target:str) -> bool:
    return not re.match(r'^[a-z][a-z0-9+.-]*:', target, re.I) and not target.startswith('//')

def slug(heading:str) -> str:
    "The id Quarto/pandoc give a heading: lower case, punctuation dropped, spaces to dashes."
    h = re.sub(r'\{[^}]*\}\s*$', '', heading).strip()
    m = re.search(r'\{#([^}\s]+)', heading)
    if m: return m.group(1)
    h = re.sub(r'[`*_]', '', h.lower())
    h = re.sub(r'[^\w\s-]', '', h)
    return re.sub(r'\s+', '-', h).strip('-')

def anchors(page:Path) -> set[str]:
    "The heading ids of a page (notebook markdown cells, or a qmd/md file)."
    page = Path(page)
    texts = [src(c) for c in load_nb(page)['cells'] if c['cell_type'] == 'markdown'] if page.suffix == '.ipynb' else [page.read_text()]
    ids = set()
    for t in texts:
        for line in _fence.sub('', t).splitlines():
            m = re.match(r'^#{1,6}\s+(.+?)\s*#*\s*$', line)
            if m: ids.add(slug(m.group(1)))
        ids.update(re.findall(r'\bid\s*=\s*["\']([^"\']+)["\']', t))
    return ids

def page_markdown(page:Path) -> list[str]:
    page = Path(page)
    if page.suffix == '.ipynb': return [src(c) for c in load_nb(page)['cells'] if c['cell_type'] == 'markdown']
    return [page.read_text(encoding='utf-8')]

def broken_links(nbs:Path=NBS, generated=('index.xml',)) -> list[str]:
    "Every internal link of every page that does not resolve: 'page: target (why)'."
    bad = []
    for rel in pages(nbs):
        page = nbs/rel
        for t in (l for md in page_markdown(page) for l in links(md)):
            if not is_internal(t): continue
            path, _, frag = t.partition('#')
            if not path:
                if frag and frag not in anchors(page): bad.append(f'{rel}: {t} (no heading #{frag})')
                continue
            dst = (page.parent/path).resolve() if not path.startswith('/') else (nbs/path.lstrip('/')).resolve()
            cands = [dst] + ([dst.with_suffix(s) for s in ('.ipynb', '.qmd', '.md')] if dst.suffix == '.html' else [])
            hit = next((c for c in cands if c.is_file()), None)
            if hit is None and dst.is_dir(): hit = next((dst/f'index{s}' for s in ('.ipynb', '.qmd', '.md') if (dst/f'index{s}').exists()), None)
            if hit is None:
                if dst.name in generated and dst.parent.is_dir(): continue
                bad.append(f'{rel}: {t} (no file {path})'); continue
            try: hit.relative_to(nbs)
            except ValueError: bad.append(f'{rel}: {t} (outside nbs/, not published)'); continue
            if frag and hit.suffix in ('.ipynb', '.qmd', '.md') and frag not in anchors(hit):
                bad.append(f'{rel}: {t} (no heading #{frag} in {hit.name})')
    return bad

# ---------------------------------------------------------------- sidebar, navbar and listing

def quarto_config(nbs:Path=NBS) -> dict:
    "`_quarto.yml` merged with its `metadata-files` (later files win key by key, as Quarto does)."
    import yaml
    cfg = yaml.safe_load((nbs/'_quarto.yml').read_text())
    def merge(a, b):
        for k, v in b.items():
            a[k] = merge(a.get(k, {}), v) if isinstance(v, dict) and isinstance(a.get(k), dict) else v
        return a
    for f in cfg.get('metadata-files', []):
        p = nbs/f
        if p.exists(): cfg = merge(cfg, yaml.safe_load(p.read_text()) or {})
    return cfg

def sidebar_pages(nbs:Path=NBS, cfg:dict|None=None) -> list[str]:
    "The pages the sidebar links to, with `auto` globs expanded the way Quarto does (root-anchored `/…`)."
    cfg = cfg or quarto_config(nbs)
    sb = cfg.get('website', {}).get('sidebar', {})
    sbs = sb if isinstance(sb, list) else [sb]
    all_pages = [p.as_posix() for p in pages(nbs)]
    out = []
    def walk(items):
        if isinstance(items, (str, dict)): items = [items]
        for it in items or []:
            if isinstance(it, str):
                if it == 'auto': out.extend(all_pages)
                elif '*' in it: out.extend(_auto(it))
                else: out.append(it)
            elif isinstance(it, dict):
                if 'auto' in it: out.extend(a for g in ([it['auto']] if isinstance(it['auto'], (str, bool)) else it['auto']) for a in (_auto(g) if isinstance(g, str) else all_pages))
                if 'href' in it and is_internal(it['href']): out.append(it['href'])
                if isinstance(it.get('section'), str) and Path(it['section']).suffix in ('.ipynb', '.qmd', '.md'): out.append(it['section'])
                if 'contents' in it: walk(it['contents'])
    def _auto(glob):
        # Quarto globs are gitignore-like: `/x/*.ipynb` is anchored at the project root, `*` stays inside one folder
        # level, `**` crosses folders, and an unanchored pattern may match at any depth.
        gp = glob.strip('/').split('/')
        def match(pp, gp):
            if not gp: return not pp
            if gp[0] == '**': return any(match(pp[i:], gp[1:]) for i in range(len(pp) + 1))
            return bool(pp) and fnmatch.fnmatchcase(pp[0], gp[0]) and match(pp[1:], gp[1:])
        hits = [p for p in all_pages if match(p.split('/'), gp if glob.startswith('/') else ['**'] + gp)]
        return [p for p in hits if not re.match(r'^index\.\w+$', p)]  # Quarto's auto leaves the home page out
    for s in sbs: walk(s.get('contents', []))
    return out

def listing(nbs:Path=NBS) -> dict:
    "The `listing` options of the blog's home page."
    return qmd_front_matter(nbs/'blog'/'index.qmd').get('listing', {})

def listed_posts(nbs:Path=NBS) -> list[Path]:
    "The posts the blog listing's `contents` pick up (a folder means everything under it)."
    lst = listing(nbs)
    cont = lst.get('contents', [])
    cont = [cont] if isinstance(cont, str) else cont
    res = []
    for c in cont:
        base = (nbs/'blog'/c)
        for p in posts(nbs):
            rel = (nbs/p).relative_to(nbs/'blog').as_posix()
            if (base.is_dir() and (nbs/p).is_relative_to(base)) or fnmatch.fnmatch(rel, c): res.append(p)
    return sorted(set(res))

# ---------------------------------------------------------------- processing (nbdev) and rendering (nbconvert)

def _copy_ignore(nbs:Path):
    "A `copytree` ignore function leaving out what git ignores under `nbs` (as a fresh clone would)."
    nbs = Path(nbs).resolve()
    def ign(d, names):
        rel = Path(d).resolve().relative_to(nbs)
        return [n for n in names if n in ('.ipynb_checkpoints', '__pycache__') or
                any((rel/n).as_posix() == x.rstrip('/') for x in git_ignored(nbs))]
    return ign

def process(work:Path, nbs:Path=NBS, n_workers:int=2, **kwargs) -> Path:
    "Copy the project's notebooks and config into `work` and run nbdev's docs processing there; return `_proc`."
    from nbdev.serve import proc_nbs
    work = Path(work)
    shutil.copy2(ROOT/'pyproject.toml', work/'pyproject.toml')
    shutil.copytree(nbs, work/'nbs', ignore=_copy_ignore(nbs))
    old = Path.cwd()
    os.chdir(work)  # nbdev's processors read `get_config()` from the working directory, as `nbdev-docs` arranges
    try: return Path(proc_nbs(str(work/'nbs'), n_workers=n_workers, **kwargs))
    finally: os.chdir(old)

def output_text(nb:dict) -> str:
    "The text of every output of `nb` (streams, and the text, HTML and markdown of results), one per line."
    parts = []
    for c in nb['cells']:
        for o in c.get('outputs', []):
            parts.append(src({'source': o.get('text', '')}))
            parts += [src({'source': v}) for k, v in o.get('data', {}).items() if k.startswith('text/')]
    return '\n'.join(parts)

def output_errors(nb:dict) -> list[str]:
    "Error outputs and tracebacks anywhere in the outputs of `nb`."
    bad = []
    for i, c in enumerate(nb['cells']):
        for o in c.get('outputs', []):
            if o.get('output_type') == 'error': bad.append(f"cell {i}: {o.get('ename')}: {o.get('evalue')}")
            text = src({'source': o.get('text', '')}) + ''.join(src({'source': v}) for k, v in o.get('data', {}).items() if k.startswith('text/'))
            if 'Traceback (most recent call last)' in text: bad.append(f'cell {i}: a traceback in the output')
    return bad

_cell_keys = {'markdown': {'cell_type', 'id', 'metadata', 'source', 'attachments'},
              'raw': {'cell_type', 'id', 'metadata', 'source', 'attachments'},
              'code': {'cell_type', 'id', 'metadata', 'source', 'outputs', 'execution_count'}}

def _quarto_opts(s:str) -> dict:
    return dict(re.findall(r'^#\|\s*([\w-]+)\s*:\s*(.+?)\s*$', s, re.M))

def title_block(fm:dict) -> str:
    "A markdown stand-in for Quarto's title block."
    parts = [f"# {fm['title']}"] if fm.get('title') else []
    if fm.get('description'): parts.append(f"> {fm['description']}")
    meta = [str(fm[k]) for k in ('author', 'date') if fm.get(k)]
    cats = fm.get('categories') or []
    if meta or cats: parts.append(' · '.join(meta + [' '.join(f'`{c}`' for c in cats)] if cats else meta))
    return '\n\n'.join(parts)

SHELL_CSS = """
body { margin: 0; }
.site-nav { background: #2780e3; color: #fff; padding: .7rem 1.5rem; display: flex; gap: 1.5rem; align-items: baseline;
  font: 16px system-ui, sans-serif; }
.site-nav a { color: #fff; text-decoration: none; } .site-nav .brand { font-weight: 600; font-size: 19px; }
.site-wrap { display: flex; max-width: 1400px; margin: 0 auto; }
.site-side { width: 210px; flex: none; padding: 1.5rem 0 0 1.2rem; font: 14px system-ui, sans-serif; }
.site-side a { display: block; color: #343a40; text-decoration: none; padding: .2rem 0; }
.site-side a.active { color: #2780e3; font-weight: 600; }
.site-main { flex: 1; min-width: 0; }
.site-foot { border-top: 1px solid #dee2e6; color: #6c757d; padding: .8rem 1.5rem; font: 13px system-ui, sans-serif; }
.jp-RenderedHTMLCommon pre, .jp-InputArea-editor { background: #f8f9fa; border-radius: 4px; }
.jp-RenderedHTMLCommon pre { padding: .6rem .8rem; }
.jp-OutputArea-output img { max-width: min(100%, 760px); height: auto; }
.site-listing { font-family: system-ui, sans-serif; }
.listing-item { display: flex; gap: 1.5rem; padding: 1rem 0; border-bottom: 1px solid #dee2e6; }
.listing-item img { width: 240px; height: 150px; object-fit: cover; flex: none; }
.listing-cats code { margin-right: .4rem; }
"""

def _rel(frm:str, to:str) -> str:
    "Relative link from page `frm` to page `to` (both relative to the site root)."
    import posixpath
    return posixpath.relpath(to, posixpath.dirname(frm) or '.')

def _shell(page:str, body_html:str, titles:dict, cfg:dict) -> str:
    "Wrap a page's HTML in a stand-in for the site's navbar, sidebar and footer (from `_quarto.yml`)."
    site = cfg.get('website', {})
    nav = ''.join(f'<a href="{_rel(page, Path(i["href"]).with_suffix(".html").as_posix())}">{i["text"]}</a>'
                  for i in site.get('navbar', {}).get('left', []) if isinstance(i, dict) and 'text' in i and is_internal(i['href']))
    side = ''
    if not page.startswith('blog/'):
        side = '<nav class="site-side">' + ''.join(
            f'<a class="{"active" if Path(p).with_suffix(".html").as_posix() == page else ""}" '
            f'href="{_rel(page, Path(p).with_suffix(".html").as_posix())}">{titles.get(p, p)}</a>' for p in sidebar_pages(cfg.get('_nbs', NBS), cfg=cfg)) + '</nav>'
    foot = site.get('page-footer', {})
    foot = foot.get('left', '') if isinstance(foot, dict) else str(foot)
    return (f'<header class="site-nav"><a class="brand" href="{_rel(page, "index.html")}">{site.get("title", "")}</a>{nav}</header>'
            f'<div class="site-wrap">{side}<div class="site-main">{body_html}</div></div><footer class="site-foot">{foot}</footer>')

def _wrap(html:str, page:str, titles:dict, cfg:dict) -> str:
    html = html.replace('</head>', f'<style>{SHELL_CSS}</style></head>', 1)
    m = re.search(r'(<body[^>]*>)(.*)(</body>)', html, re.S)
    return html[:m.start()] + m.group(1) + _shell(page, m.group(2), titles, cfg) + m.group(3) + html[m.end():]

def to_html(proc_nb:Path, dst:Path, page:str|None=None, titles:dict|None=None, cfg:dict|None=None):
    "Render one processed notebook to HTML with nbconvert, keeping outputs; Quarto cell options honoured."
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config
    nb = load_nb(proc_nb)
    fm, cells = front_matter(nb), []
    for i, c in enumerate(nb['cells']):
        if 'source' not in c or c['cell_type'] == 'raw': continue  # nbdev hid it / front matter
        c = {k: v for k, v in c.items() if k in _cell_keys[c['cell_type']]}
        if not re.fullmatch(r'[a-zA-Z0-9_-]{1,64}', str(c.get('id', ''))): c['id'] = f'cell-{i}'  # Quarto takes an empty id; nbformat does not
        c['metadata'] = {}  # execution timings and nbdev's keys are not nbformat-valid and not shown
        s, opts = src(c), _quarto_opts(src(c))
        if c['cell_type'] == 'code':
            if opts.get('include') == 'false': continue
            tags = c['metadata'].setdefault('tags', [])
            if opts.get('echo') == 'false': tags.append('remove_input')
            if opts.get('output') == 'false': tags.append('remove_output')
            c['source'] = re.sub(r'^#\|.*\n?', '', s, flags=re.M)
        cells.append(c)
    if fm: cells.insert(0, {'cell_type': 'markdown', 'id': 'title-block', 'metadata': {}, 'source': title_block(fm)})
    nb['cells'] = cells
    cfg_ = Config()
    cfg_.TagRemovePreprocessor.enabled = True
    cfg_.TagRemovePreprocessor.remove_input_tags = {'remove_input'}
    cfg_.TagRemovePreprocessor.remove_all_outputs_tags = {'remove_output'}
    exp = HTMLExporter(config=cfg_, template_name='lab')
    exp.mathjax_url = ''  # nothing is fetched from a CDN: the page must stand on its own
    body, _ = exp.from_notebook_node(nbformat.reads(json.dumps(nb), as_version=4))
    body = re.sub(r'<script[^>]+src="https?://[^"]+"[^>]*>\s*</script>', '', body)
    if fm.get('title'): body = re.sub(r'<title>.*?</title>', f"<title>{fm['title']}</title>", body, count=1, flags=re.S)
    if page is not None and cfg is not None: body = _wrap(body, page, titles or {}, cfg)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(body, encoding='utf-8')

def listing_html(proc:Path, cfg:dict, titles:dict) -> str:
    "A stand-in for Quarto's blog listing: every post newest first, with its image, description and categories."
    import html as h
    items = []
    for p in posts(proc):
        fm = front_matter(load_nb(proc/p)) if p.suffix == '.ipynb' else qmd_front_matter(proc/p)
        items.append((str(fm.get('date', '')), p, fm))
    items.sort(key=lambda t: t[0], reverse=True)
    fm_blog = qmd_front_matter(proc/'blog'/'index.qmd')
    rows = ''.join(
        f'<div class="listing-item"><a href="{_rel("blog/index.html", p.with_suffix(".html").as_posix())}">'
        f'<img src="{_rel("blog/index.html", (p.parent/fm["image"]).as_posix())}" alt=""></a><div>'
        f'<h3 class="listing-title"><a href="{_rel("blog/index.html", p.with_suffix(".html").as_posix())}">{h.escape(fm.get("title", ""))}</a></h3>'
        f'<p>{h.escape(fm.get("description", ""))}</p><p class="listing-cats">{d} · {h.escape(str(fm.get("author", "")))} · '
        + ''.join(f'<code>{h.escape(c)}</code>' for c in fm.get('categories', [])) + '</p></div></div>'
        for d, p, fm in items)
    body = (f'<main class="jp-RenderedHTMLCommon site-listing" style="padding: 1rem 2rem"><h1>{h.escape(fm_blog.get("title", "Blog"))}</h1>'
            f'<p>{h.escape(fm_blog.get("description", ""))}</p>{rows}</main>')
    page = f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{h.escape(fm_blog.get("title", "Blog"))}</title></head><body>{body}</body></html>'
    return _wrap(page, 'blog/index.html', titles, cfg)

def source_title(nb_path:Path) -> str|None:
    "A notebook's title as nbdev reads it before processing: front matter, else its first `# heading`."
    nb = load_nb(nb_path)
    if front_matter(nb).get('title'): return front_matter(nb)['title']
    for c in nb['cells']:
        m = re.match(r'^#\s+(.+)', src(c)) if c['cell_type'] == 'markdown' else None
        if m: return m.group(1).strip()

def render_site(proc:Path, out:Path, nbs:Path|None=None) -> list[Path]:
    """Every processed page to `out/<page>.html` (the blog listing too), other files copied beside them; return the pages.
    The sidebar lists the pages of `nbs` (default: those processed)."""
    out.mkdir(parents=True, exist_ok=True)
    cfg = {**quarto_config(proc), '_nbs': Path(nbs or proc)}
    titles = {p.relative_to(proc).as_posix(): front_matter(load_nb(p)).get('title') for p in proc.rglob('*.ipynb')}
    if nbs: titles = {**{p.as_posix(): source_title(Path(nbs)/p) for p in notebooks(Path(nbs))}, **titles}
    written = []
    for p in sorted(proc.rglob('*')):
        rel = p.relative_to(proc)
        if p.is_dir() or rel.parts[0].startswith('.'): continue
        if p.suffix == '.ipynb':
            page = rel.with_suffix('.html')
            to_html(p, out/page, page.as_posix(), titles, cfg); written.append(page)
        else:
            (out/rel).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(p, out/rel)
    if (proc/'blog'/'index.qmd').exists():
        (out/'blog'/'index.html').write_text(listing_html(proc, cfg, titles), encoding='utf-8'); written.append(Path('blog/index.html'))
    return written

def quarto_site(work:Path, nbs:Path=NBS) -> Path:
    "The real site: `nbdev-docs` in a copy of the project under `work` (needs `quarto` on PATH); returns `_docs`."
    work = Path(work)
    for f in ('pyproject.toml', 'README.md', 'LICENSE'):
        if (ROOT/f).exists(): shutil.copy2(ROOT/f, work/f)
    shutil.copytree(nbs, work/'nbs', ignore=_copy_ignore(nbs))
    shutil.copytree(ROOT/'codesearch_nb', work/'codesearch_nb', ignore=shutil.ignore_patterns('__pycache__'))
    subprocess.run(['nbdev-docs'], cwd=work, check=True, timeout=1800)
    return work/'_docs'

# ---------------------------------------------------------------- serving and looking

@contextlib.contextmanager
def serve(folder:Path):
    "Serve `folder` on 127.0.0.1 (a free port) in a thread; yield the base URL."
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(Quiet, directory=str(folder)))
    t = threading.Thread(target=srv.serve_forever, daemon=True); t.start()
    try: yield f'http://127.0.0.1:{srv.server_address[1]}'
    finally: srv.shutdown(); srv.server_close()

@contextlib.contextmanager
def browser(width:int=1280, height:int=900):
    "Headless Chromium through chromedriver, with a fresh profile and no background network."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    if not (CHROMIUM and CHROMEDRIVER): raise RuntimeError('chromium and chromedriver are needed: apt-get install -y chromium chromium-driver')
    with tempfile.TemporaryDirectory(prefix='chromium-profile-') as prof:
        o = webdriver.ChromeOptions()
        o.binary_location = CHROMIUM
        for a in ('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage',
                  f'--user-data-dir={prof}', f'--window-size={width},{height}', '--hide-scrollbars'):
            o.add_argument(a)
        drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
        drv.set_page_load_timeout(60)
        try: yield drv
        finally: drv.quit()

def load(drv, url:str):
    "Open `url` and wait until the page and its images are loaded."
    from selenium.webdriver.support.ui import WebDriverWait
    drv.get(url)
    WebDriverWait(drv, 30).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && Array.from(document.images).every(i => i.complete)"))

def code_texts(drv) -> list[str]:
    "The text of every code block on the page, as a reader sees it."
    return drv.execute_script("return Array.from(document.querySelectorAll('pre')).map(e => e.innerText.trim())")

OUTPUT_SELECTOR = '.jp-OutputArea-output, .cell-output, .cell-output-display'

def output_texts(drv) -> list[str]:
    "The text of every cell output on the page (nbconvert's output areas, Quarto's `.cell-output`), as a reader sees it."
    return drv.execute_script("return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText.trim())", OUTPUT_SELECTOR)

def images(drv, selector:str='img') -> list[dict]:
    "Every image matching `selector`: its source (shortened), whether it loaded, natural size, and if visible."
    return drv.execute_script("""
      return Array.from(document.querySelectorAll(arguments[0])).map(i => ({
        src: i.currentSrc.slice(0, 80), complete: i.complete, w: i.naturalWidth, h: i.naturalHeight,
        shown: i.getBoundingClientRect().width > 0 && getComputedStyle(i).visibility !== 'hidden'}))""", selector)

# nbconvert puts output images in `.jp-OutputArea-output`; Quarto in `.cell-output-display`
FIGURE_SELECTOR = '.jp-OutputArea-output img, .cell-output-display img'

def screenshot(drv, url:str, dst:Path, height:int|None=None):
    "A PNG of the top of the page at `url` (the window's size, or `height` pixels tall)."
    load(drv, url)
    if height: drv.set_window_size(drv.get_window_size()['width'], height)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(drv.get_screenshot_as_png())

# ---------------------------------------------------------------- command line: check notebooks one by one

def check_notebook(nb_path:Path) -> str|None:
    "Run nbdev's docs processing on one notebook (in a fresh process, as `nbdev-docs` would); None or the error."
    code = ('import os, sys; os.environ["IN_TEST"] = "1"\n'
            'from fastcore.nbio import read_nb\nfrom nbdev.processors import FilterDefaults\n'
            f'FilterDefaults()(read_nb({str(Path(nb_path).absolute())!r}))\n')
    r = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if r.returncode == 0: return None
    lines = r.stderr.strip().splitlines()
    start = max((i for i, l in enumerate(lines) if l.startswith('Exception: Error in notebook')), default=max(0, len(lines) - 12))
    return '\n'.join(lines[start:])

if __name__ == '__main__':
    import argparse
    ap = argparse.ArgumentParser(description='Check that nbdev-docs can process notebooks (each in its own process).')
    ap.add_argument('notebooks', nargs='*', help='notebooks (default: every page notebook under nbs/)')
    a = ap.parse_args()
    todo = [Path(p) for p in a.notebooks] or [NBS/p for p in notebooks()]
    bad = 0
    for nb in todo:
        err = check_notebook(nb)
        print(f'{nb}: ' + ('ok' if err is None else 'FAILS in docs processing\n' + err + '\n'
              '  hint: while rendering docs nbdev runs every cell that contains an import statement, without the cells before\n'
              '  it; move the import into a cell of its own (e.g. the notebook\'s import cell at the top).'), flush=True)
        bad += err is not None
    sys.exit(1 if bad else 0)
