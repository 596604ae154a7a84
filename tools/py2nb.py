#!/usr/bin/env python
"""Turn a percent-format script (`# %%` code cells, `# %% [markdown]` prose cells) into a clean notebook.

Authoring aid only: the notebook it writes is the source of truth and is what gets committed.
Usage: python tools/py2nb.py draft.py nbs/00_extract.ipynb
       python tools/py2nb.py --fix nbs/*.ipynb   (split test cells that mix imports and code, see `split_imports`)
"""
import ast, json, re, sys, os
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

_DOC_DIRS = {'export', 'exports', 'exporti', 'exec_doc'}

def split_imports(src:str) -> list[str]:
    """Split a test cell into (imports, rest) when it mixes them.

    While rendering docs, nbdev runs every cell that contains an import, without the test cells
    before it; a cell like `import x; y = f(earlier_var)` then fails. Imports (also nested ones) move
    to a cell of their own, which keeps the original cell's directives (`#| slow`, `#| hide`)."""
    lines = src.splitlines()
    dirs = [l for l in lines if re.match(r'^#\|', l)]
    if {re.match(r'^#\|\s*(\w+)', l).group(1) for l in dirs if re.match(r'^#\|\s*(\w+)', l)} & _DOC_DIRS: return [src]
    try: tree = ast.parse(src)
    except SyntaxError: return [src]
    imps = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    if not imps or all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body): return [src]
    take, keep, padded = set(), list(lines), list(lines)
    for n in imps:
        rows = range(n.lineno - 1, n.end_lineno)
        if ';' in ' '.join(lines[r] for r in rows): return [src]   # `import x; y()` on one line: leave it to the author
        take.update(rows)
        indent = re.match(r'\s*', lines[n.lineno - 1]).group(0)
        for r in rows: keep[r] = None; padded[r] = indent + 'pass' if r == n.lineno - 1 and indent else None
    imp_src = '\n'.join(dirs + [lines[r].strip() for r in sorted(take)])
    for cand in (keep, padded):   # drop the import lines; where a block would be left empty, leave `pass`
        rest = '\n'.join(l for l in cand if l is not None).strip('\n')
        try: ast.parse(rest); break
        except SyntaxError: rest = None
    if rest is None: return [src]
    return [imp_src, rest] if rest.strip() and any(not l.startswith('#|') for l in rest.splitlines() if l.strip()) else [src]

def fix_nb(path):
    "Split mixed import cells of an existing notebook in place (outputs stay with the code)."
    nb = json.loads(Path(path).read_text()); out, n = [], 0
    for c in nb['cells']:
        parts = split_imports(''.join(c['source'])) if c['cell_type'] == 'code' else [None]
        if len(parts) == 2:
            n += 1
            out.append(dict(cell_type='code', id=c.get('id', '') + 'i', metadata={}, source=parts[0].splitlines(True), execution_count=None, outputs=[]))
            c['source'] = parts[1].splitlines(True)
        out.append(c)
    nb['cells'] = out
    Path(path).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    return n

def to_nb(cells):
    "A clean nbformat-4 notebook dict from (kind, source) pairs."
    def cell(k, s, i):
        lines = s.splitlines(True)
        c = dict(cell_type=k, id=f'{i:08x}', metadata={}, source=lines)
        if k == 'code': c.update(execution_count=None, outputs=[])
        return c
    cells = [(k, p) for k, s in cells for p in (split_imports(s) if k == 'code' else [s])]
    return dict(cells=[cell(k, s, i) for i, (k, s) in enumerate(cells)],
                metadata=dict(kernelspec=dict(display_name='python3', language='python', name='python3')),
                nbformat=4, nbformat_minor=5)

if __name__ == '__main__':
    if sys.argv[1] == '--fix':
        for p in sys.argv[2:]:
            n = fix_nb(p)
            if n: import subprocess; subprocess.run(['nbdev-clean', '--fname', p], check=True); print(f'{p}: split {n} cells')
        sys.exit(0)
    src, dst = Path(sys.argv[1]), Path(sys.argv[2])
    tmp = dst.with_suffix('.tmp')
    tmp.write_text(json.dumps(to_nb(cells_of(src.read_text())), indent=1, ensure_ascii=False) + '\n')
    os.replace(tmp, dst)
    import subprocess; subprocess.run(['nbdev-clean', '--fname', str(dst)], check=True)  # the committed form
    print(f'{dst}: {len(json.loads(dst.read_text())["cells"])} cells')
