#!/usr/bin/env python
"""Write README.md from nbs/index.ipynb without Quarto (nbdev-readme needs it).

Markdown cells are copied; code cells become fenced python with their text outputs; cells marked
`#| hide` are left out. `--check` exits 1 when README.md is not what index.ipynb says.
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _out_text(o):
    if o.get('output_type') == 'stream': return ''.join(o.get('text', ''))
    return ''.join(o.get('data', {}).get('text/plain', ''))

def readme(nb_path=ROOT/'nbs'/'index.ipynb') -> str:
    "The README text for the notebook at `nb_path`."
    nb, parts = json.loads(Path(nb_path).read_text()), []
    for c in nb['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] == 'markdown':
            src = re.sub(r'^> (.+)$', r'> \1', src, flags=re.M)
            parts.append(src.strip())
        elif c['cell_type'] == 'code':
            lines = src.splitlines()
            if any(re.match(r'^#\|\s*(hide|exporti?|default_exp)', l) for l in lines): continue
            code = '\n'.join(l for l in lines if not l.startswith('#|')).strip()
            if code: parts.append(f'```python\n{code}\n```')
            outs = ''.join(_out_text(o) for o in c.get('outputs', [])).rstrip()
            if outs: parts.append('    ' + outs.replace('\n', '\n    '))
    return '<!-- generated from nbs/index.ipynb by tools/make_readme.py; edit the notebook -->\n\n' + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    text, dst = readme(), ROOT/'README.md'
    if '--check' in sys.argv:
        if not dst.exists() or dst.read_text() != text:
            sys.exit('README.md is not in step with nbs/index.ipynb: run python tools/make_readme.py')
        print('README.md is in step with nbs/index.ipynb')
    else:
        dst.write_text(text); print(f'wrote {dst}')
