#!/usr/bin/env python3
"""Generates the benchmark inputs, deterministically, from the shared data.

    bench/gen_inputs.py SHARED_DATA_DIR OUT_DIR

Writes into OUT_DIR:
  requirements-16.txt, requirements-300.txt, requirements-1000.txt   pinned `name==version` lines
  uv-16/, uv-300/, uv-1000/                                           pyproject.toml + uv.lock with the same pins
  gate/wheels/                                                        50 tiny wheels (no dependencies between them)
  gate/requirements-50.txt                                            the 50 names, unpinned
  env-300/wheels/, env-300/requirements.txt                          300 tiny wheels and their pins: the pins of
                                                                      requirements-300.txt but pip, setuptools and
                                                                      wheel (bench.py installs them into a venv: the
                                                                      300-package installed environment)

Package names all really exist: first the packages of the shared OSV data that are also in the top-PyPI list (most
downloaded first), then the other OSV packages (by name), then the rest of the top list (by rank). An OSV package is
pinned, alternately, to a version one of its advisories lists as affected and to a version an advisory names as the
fix (so some pins are vulnerable and some are not); other packages are pinned to `1.0.0` (the loopback doubles do
not care whether the release exists).
"""

import base64
import hashlib
import io
import json
import os
import re
import shutil
import sys
import zipfile


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def version_key(text):
    """A rough PEP 440 sort key (numbers first); only used to make choices deterministic."""
    parts = re.findall(r"\d+|[a-z]+", text.lower())
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts]


# Versions in their normalised PEP 440 form only (the advisory data also lists strings like "0.2.0-n653" that no
# tool accepts as a pin).
N = r"(0|[1-9][0-9]*)"
CANONICAL_VERSION = re.compile(rf"{N}(\.{N})*((a|b|rc){N})?(\.post{N})?(\.dev{N})?")


# Any valid PEP 440 version (packaging's pattern). A package whose advisories hold an event version outside it is left
# out of the inputs: pip-audit 2.10.1 crashes on one (`InvalidVersion: '0.2.0-n653'`, binderhub) and the whole
# comparison would stop there. AlterKS's handling of such records is covered by its own tests.
PEP440 = re.compile(
    r"""v?(?:(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:[-_.]?(?:alpha|a|beta|b|preview|pre|c|rc)[-_.]?[0-9]*)?
    (?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?(?:[-_.]?dev[-_.]?[0-9]*)?)(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?""",
    re.VERBOSE | re.IGNORECASE)


def load_osv(path):
    affected = {}  # name -> set of affected versions
    fixed = {}  # name -> set of fixed versions
    unusable = set()  # names with an advisory event version that is not PEP 440
    with zipfile.ZipFile(path) as archive:
        for member in sorted(archive.namelist()):
            if not member.endswith(".json"):
                continue
            record = json.loads(archive.read(member))
            if record.get("withdrawn"):
                continue
            for entry in record.get("affected", []):
                package = entry.get("package", {})
                if package.get("ecosystem") != "PyPI":
                    continue
                name = normalize(package.get("name", ""))
                affected.setdefault(name, set()).update(
                    v for v in entry.get("versions", []) if CANONICAL_VERSION.fullmatch(v))
                for rng in entry.get("ranges", []):
                    if rng.get("type") != "ECOSYSTEM":
                        continue
                    for event in rng.get("events", []):
                        for value in event.values():
                            if not PEP440.fullmatch(value.strip()):
                                unusable.add(name)
                        if "fixed" in event and CANONICAL_VERSION.fullmatch(event["fixed"]):
                            fixed.setdefault(name, set()).add(event["fixed"])
    for name in unusable:
        affected.pop(name, None)
        fixed.pop(name, None)
    return affected, fixed, unusable


def stable_index(name, count):
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % count


def choose_pins(data_dir):
    affected, fixed, unusable = load_osv(os.path.join(data_dir, "osv-pypi.zip"))
    with open(os.path.join(data_dir, "top-pypi-packages.json")) as handle:
        top = [normalize(row["project"]) for row in json.load(handle)["rows"]]
    osv_names = set(affected) | set(fixed)
    rank = {name: index for index, name in enumerate(top)}
    ordered = sorted((n for n in osv_names if n in rank), key=lambda n: rank[n])
    ordered += sorted(n for n in osv_names if n not in rank)
    seen = set(ordered)
    ordered += [n for n in top if n not in seen and n not in unusable]

    pins = []
    for index, name in enumerate(ordered):
        bad = sorted(affected.get(name, ()), key=version_key)
        good = sorted(fixed.get(name, ()), key=version_key)
        if index % 2 == 0 and bad:
            version = bad[stable_index(name, len(bad))]
        elif good:
            version = good[stable_index(name, len(good))]
        elif bad:
            version = bad[stable_index(name, len(bad))]
        else:
            version = "1.0.0"
        pins.append((name, version))
    return pins


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


def requirements(pins):
    return "".join(f"{name}=={version}\n" for name, version in pins)


def toml_string(text):
    return json.dumps(text)


def uv_project(pins, size):
    """A pyproject.toml and a uv.lock (lock format version 1) pinning exactly `pins`, no dependencies between them.
    The registry is the placeholder `@INDEX@`: bench.py writes a copy per double with its `/simple` URL."""
    deps = ",\n".join(f"    {toml_string(f'{n}=={v}')}" for n, v in pins)
    pyproject = (
        "[project]\n"
        f'name = "bench-{size}"\n'
        'version = "0.1.0"\n'
        'requires-python = ">=3.8"\n'
        f"dependencies = [\n{deps},\n]\n"
    )
    lines = ["version = 1", "revision = 3", 'requires-python = ">=3.8"', ""]
    lines += ["[[package]]", f'name = "bench-{size}"', 'version = "0.1.0"', 'source = { virtual = "." }']
    lines.append("dependencies = [")
    lines += [f"    {{ name = {toml_string(n)} }}," for n, _ in pins]
    lines.append("]")
    lines.append("")
    lines.append("[package.metadata]")
    lines.append("requires-dist = [")
    lines += [f"    {{ name = {toml_string(n)}, specifier = {toml_string('==' + v)} }}," for n, v in pins]
    lines.append("]")
    lines.append("")
    for name, version in sorted(pins):
        digest = hashlib.sha256(f"{name}-{version}".encode()).hexdigest()
        wheel = f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
        lines += [
            "[[package]]",
            f"name = {toml_string(name)}",
            f"version = {toml_string(version)}",
            'source = { registry = "@INDEX@" }',
            "wheels = [",
            f'    {{ url = "https://files.pythonhosted.org/packages/{wheel}", hash = "sha256:{digest}", '
            "size = 1000 },",
            "]",
            "",
        ]
    return pyproject, "\n".join(lines)


def wheel_bytes(name, version, module_prefix=""):
    """A minimal pure-Python wheel: one module (named `module_prefix` + the project's name) and the dist-info pip
    needs."""
    module = module_prefix + name.replace("-", "_")
    dist = f"{name.replace('-', '_')}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": f'__version__ = "{version}"\n',
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: bench wheel\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: alterks-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in files.items():
            info = zipfile.ZipInfo(path, date_time=(2024, 1, 1, 0, 0, 0))
            archive.writestr(info, text)
    return buffer.getvalue(), f"{name.replace('-', '_')}-{version}-py3-none-any.whl"


def main():
    data_dir, out_dir = sys.argv[1], sys.argv[2]
    pins = choose_pins(data_dir)
    for size in (16, 300, 1000):
        chosen = pins[:size]
        write(os.path.join(out_dir, f"requirements-{size}.txt"), requirements(chosen))
        pyproject, lock = uv_project(chosen, size)
        write(os.path.join(out_dir, f"uv-{size}", "pyproject.toml"), pyproject)
        write(os.path.join(out_dir, f"uv-{size}", "uv.lock"), lock)

    # The gate: 50 local wheels, version 1.0.0, named after real top-list projects (ranks 1,000 and below) that have
    # no advisory in the shared data, so every verdict is clean and the PyPI double has a name to describe.
    wheels = os.path.join(out_dir, "gate", "wheels")
    os.makedirs(wheels, exist_ok=True)
    osv_names = {name for name, version in pins if version != "1.0.0"}
    names = [n for n, v in pins[1000:] if v == "1.0.0" and n not in osv_names and re.fullmatch(r"[a-z][a-z0-9-]*", n)]
    names = names[:50]
    for name in names:
        data, filename = wheel_bytes(name, "1.0.0")
        with open(os.path.join(wheels, filename), "wb") as handle:
            handle.write(data)
    write(os.path.join(out_dir, "gate", "requirements-50.txt"), "".join(f"{n}\n" for n in names))

    # The installed environment of issue #5: 300 pins in the order of requirements-300.txt, as wheels pip can install,
    # leaving out the projects the venv needs for real (a tiny `pip` wheel would replace the venv's pip, which
    # pip-audit runs to list the environment). Each wheel's module is prefixed so that it shadows no real module.
    env_pins = [(n, v) for n, v in pins if n not in ("pip", "setuptools", "wheel")][:300]
    env_wheels = os.path.join(out_dir, "env-300", "wheels")
    shutil.rmtree(env_wheels, ignore_errors=True)
    os.makedirs(env_wheels)
    for name, version in env_pins:
        data, filename = wheel_bytes(name, version, module_prefix="bench_")
        with open(os.path.join(env_wheels, filename), "wb") as handle:
            handle.write(data)
    write(os.path.join(out_dir, "env-300", "requirements.txt"), requirements(env_pins))
    print(f"inputs in {out_dir}: {len(pins)} candidate pins, first {pins[:3]}")


if __name__ == "__main__":
    main()
