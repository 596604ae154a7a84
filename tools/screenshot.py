#!/usr/bin/env python
"""Screenshots of the docs for the README, and each blog post's listing image, made by the same rendering
path that `tests/test_docs.py` checks (nbdev processing -> nbconvert HTML -> headless Chromium).

    python tools/screenshot.py            # nbs/images/home.png, nbs/images/post.png, and every post's image
    python tools/screenshot.py --post 2026-11-27-baselines-in-ten-minutes
    python tools/screenshot.py --no-post-images   # home.png and post.png only

The home page is shot down to the output of its first example, so the README shows what an example prints.

A post's listing image (`image:` in its front matter) is its first figure, copied out of the notebook's
outputs, so it always shows a number the post computed.
"""
import argparse, sys, tempfile
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
import docsite as ds


def post_images(nbs=ds.NBS) -> list[Path]:
    "Write each post's front-matter `image` from its first figure; return the files written."
    out = []
    for p in ds.posts(nbs):
        if p.suffix != '.ipynb': continue
        nb = ds.load_nb(nbs/p)
        fm, figs = ds.front_matter(nb), ds.png_outputs(nb)
        if not (fm.get('image') and figs): print(f'{p}: no image in its front matter or no figure yet; skipped'); continue
        dst = nbs/p.parent/fm['image']
        if not dst.exists() or dst.read_bytes() != figs[0]: dst.write_bytes(figs[0]); out.append(dst)
    return out


def _scroll_to_first_figure(drv):
    drv.execute_script("""
      const img = document.querySelector(arguments[0]);
      if (!img) return;
      const cell = img.closest('.jp-Cell') || img;
      const y = el => el.getBoundingClientRect().top + window.scrollY;
      // start at the section heading above the figure when heading and figure fit in the window together
      const hs = Array.from(document.querySelectorAll('h2')).filter(h => y(h) <= y(cell));
      const h = hs[hs.length - 1];
      const bottom = img.getBoundingClientRect().bottom + window.scrollY;
      const top = (h && bottom - y(h) < window.innerHeight - 24) ? y(h) : y(cell);
      window.scrollTo(0, Math.max(0, top - 16));""", ds.FIGURE_SELECTOR)


def home_shot(drv, url:str, dst:Path, margin:int=24, most:int=2400):
    "The top of the home page down to the output of its first example: the window grows when that output is below the fold."
    ds.load(drv, url)
    size = drv.get_window_size()
    bottom = drv.execute_script("""
      const o = document.querySelector(arguments[0]);
      return o ? Math.ceil(o.getBoundingClientRect().bottom + window.scrollY) : 0;""", ds.OUTPUT_SELECTOR)
    grow = bottom + margin - drv.execute_script('return window.innerHeight')
    if grow > 0: drv.set_window_size(size['width'], min(size['height'] + grow, most))
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(drv.get_screenshot_as_png())
    drv.set_window_size(size['width'], size['height'])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--post', help='folder name of the post to show (default: the newest post)')
    ap.add_argument('--out', default=str(ds.NBS/'images'), help='folder for home.png and post.png')
    ap.add_argument('--no-post-images', action='store_true', help="leave the posts' listing images as they are")
    a = ap.parse_args(argv)
    if not a.no_post_images:
        for f in post_images(): print(f'wrote {f.relative_to(ds.ROOT)}')
    posts = ds.posts()
    post = next((p for p in posts if p.parent.name == a.post), None) if a.post else (max(posts, key=lambda p: p.parent.name) if posts else None)
    if a.post and post is None: sys.exit(f'no post {a.post!r}; posts: {[p.parent.name for p in posts]}')
    out = Path(a.out)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)/'html'
        # only the pages shown (the home page and the posts are all `index.ipynb`); the sidebar still lists every notebook
        ds.render_site(ds.process(Path(tmp), file_re=r'^index\.ipynb$'), site, nbs=ds.NBS)
        with ds.serve(site) as base, ds.browser(1280, 1150) as drv:
            home_shot(drv, f'{base}/index.html', out/'home.png')
            print(f'wrote {(out/"home.png")}')
            if post is not None:
                ds.load(drv, f'{base}/{post.with_suffix(".html").as_posix()}')
                _scroll_to_first_figure(drv)
                (out/'post.png').write_bytes(drv.get_screenshot_as_png())
                print(f'wrote {out/"post.png"} ({post.parent.name})')


if __name__ == '__main__': main()
