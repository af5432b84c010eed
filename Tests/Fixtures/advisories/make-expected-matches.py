#!/usr/bin/env python3
"""Writes expected-matches.tsv: for every package of the bundled OSV PyPI data, pins drawn from its records
(`versions` entries and every range event value, GIT commit ids included), and the ids of the records that
affect each pin.

An independent expectation for OSVMatcher: Python's `packaging` for PEP 440, and the OSV schema's evaluation
pseudocode (https://ossf.github.io/osv-schema/#evaluation) written out literally, with the rules AlterKS documents
for what the schema leaves open:
- `versions` entries compare by PEP 440 equality, or as strings when either side is not PEP 440;
- events at equal versions are ordered fixed, introduced, last_affected;
- an unparseable introduced counts as "0"; an unparseable fixed/last_affected is ignored; an unparseable limit
  counts as "*"; GIT/SEMVER ranges are ignored; withdrawn records never match.

Usage (from this folder; zip the result as expected-matches.zip, one member expected-matches.tsv):
    make-expected-matches.py ../../../Sources/AlterKit/Resources/osv-pypi.zip > expected-matches.tsv
"""
import json
import re
import sys
import zipfile

from packaging.version import InvalidVersion, Version


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(text):
    try:
        return Version(text)
    except InvalidVersion:
        return None


MIN = object()


def sort_key(event):
    kind, bound = event
    rank = {"fixed": 0, "introduced": 1, "last_affected": 2}[kind]
    return (0, Version("0"), rank) if bound is MIN else (1, bound, rank)


def in_range(v, events):
    limits, infinite, steps = [], False, []
    for event in events:
        ((kind, raw),) = [(k, val) for k, val in event.items() if k in ("introduced", "fixed", "last_affected", "limit")]
        parsed = parse(raw)
        if kind == "limit":
            if "*" in raw or parsed is None:
                infinite = True
            else:
                limits.append(parsed)
        elif kind == "introduced":
            steps.append(("introduced", MIN if raw == "0" or parsed is None else parsed))
        elif parsed is not None:
            steps.append((kind, parsed))
    if limits and not infinite and not any(v < limit for limit in limits):
        return False
    vulnerable = False
    for kind, bound in sorted(steps, key=sort_key):
        if kind == "introduced" and (bound is MIN or v >= bound):
            vulnerable = True
        elif kind == "fixed" and v >= bound:
            vulnerable = False
        elif kind == "last_affected" and v > bound:
            vulnerable = False
    return vulnerable


def affects(record, name, raw):
    if record.get("withdrawn"):
        return False
    v = parse(raw)
    for entry in record.get("affected", []):
        if entry["package"]["ecosystem"] != "PyPI" or norm(entry["package"]["name"]) != name:
            continue
        for listed in entry.get("versions", []):
            lv = parse(listed)
            if (v == lv) if (v is not None and lv is not None) else (listed == raw):
                return True
        if v is None:
            continue
        for rng in entry.get("ranges", []):
            if rng["type"] == "ECOSYSTEM" and in_range(v, rng["events"]):
                return True
    return False


def main():
    records = []
    with zipfile.ZipFile(sys.argv[1]) as archive:
        for member in sorted(archive.namelist()):
            if member.endswith(".json"):
                records.append(json.loads(archive.read(member)))
    by_name, pins = {}, {}
    for record in records:
        for entry in record.get("affected", []):
            if entry["package"]["ecosystem"] != "PyPI":
                continue
            name = norm(entry["package"]["name"])
            by_name.setdefault(name, []).append(record)
            values = pins.setdefault(name, set())
            values.update(entry.get("versions", []))
            for rng in entry.get("ranges", []):
                for event in rng["events"]:
                    values.update(val for val in event.values() if val != "0")
    out = sys.stdout
    out.write("name\tversion\tids\n")
    for name in sorted(pins):
        unique = {r["id"]: r for r in by_name[name]}.values()
        for pin in sorted(pins[name]):
            ids = sorted(r["id"] for r in unique if affects(r, name, pin))
            out.write(f"{name}\t{pin}\t{','.join(ids)}\n")


if __name__ == "__main__":
    main()
