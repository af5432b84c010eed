#!/usr/bin/env python3
"""Regenerates valid.json: TOML documents Python's tomllib accepts (hand-picked tricky ones, plus random edits of
the inventory fixtures that stay valid). The TOML pre-check must accept every one of them."""
import glob, json, os, random, tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
HAND = [
    'a = """\nmulti\n  line """\n', "a = '''\nliteral \\ no escapes\n'''\n", 'a = """""quoted"""""\n', "a = ''''x'''\n",
    'a = "tab\\tand \\u00e9 \\U0001F600"\n', 'a = """\\\n    folded \\\n  """\n', 'x = [\n  [ [1] ],\n  [{a = 1}],\n  [],\n]\n',
    'x = [ # comment\n  1, # another\n  2,\n]\n', 'a.b."c.d" = 1\n[ "quoted ]" . bare ]\nk = 1\n', '[[ t ]]\n[[t]]\nx = 1\n',
    'd = 1979-05-27 07:32:00Z\nt = 07:32:00\nf = -inf\nn = nan\nh = 0xDEAD_BEEF\ne = 6.626e-34\n', 'inline = { a = 1, b = { c = [1, 2] } }\n',
    '# only a comment\n', '', '\n\n\n', 'a = 1\r\nb = "x"\r\n', 'key-with-dash_and_underscore = true\n', '"" = 1\n', "'quoted' = 2\n",
    'a = [\n]\n', 'a = []\n', 'a = {}\n', 'a = [1,2,]\n', 'site."google.com" = true\n', '3.14159 = "pi"\n', 'a = "#not a comment"\n',
    'a = """ has "" two quotes """\n', 'a = \'a "double" in literal\'\n',
]

def mutate(b, rnd):
    toks = [b'[', b']', b'{', b'}', b'"', b"'", b'=', b'\\', b'#', b'\n', b' ', b',', b'.', b'"""', b"'''", b'x = 1\n', b'[t]\n']
    b = bytearray(b)
    for _ in range(rnd.randint(1, 3)):
        at = rnd.randint(0, len(b))
        op = rnd.randint(0, 3)
        if op == 0:
            b = b[:at]
        elif op == 1:
            s = b.rfind(b'\n', 0, at) + 1; e = b.find(b'\n', at); e = len(b) if e < 0 else e + 1
            b[s:s] = b[s:e]
        elif op == 2 and b:
            del b[at:at + rnd.randint(1, 8)]
        else:
            b[at:at] = rnd.choice(toks)
    return bytes(b)

def main():
    rnd = random.Random(751)
    fixtures = sorted(glob.glob(os.path.join(HERE, '..', '*', '*.toml')) + glob.glob(os.path.join(HERE, '..', '*', '*.lock')))
    sources = [open(f, 'rb').read() for f in fixtures]
    valid = []
    for s in HAND:
        tomllib.loads(s)
        valid.append(s)
    seen = set(valid)
    while len(valid) < 250:
        b = mutate(rnd.choice(sources), rnd)
        try:
            text = b.decode('utf-8')
            tomllib.loads(text)
        except Exception:
            continue
        if text not in seen and len(text) < 2500:
            seen.add(text)
            valid.append(text)
    with open(os.path.join(HERE, 'valid.json'), 'w') as f:
        json.dump(valid, f, indent=0, ensure_ascii=False)
        f.write('\n')

main()
