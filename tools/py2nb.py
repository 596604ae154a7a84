#!/usr/bin/env python
"""Turn a percent-format script (`# %%` code cells, `# %% [markdown]` prose cells) into a clean notebook.

Authoring aid only: the notebook it writes is the source of truth and is what gets committed.
Usage: python tools/py2nb.py draft.py nbs/00_extract.ipynb
"""
import json, re, sys, os
from pathlib import Path

def cells_of(text):
    "Split percent-format `text` into (kind, source) pairs."
    out, kind, buf = [], None, []
    def flush():
        if kind is None: return
        src = '\n'.join(buf).strip('\n')
        if kind == 'markdown': src = '\n'.join(re.sub(r'^# ?', '', l) for l in src.splitlines())
        if src.strip(): out.append((kind, src))
    for line in text.splitlines():
        m = re.match(r'^# %%(.*)$', line)
        if m:
            flush(); kind = 'markdown' if '[markdown]' in m.group(1) else 'code'; buf = []
        else: buf.append(line)
    flush()
    return out

def to_nb(cells):
    "A clean nbformat-4 notebook dict from (kind, source) pairs."
    def cell(k, s, i):
        lines = s.splitlines(True)
        c = dict(cell_type=k, id=f'{i:08x}', metadata={}, source=lines)
        if k == 'code': c.update(execution_count=None, outputs=[])
        return c
    return dict(cells=[cell(k, s, i) for i, (k, s) in enumerate(cells)],
                metadata=dict(kernelspec=dict(display_name='python3', language='python', name='python3')),
                nbformat=4, nbformat_minor=5)

if __name__ == '__main__':
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    tmp = dst.with_suffix('.tmp')
    tmp.write_text(json.dumps(to_nb(cells_of(src.read_text())), indent=1, ensure_ascii=False) + '\n')
    os.replace(tmp, dst)
    import subprocess; subprocess.run(['nbdev-clean', '--fname', str(dst)], check=True)  # the committed form
    print(f'{dst}: {len(json.loads(dst.read_text())["cells"])} cells')
