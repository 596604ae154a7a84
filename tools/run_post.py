#!/usr/bin/env python
"""Write a blog post notebook from a percent-format draft, execute it with every cell (`#| slow` ones too),
keep its outputs, clean it as `nbdev-clean` would, and save its listing image (its first figure).

    python tools/run_post.py draft.py nbs/blog/posts/2026-11-27-slug/index.ipynb
    python tools/run_post.py --no-exec draft.py nbs/blog/posts/...   # write the notebook only
    python tools/run_post.py nbs/blog/posts/2026-11-27-slug/index.ipynb   # re-execute a post in place

Draft cells: `# %%` code, `# %% [markdown]` prose, `# %% [raw]` the YAML front matter (first cell).
The notebook is replaced only when every cell ran without error, so a failed run leaves the last good post.
"""
import argparse, json, os, re, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import docsite as ds


def cells_of(text:str) -> list[tuple[str, str]]:
    "Split a percent-format draft into (kind, source) pairs; kinds: code, markdown, raw."
    out, kind, buf = [], None, []
    def flush():
        if kind is None: return
        s = '\n'.join(buf).strip('\n')
        if kind in ('markdown', 'raw'): s = '\n'.join(re.sub(r'^# ?', '', l) for l in s.splitlines())
        if s.strip(): out.append((kind, s))
    for line in text.splitlines():
        m = re.match(r'^# %%(.*)$', line)
        if m:
            flush(); buf = []
            kind = 'markdown' if '[markdown]' in m.group(1) else 'raw' if '[raw]' in m.group(1) else 'code'
        else: buf.append(line)
    flush()
    return out


def to_nb(cells) -> dict:
    def cell(k, s, i):
        c = dict(cell_type=k, id=f'{i:08x}', metadata={}, source=s.splitlines(True))
        if k == 'code': c.update(execution_count=None, outputs=[])
        return c
    return dict(cells=[cell(k, s, i) for i, (k, s) in enumerate(cells)],
                metadata=dict(kernelspec=dict(display_name='python3', language='python', name='python3')), nbformat=4, nbformat_minor=5)


def clean(path:Path):
    "Clean the notebook at `path` in place exactly as `nbdev-clean` does (outputs are kept)."
    from nbdev.clean import _nbdev_clean
    from fastcore.nbio import write_nb
    nb = json.loads(path.read_text())
    _nbdev_clean(nb)
    write_nb(nb, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('draft', help='percent-format draft (.py), or a post notebook to re-execute')
    ap.add_argument('dst', nargs='?', help='the post notebook to write (default: the notebook given as draft)')
    ap.add_argument('--no-exec', action='store_true', help='write the notebook without running it')
    a = ap.parse_args(argv)
    dst = Path(a.dst or a.draft).absolute()
    if dst.suffix != '.ipynb': sys.exit(f'{dst}: the post must be a notebook (…/YYYY-MM-DD-slug/index.ipynb)')
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name('.' + dst.stem + '.run.ipynb')  # a dot file: nbdev and the site ignore it
    if a.draft.endswith('.ipynb'):
        nb = json.loads(Path(a.draft).read_text())
        for c in nb['cells']:
            if c['cell_type'] == 'code': c['outputs'], c['execution_count'] = [], None
        tmp.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    else: tmp.write_text(json.dumps(to_nb(cells_of(Path(a.draft).read_text())), indent=1, ensure_ascii=False) + '\n')
    if not a.no_exec:
        from nbdev.config import get_config
        from nbdev.test import test_nb
        flags = str(get_config().get('tst_flags', '')).split()
        t0 = time.time()
        ok, secs = test_nb(tmp, skip_flags=[], force_flags=flags, save=True, do_print=True, verbose=False, cell_timeout=3600)
        if not ok: tmp.unlink(missing_ok=True); sys.exit(f'{a.draft}: a cell failed (see above); {dst} left as it was')
        print(f'executed in {time.time() - t0:.0f} s')
    clean(tmp)
    os.replace(tmp, dst)
    nb = ds.load_nb(dst)
    fm, figs = ds.front_matter(nb), ds.png_outputs(nb)
    if fm.get('image') and figs:
        (dst.parent/fm['image']).write_bytes(figs[0]); print(f"wrote {dst.parent/fm['image']} (its first figure)")
    print(f'{dst}: {len(nb["cells"])} cells, {len(figs)} figures')


if __name__ == '__main__': main()
