"""Runs the Python `alterks` 0.4.0 (PyPI) with its OSV and PyPI base URLs pointed at the loopback doubles.

    ALTERKS_BENCH_URL=http://127.0.0.1:PORT python py-alterks-launcher.py scan -r FILE
    ALTERKS_BENCH_URL=… ALTERKS_BENCH_SITE=/path/to/site-packages python py-alterks-launcher.py scan

The package keeps its endpoints in module constants (alterks/sources/osv.py: OSV_API_BASE and the two URLs derived
from it at import time; alterks/sources/pypi.py: PYPI_JSON_URL; alterks/heuristics.py: the top-packages URL used only
by `update-db`). Setting them before the CLI runs redirects every request the package makes; nothing else changes.
"""

import os
import sys

base = os.environ.get("ALTERKS_BENCH_URL", "")
if not base.startswith("http://127.0.0.1:"):
    sys.exit("py-alterks-launcher: ALTERKS_BENCH_URL must be the loopback double (http://127.0.0.1:PORT)")
base = base.rstrip("/")

import alterks.heuristics as heuristics  # noqa: E402
import alterks.sources.osv as osv  # noqa: E402
import alterks.sources.pypi as pypi  # noqa: E402

osv.OSV_API_BASE = base
osv.OSV_QUERY_URL = f"{base}/v1/query"
osv.OSV_BATCH_URL = f"{base}/v1/querybatch"
pypi.PYPI_JSON_URL = base + "/pypi/{package}/json"
heuristics.TOP_PYPI_PACKAGES_URL = f"{base}/top-pypi-packages.json"

import alterks.scanner as scanner  # noqa: E402

# `alterks scan` without -r lists the distributions of the interpreter it runs in. ALTERKS_BENCH_SITE makes it list
# those of another environment's site-packages instead (the same code, over `distributions(path=[site])`), so that
# it scans the bench's 300-package environment rather than its own venv.
site = os.environ.get("ALTERKS_BENCH_SITE")
if site:
    import importlib.metadata

    def installed_in_site():
        packages = []
        for dist in importlib.metadata.distributions(path=[site]):
            name = dist.metadata.get("Name")
            version = dist.metadata.get("Version")
            if name and version:
                packages.append((name, version))
        return sorted(set(packages))

    scanner._get_installed_packages = installed_in_site

from alterks.cli import main  # noqa: E402

sys.exit(main())
