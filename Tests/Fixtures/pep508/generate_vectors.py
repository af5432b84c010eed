#!/usr/bin/env python3
"""Regenerates requirements.json and markers.json with Python `packaging` (26.2 when recorded).

Run from this directory: python3 generate_vectors.py. The PEP 508 tests compare our parser with these answers.
Inputs: hand-picked edge cases below (the real `requires_dist` strings of the recorded projects, read from
../../../../shared/data/pypi-json, are included here so their parsed form is checked; the tests read the 19
projects they name from ../pypi-json).
"""
import glob
import json
import os

import packaging
from packaging._parser import parse_requirement
from packaging._tokenizer import ParserSyntaxError
from packaging.markers import Marker, UndefinedComparison

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "..", "..", "shared", "data", "pypi-json")

# The fixed environment of MarkerEnvironment.testDefault in Swift.
ENV = {
    "implementation_name": "cpython",
    "implementation_version": "3.11.7",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_release": "6.1.0-18-amd64",
    "platform_system": "Linux",
    "platform_version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
    "python_full_version": "3.11.7",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
    "sys_platform": "linux",
}

REQUIREMENTS = [
    "requests", "requests==2.31.0", "Requests [security , socks] >= 2.8.1, == 2.8.* ; python_version < '2.7'",
    "name", "name<=1", "name>=3", "name>=3,<2", "name@http://foo.com", "name [fred,bar] @ http://foo.com ; python_version=='2.7'",
    "name[quux, strange];python_version<'2.7' and platform_version=='2'", "name; os_name=='a' or os_name=='b'",
    "name; os_name=='a' and os_name=='b' or os_name=='c'", "name; os_name=='a' and (os_name=='b' or os_name=='c')",
    "name; os_name=='a' or os_name=='b' and os_name=='c'", "name; (os_name=='a' or os_name=='b') and os_name=='c'",
    "name (>=1.0)", "name ( >= 1.0 , < 2 )", "name(==1.0)", "name==1.0;python_version>'3'", "name ==1.0 ; extra == 'Test_Extra'",
    "name===1.0", "name===1.0.foo", "name === anything-goes", "name~=1.4", "name~=1.4.5a1", "name!=1.*", "name==1.0+local.7",
    "name==v1.0", "name>=1.0.post1.dev2", "name<1.0rc1", "name==1.0.*,!=1.0.1", "pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee9982d4bbb3c72346a6de940a148ea686",
    "pip @ file:///tmp/x.whl ; sys_platform == 'linux'", "name @ git+https://github.com/a/b@v1.0#egg=name",
    "foo\n", "foo>=1.0\n", "a", "A.B-C_D", "a.b", "name[]", "name[ ]", "name[a]", "name[a-b.c_d]", "name [ a , b ]",
    "name; python_full_version >= '3.8.1'", "name; implementation_name == 'cpython'", "name; implementation_version >= '3'",
    "name; platform.python_implementation == 'CPython'", "name; python_implementation == 'CPython'", "name; os.name == 'posix'",
    "name; sys.platform == 'linux'", "name; platform.machine == 'x86_64'", "name; platform.version != ''",
    "name; 'linux' in sys_platform", "name; 'win' not in sys_platform", "name; sys_platform in 'linux darwin'",
    "name; python_version in '3.10 3.11 3.12'", "name; python_version not in '3.10 3.11'", "name; \"3.8\" < python_version",
    "name; extra == 'FOO.bar'", "name; 'test' == extra", "name; extra != 'test'", "name; python_version ~= '3.10'",
    "name; python_version === '3.11'", "name; python_version > '3.11.0a1'", "name; python_full_version < '3.11.7rc1'",
    "name; platform_release >= '5'", "name; platform_release >= 'unknown'", "name; os_name < 'z'", "name; os_name <= 'posix'",
    "name; os_name >= 'posix'", "name; os_name > 'a'", "name; python_version == '3.*'", "name; python_version == '3.11.*'",
    "name; python_version != '2.*'", "name; python_version >= '3.8, <4'", "name; python_version == 'foo'",
    "name; ((os_name == 'posix'))", "name; (os_name == 'posix') and (sys_platform == 'linux')",
    "name;os_name=='posix'and sys_platform=='linux'", "name; os_name == \"po'six\"", "name; os_name == 'a\\tb'",
    "name; os_name == 'a\\x41'", "name; os_name == 'a\\\\b'", "name; os_name == 'a\\qb'", "name; os_name == 'a\\u00e9'",
    "name; os_name == '\\101'", "name; os_name == ''", "name; platform_version == '#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)'",
    "name\t>=\t1.0\t;\tos_name\t==\t'posix'", "name @ https://x/a.whl;python_version>'3'", "name @ https://x/a.whl ; python_version>'3'",
    "name @ https://x/a.whl ", "zope.interface>=5; extra == 'zope'", "name>=1.0 ; extra == 'a' or extra == 'b'",
    "name; dependency_groups == 'x'", "name; 'dev' in dependency_groups", "name; 'x' in extras", "name; extras == 'x'",
    "name==1.0.0-beta.1", "name==1!2.0", "name>=1!2.0", "name<=1.0-1", "name==1.0.dev", "name==1.0a", "name == 1.0 .post1",
    # malformed
    "", " ", "@", "name @", "name @ ", "name==", "name>=", "name=1.0", "name==1.0.*.1", "name>=1.0.*", "name~=1", "name~=1.0.*",
    "name<1.0+local", "name==1.0+local.*", "name===", "name[", "name[a", "name[a b]", "name[a,]", "name[,a]", "name[a]]",
    "name (>=1.0", "name >=1.0)", "name; ", "name;", "name; os_name", "name; os_name ==", "name; os_name == 'x", "name; os_name = 'x'",
    "name; os_name == 'x' and", "name; os_name == 'x' or or", "name; (os_name == 'x'", "name; os_name == 'x')", "name; foo == 'x'",
    "name; os_name == x", "name; 'a' == 'b'", "name; os_name == os_name", "name; os_name not 'x'", "name; os_name notin 'x'",
    "name; os_name == 'x\\'", "name; os_name == 'a\\x4'", "name; os_name == 'a\\u12'",
    "-name", ".name", "name-", "name_", "na!me", "aé", "名前", "name==1.0 foo", "name>=1.0,", "name>=1.0,,<2", "name >= 1.0 <2",
    "name @ https://x ; ", "name @ https://x;os_name=='a' extra", "name[a](>=1)", "name>=1.0[a]", "name; python_version >= '3.8' extra == 'a'",
    "name\n\n", "name\r\n", "name\x00", "name ; os_name == 'a'; os_name == 'b'",
]

MARKERS = [
    'python_version >= "3.8"', 'python_version < "3.8"', 'python_full_version >= "3.11.7"', 'os_name == "nt"',
    'sys_platform == "win32" or sys_platform == "linux"', 'extra == "test"', 'extra == "Test.Ext"', 'extra != "test"',
    'python_version >= "3.8" and extra == "test"', '(python_version >= "3.8" or extra == "x") and os_name == "posix"',
    'platform_machine in "x86_64 aarch64"', 'platform_machine not in "arm64"', 'implementation_name == "cpython"',
    'os_name ~= "posix"', 'os_name === "posix"', 'python_version === "3.11"', 'python_version ~= "3.10"',
    'platform_release >= "6"', 'platform_release > "not a version"', 'python_full_version > "3.11.7+"',
    '"extra" in extras', 'dependency_groups == "x"', 'os_name < "z" or os_name > "a"',
]

EXTRAS_SETS = [[], ["test"], ["Test-Ext"], ["x", "test"]]


def first_line(e):
    return str(e).splitlines()[0]


def evaluate(marker, env, extras):
    try:
        if not extras:
            return marker.evaluate({**env, "extra": ""})
        return any(marker.evaluate({**env, "extra": e}) for e in extras)
    except (UndefinedComparison, KeyError, AssertionError):
        return "undefined"


def requirement_vector(s):
    try:
        parsed = parse_requirement(s)
    except ParserSyntaxError as e:
        return {"input": s, "error": e.message, "position": e.span[0]}
    except (SyntaxError, ValueError):
        # packaging 26.2 lets ast.literal_eval's error escape here; later releases say "Invalid quoted string".
        return {"input": s, "error": "Invalid quoted string", "position": None}
    m = None
    if parsed.marker is not None:
        m = Marker.__new__(Marker)
        from packaging.markers import _normalize_extra_values
        m._markers = _normalize_extra_values(parsed.marker)
    out = {
        "input": s, "name": parsed.name, "extras": sorted(set(parsed.extras)), "specifier": parsed.specifier,
        "url": parsed.url or None, "marker": str(m) if m is not None else None,
    }
    if m is not None:
        out["evaluations"] = [evaluate(m, ENV, x) for x in EXTRAS_SETS]
    return out


def main():
    real = set()
    for path in sorted(glob.glob(os.path.join(SHARED, "*.json"))):
        with open(path) as f:
            real.update(json.load(f)["info"].get("requires_dist") or [])
    inputs = list(dict.fromkeys(REQUIREMENTS + sorted(real)))
    with open(os.path.join(HERE, "requirements.json"), "w") as f:
        json.dump({"packaging": packaging.__version__, "environment": ENV, "extras_sets": EXTRAS_SETS,
                   "vectors": [requirement_vector(s) for s in inputs]}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    markers = []
    for s in MARKERS:
        m = Marker(s)
        markers.append({"marker": s, "normalized": str(m), "evaluations": [evaluate(m, ENV, x) for x in EXTRAS_SETS]})
    with open(os.path.join(HERE, "markers.json"), "w") as f:
        json.dump({"packaging": packaging.__version__, "environment": ENV, "extras_sets": EXTRAS_SETS,
                   "vectors": markers}, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
