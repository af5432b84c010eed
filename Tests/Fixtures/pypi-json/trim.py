#!/usr/bin/env python3
"""Trims recorded PyPI JSON in place (see README.md): python3 trim.py FILE..."""
import json, sys
KEEP = {"filename", "packagetype", "size", "yanked", "yanked_reason", "upload_time_iso_8601", "digests", "provenance",
        "requires_python"}
def trim(f):
    f = {k: v for k, v in f.items() if k in KEEP}
    if isinstance(f.get("digests"), dict):
        f["digests"] = {"sha256": f["digests"]["sha256"]} if "sha256" in f["digests"] else {}
    return f
for path in sys.argv[1:]:
    doc = json.load(open(path))
    doc["releases"] = {v: [trim(f) for f in files] for v, files in doc["releases"].items()}
    doc["urls"] = [trim(f) for f in doc.get("urls", [])]
    with open(path, "w") as out:
        json.dump(doc, out, ensure_ascii=False, separators=(",", ":"))
        out.write("\n")
