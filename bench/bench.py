#!/usr/bin/env python3
"""The benchmark driver. bench/run.sh builds, installs the peers and then runs this; see README "Benchmarks".

Every measured command runs with a small, explicit environment: its own HOME and XDG folders under .bench/homes/,
no pip settings from the machine, and HTTP(S)_PROXY pointing at a dead loopback port with NO_PROXY=127.0.0.1 — so a
tool can reach the loopback doubles and nothing else (a request to the real internet fails instead of leaving the
machine).

For each case: one run under `/usr/bin/time -v` gives the exit status, the peak RSS and (from the double's /__stats)
the number of HTTP requests; then hyperfine times further runs when the command is quick enough. A command that is
slow (over SLOW seconds) is timed by that one run only. A case whose command is missing or fails prints
"SKIPPED: <why>" and the run goes on.
"""

import argparse
import datetime
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

SLOW = 4.0  # seconds: a command slower than this is timed by its single measured run
NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def log(text):
    print(text, flush=True)


class Doubles:
    """One alterks-doubles process (we started it; we stop it by its pid)."""

    def __init__(self, binary, latency_ms, shared_data, find_links, log_path):
        self.latency_ms = latency_ms
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(
            [binary, "--latency-ms", str(latency_ms), "--data", shared_data, "--find-links", find_links],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.log_path = log_path
        self.url = None

    def wait_ready(self):
        line = self.process.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"alterks-doubles did not print its URL (got {line!r}); see {self.log_path}")
        self.url = line

    def call(self, path, method="GET"):
        request = urllib.request.Request(self.url + path, method=method, data=b"" if method == "POST" else None)
        with NO_PROXY_OPENER.open(request, timeout=30) as response:
            return json.loads(response.read())

    def reset(self):
        self.call("/__reset", "POST")

    def stats(self):
        return self.call("/__stats")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


class Bench:
    def __init__(self, options):
        self.o = options
        self.results = []
        self.started = time.monotonic()
        self.homes = os.path.join(options.work, "homes")
        self.logs = os.path.join(options.work, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.alterks = os.path.join(options.bin, "alterks")
        self.shim = options.shim or os.path.join(options.bin, "pip")
        self.venv_bin = os.path.join(options.venv, "bin")
        self.doubles = {}
        self.warmed = set()
        self.gate_timings = {}

    # -- environment ---------------------------------------------------------------------------------------------

    def home(self, tool):
        return os.path.join(self.homes, tool)

    def env(self, tool, extra=None):
        home = self.home(tool)
        for sub in ("", ".cache", ".local/share", ".local/state", ".config", "tmp"):
            os.makedirs(os.path.join(home, sub), exist_ok=True)
        env = {
            "PATH": f"{self.venv_bin}:/usr/local/bin:/usr/bin:/bin",
            "HOME": home,
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "XDG_DATA_HOME": os.path.join(home, ".local/share"),
            "XDG_STATE_HOME": os.path.join(home, ".local/state"),
            "XDG_CONFIG_HOME": os.path.join(home, ".config"),
            "TMPDIR": os.path.join(home, "tmp"),
            "LANG": "C.UTF-8",
            "NO_COLOR": "1",
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9",
            "http_proxy": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
        }
        env.update(extra or {})
        return env

    def cold_dirs(self, tool):
        home = self.home(tool)
        return [os.path.join(home, ".cache"), os.path.join(home, ".alterks")]

    def elapsed(self):
        return time.monotonic() - self.started

    # -- measuring -----------------------------------------------------------------------------------------------

    def record(self, section, case, tool, **fields):
        row = {"section": section, "case": case, "tool": tool, "load": load_average()}
        row.update(fields)
        self.results.append(row)
        if row.get("skipped"):
            log(f"  {tool:<26} {skip_label(row['skipped'])}")
        else:
            requests = row.get("requests")
            log(
                f"  {tool:<26} median {row['median']:.4f} s over {row['runs']} run(s), max RSS "
                f"{row['rss_mb']:.1f} MB" + (f", {requests['total']} HTTP requests" if requests else ""))
        return row

    def skip(self, section, case, tool, why):
        return self.record(section, case, tool, skipped=why)

    def run_once(self, argv, env, cwd=None, timeout=900):
        """One run under /usr/bin/time -v: (exit status, wall seconds, max RSS MB, stderr tail)."""
        with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as handle:
            time_file = handle.name
        start = time.perf_counter()
        try:
            process = subprocess.run(
                ["/usr/bin/time", "-v", "-o", time_file, *argv], env=env, cwd=cwd, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired:
            os.unlink(time_file)
            return None, timeout, 0.0, f"timed out after {timeout} s"
        wall = time.perf_counter() - start
        text = open(time_file).read()
        os.unlink(time_file)
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        stderr = process.stderr.decode(errors="replace").strip().splitlines()
        stdout = process.stdout.decode(errors="replace").strip().splitlines()
        tail = " | ".join((stderr or stdout)[-3:])
        self.last_stdout = process.stdout
        self.last_stderr = process.stderr.decode(errors="replace")
        return process.returncode, wall, (int(rss.group(1)) / 1024 if rss else 0.0), tail

    def hyperfine(self, argv, env, cwd, runs, prepare=None, name="cmd"):
        export = os.path.join(self.logs, f"hyperfine-{len(self.results)}.json")
        command = ["hyperfine", "-N", "-i", "--style", "basic", "--runs", str(runs), "--export-json", export]
        if prepare:
            command += ["--prepare", shlex.join(prepare)]
        command += ["--command-name", name, shlex.join(argv)]
        with open(os.path.join(self.logs, "hyperfine.log"), "a") as out:
            subprocess.run(command, env=env, cwd=cwd, stdout=out, stderr=out, check=True)
        with open(export) as handle:
            result = json.load(handle)["results"][0]
        return result["median"], len(result["times"]), result.get("exit_codes", [])

    def measure(
        self, section, case, tool, argv, env, cwd=None, mode="plain", cold_dirs=(), doubles=None,
        ok=(0, 1), runs=None, prepare=None, missing=None, already_warm=False, validate=None,
    ):
        """mode: plain | cold (cold_dirs removed before every run) | warm (one untimed run first, unless
        `already_warm`: the caches are what the cold runs just before left)."""
        if missing:
            return self.skip(section, case, tool, missing)
        if not os.path.exists(argv[0]):
            return self.skip(section, case, tool, f"{argv[0]} not found")
        if self.elapsed() > self.o.budget:
            return self.skip(section, case, tool, f"time budget of {self.o.budget} s used up")

        def clear():
            for folder in cold_dirs:
                shutil.rmtree(folder, ignore_errors=True)

        def run_prepare():
            if prepare:
                subprocess.run(prepare, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        if mode == "cold":
            clear()
        elif mode == "warm" and not already_warm:
            clear()
            run_prepare()
            status, _, _, tail = self.run_once(argv, env, cwd)
            if status not in ok:
                return self.skip(section, case, tool, f"exit status {status}: {tail}")
        run_prepare()
        if doubles:
            doubles.reset()
        status, wall, rss, tail = self.run_once(argv, env, cwd)
        if status not in ok:
            return self.skip(section, case, tool, f"exit status {status}: {tail}")
        requests = doubles.stats() if doubles else None
        findings = None
        if validate:
            # The exit status alone is not enough: a peer that crashes half-way exits 1 like one that found
            # something. The output must hold every package.
            try:
                findings = validate(self.last_stdout)
            except Exception as error:  # noqa: BLE001 - any failure to read the output is the finding here
                return self.skip(section, case, tool, f"FAILED: output incomplete ({error}); {tail}")
        median, count = wall, 1
        if runs is None:
            runs = 30 if wall < 0.2 else 10 if wall < 1 else 3 if wall < self.o.slow else 1
        runs = max(1, int(runs * self.o.runs_scale))
        if runs > 1 and wall < self.o.slow:
            steps = []
            if mode == "cold" and cold_dirs:
                steps = ["rm", "-rf", *cold_dirs]
            if prepare and steps:
                # hyperfine takes one --prepare command: chain through a tiny helper with no shell.
                steps = [sys.executable, "-c", PREPARE_BOTH, json.dumps(steps), json.dumps(prepare)]
            elif prepare:
                steps = prepare
            median, count, codes = self.hyperfine(argv, env, cwd, runs, prepare=steps or None, name=f"{tool} {case}")
            bad = [code for code in codes if code not in ok]
            if bad:
                return self.skip(section, case, tool, f"exit status {bad[0]} in a timed run")
        return self.record(
            section, case, tool, median=median, runs=count, rss_mb=rss, requests=requests, exit=status,
            findings=findings)

    # -- the benchmarks -------------------------------------------------------------------------------------------

    def py_alterks(self):
        return [os.path.join(self.venv_bin, "python"), os.path.join(self.o.root, "bench", "py-alterks-launcher.py")]

    def config_file(self, doubles):
        path = os.path.join(self.o.work, f"alterks-{doubles.latency_ms}ms.toml")
        with open(path, "w") as handle:
            handle.write(f'osv_url = "{doubles.url}"\npypi_url = "{doubles.url}"\n')
        return path

    def startup(self):
        log("== start-up")
        section = "start-up"
        self.measure(section, "--help", "alterks", [self.alterks, "--help"], self.env("alterks"), ok=(0,))
        self.measure(
            section, "--help", "pip-audit", [os.path.join(self.venv_bin, "pip-audit"), "--help"],
            self.env("pip-audit"), ok=(0,))
        self.measure(
            section, "--help", "alterks (Python)", self.py_alterks() + ["--help"],
            self.env("py-alterks", {"ALTERKS_BENCH_URL": self.doubles[0].url}), ok=(0,))
        self.measure(section, "--help", "uv", [os.path.join(self.venv_bin, "uv"), "--help"], self.env("uv"), ok=(0,))
        real_pip = os.path.join(self.venv_bin, "pip")
        shim_env = self.env("shim", {"ALTERKS_REAL_PIP": real_pip, "ALTERKS_BIN": self.alterks})
        # The shim's cost is a difference of two close numbers: the two commands take turns, run for run, so that
        # both see the same load (timed one after the other, a change of load on the shared machine swamped it).
        for case, arguments in (("pip --version", ["--version"]), ("pip list", ["list"])):
            self.alternate(section, case, [
                ("real pip", [real_pip, *arguments], self.env("pip")),
                ("pip shim → real pip", [self.shim, *arguments], shim_env)])

    def alternate(self, section, case, commands, runs=20):
        """Runs each (tool, argv, env) of `commands` in turn, `runs` rounds (after one untimed round); records each
        tool's median wall time and largest RSS."""
        runs = max(3, int(runs * self.o.runs_scale))
        for tool, argv, env in commands:
            status, _, _, tail = self.run_once(argv, env)
            if status != 0:
                for other, _, _ in commands:
                    self.skip(section, case, other, f"{tool}: exit status {status}: {tail}")
                return
        walls = {tool: [] for tool, _, _ in commands}
        rss = {tool: 0.0 for tool, _, _ in commands}
        for _ in range(runs):
            for tool, argv, env in commands:
                status, wall, peak, tail = self.run_once(argv, env)
                if status != 0:
                    for other, _, _ in commands:
                        self.skip(section, case, other, f"{tool}: exit status {status} in a timed run: {tail}")
                    return
                walls[tool].append(wall)
                rss[tool] = max(rss[tool], peak)
        for tool, _, _ in commands:
            self.record(
                section, case, tool, median=statistics.median(walls[tool]), runs=runs, rss_mb=rss[tool],
                requests=None, exit=0, note="alternating runs")

    def scans(self, tools):
        for size in self.o.sizes:
            requirements = os.path.join(self.o.inputs, f"requirements-{size}.txt")
            for latency in self.o.latencies:
                doubles = self.doubles[latency]
                for mode in ("cold", "warm"):
                    case = f"{size} pkgs, {latency} ms, {mode}"
                    log(f"== scan {case}")
                    for tool in tools:
                        self.scan_one(tool, case, size, requirements, doubles, mode)

    def scan_one(self, tool, case, size, requirements, doubles, mode):
        section = "scan"
        # A cold run leaves the caches warm: the warm case right after it needs no extra populating run. The Python
        # alterks keys its cache by package name alone, so its cache also serves the other latency's double (which
        # saves minutes); the others may key theirs by URL, so only the same double counts.
        warm_key = (tool, size) if tool == "alterks (Python)" else (tool, size, doubles.latency_ms)
        already_warm = mode == "warm" and warm_key in self.warmed
        row = self.scan_tool(tool, case, size, requirements, doubles, mode, already_warm)
        if row and not row.get("skipped"):
            self.warmed.add(warm_key)
        return row

    def scan_tool(self, tool, case, size, requirements, doubles, mode, already_warm):
        section = "scan"
        common = {"mode": mode, "doubles": doubles, "already_warm": already_warm, "validate": VALIDATORS[tool](size)}
        if tool == "alterks":
            argv = [
                self.alterks, "scan", "--no-deps", "--config", self.config_file(doubles), "-r", requirements, "--source", "osv",
                "--no-heuristics", "--format", "json"]
            return self.measure(
                section, case, tool, argv, self.env("alterks"), cold_dirs=self.cold_dirs("alterks"), **common)
        elif tool == "pip-audit":
            argv = [
                os.path.join(self.venv_bin, "pip-audit"), "-r", requirements, "--no-deps", "--disable-pip", "-s", "osv",
                "--osv-url", doubles.url + "/v1/query", "--progress-spinner", "off", "--format", "json",
                "--cache-dir", os.path.join(self.home("pip-audit"), ".cache", "pip-audit")]
            return self.measure(
                section, case, tool, argv, self.env("pip-audit"), cold_dirs=self.cold_dirs("pip-audit"), **common)
        elif tool == "uv audit":
            project = self.uv_project(size, doubles)
            argv = [
                os.path.join(self.venv_bin, "uv"), "audit", "--frozen", "--service-url", doubles.url,
                "--default-index", doubles.url + "/simple", "--output-format", "json", "--no-python-downloads"]
            env = self.env("uv", {"UV_CACHE_DIR": os.path.join(self.home("uv"), ".cache", "uv")})
            return self.measure(section, case, tool, argv, env, cwd=project, cold_dirs=self.cold_dirs("uv"), **common)
        elif tool == "alterks (Python)":
            argv = self.py_alterks() + ["--quiet", "scan", "-r", requirements, "--format", "json", "--no-code-scan"]
            env = self.env("py-alterks", {"ALTERKS_BENCH_URL": doubles.url})
            missing = None
            if size >= 1000 and not self.o.full:
                # Measured once with --full (bench/RESULTS.md): minutes per run, most of it its own CPU time (about
                # 0.12 s per package of risk scoring even when warm) and a 0.1 s pause between PyPI requests.
                missing = "minutes per run (about 0.12 s of CPU per package even warm); --full runs it"
            elif mode == "cold" and doubles.latency_ms > 0 and size > 16 and not self.o.full:
                # It pauses 0.1 s between PyPI requests (longer than the added latency), so a cold scan takes about
                # as long at 50 ms as at 0 ms: minutes. --full runs it anyway.
                missing = "its 0.1 s pause between PyPI requests hides the 50 ms latency; cold time ≈ the 0 ms row (--full runs it)"
            return self.measure(
                section, case, tool, argv, env, cold_dirs=self.cold_dirs("py-alterks"), missing=missing, **common)

    def uv_project(self, size, doubles):
        """The generated uv project with its lock's registry pointed at `doubles` (uv asks it for project status)."""
        source = os.path.join(self.o.inputs, f"uv-{size}")
        project = os.path.join(self.o.work, "uv-projects", f"uv-{size}-{doubles.latency_ms}ms")
        os.makedirs(project, exist_ok=True)
        shutil.copy(os.path.join(source, "pyproject.toml"), project)
        with open(os.path.join(source, "uv.lock")) as handle:
            lock = handle.read().replace("@INDEX@", doubles.url + "/simple")
        with open(os.path.join(project, "uv.lock"), "w") as handle:
            handle.write(lock)
        return project

    def environment_300(self):
        """Issue #5: `alterks scan` of an installed environment of 300 packages (env-300/requirements.txt: the pins of
        requirements-300.txt but pip, setuptools and wheel, as tiny local wheels in a venv, beside its real pip and
        setuptools), beside pip-audit (which lists an environment through `PIPAPI_PYTHON_LOCATION`)
        and the Python alterks (its environment listing pointed at the venv's site-packages by the launcher). uv has
        no command that audits an installed environment (`uv audit` reads a project's uv.lock), so it is not here."""
        section = "scan of an installed environment (300 pkgs)"
        target = os.path.join(self.o.work, "env-300")
        python = os.path.join(target, "bin", "python")
        wheels = os.path.join(self.o.inputs, "env-300", "wheels")
        requirements = os.path.join(self.o.inputs, "env-300", "requirements.txt")
        marker = os.path.join(target, ".bench-installed")
        with open(requirements) as handle:
            wanted = handle.read()
        if not os.path.exists(marker) or open(marker).read() != wanted:
            log("== creating the 300-package environment")
            shutil.rmtree(target, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", target], check=True)
            subprocess.run(
                [python, "-m", "pip", "install", "--quiet", "--no-index", "--no-deps", "--find-links", wheels,
                 "-r", requirements], env=self.env("env-300-setup"), check=True)
            with open(marker, "w") as handle:
                handle.write(wanted)
        site = subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], check=True,
            stdout=subprocess.PIPE, text=True).stdout.strip()
        installed = len([n for n in os.listdir(site) if n.endswith(".dist-info")])
        log(f"== scan of the installed environment {target}: {installed} distributions (300 + pip/setuptools)")
        for latency in self.o.latencies:
            doubles = self.doubles[latency]
            for mode in ("cold", "warm"):
                case = f"env {installed} pkgs, {latency} ms, {mode}"
                log(f"== {case}")
                common = {"mode": mode, "doubles": doubles}
                config = self.config_file(doubles)
                alterks = [self.alterks, "scan", "--python", python, "--config", config, "--source", "osv", "--format",
                           "json"]
                self.measure(
                    section, case, "alterks", alterks, self.env("alterks-env"), cold_dirs=self.cold_dirs("alterks-env"),
                    validate=lambda out: validate_alterks(installed)(out), **common)
                self.measure(
                    section, case, "alterks --no-heuristics", alterks + ["--no-heuristics"], self.env("alterks-env-nh"),
                    cold_dirs=self.cold_dirs("alterks-env-nh"), validate=lambda out: validate_alterks(installed)(out),
                    **common)
                row = self.measure(
                    section, case, "pip-audit",
                    [os.path.join(self.venv_bin, "pip-audit"), "-s", "osv", "--osv-url", doubles.url + "/v1/query",
                     "--progress-spinner", "off", "--format", "json",
                     "--cache-dir", os.path.join(self.home("pip-audit-env"), ".cache", "pip-audit")],
                    self.env("pip-audit-env", {"PIPAPI_PYTHON_LOCATION": python}),
                    cold_dirs=self.cold_dirs("pip-audit-env"), validate=lambda out: validate_pip_audit(installed)(out),
                    **common)
                if row and not row.get("skipped"):
                    row["vs"] = "alterks --no-heuristics"
                self.measure(
                    section, case, "alterks (Python)",
                    self.py_alterks() + ["--quiet", "scan", "--format", "json", "--no-code-scan"],
                    self.env("py-alterks-env", {"ALTERKS_BENCH_URL": doubles.url, "ALTERKS_BENCH_SITE": site}),
                    cold_dirs=self.cold_dirs("py-alterks-env"), validate=lambda out: validate_py_alterks(installed)(out),
                    **common)

    def offline(self):
        log("== offline database")
        section = "offline database"
        env = self.env("alterks-offline")
        home = self.home("alterks-offline")
        cold = [os.path.join(home, ".cache"), os.path.join(home, ".local/share")]
        archive = os.path.join(self.o.shared, "osv-pypi.zip")
        self.measure(section, "db import osv-pypi.zip", "alterks", [self.alterks, "db", "import", archive], env,
                     mode="cold", cold_dirs=cold, ok=(0,))
        requirements = os.path.join(self.o.inputs, "requirements-1000.txt")
        self.measure(
            section, "scan --offline, 1000 pkgs", "alterks",
            [self.alterks, "scan", "--offline", "-r", requirements, "--no-heuristics", "--format", "json"], env,
            doubles=self.doubles[0])

    def typosquat(self):
        log("== typosquat screening")
        names = os.path.join(self.o.shared, "pypi-names-sample.txt")
        with open(names) as handle:
            count = sum(1 for line in handle if line.strip())
        row = self.measure(
            "typosquat", f"--file pypi-names-sample.txt ({count:,} names)", "alterks",
            [self.alterks, "typosquat", "--file", names], self.env("alterks-typosquat"))
        if row and not row.get("skipped"):
            row["note"] = f"{count / row['median']:,.0f} names/s"
            log(f"  {row['note']}")

    def gate(self):
        log("== install gate (50 local wheels)")
        section = "install gate"
        wheels = os.path.join(self.o.inputs, "gate", "wheels")
        requirements = os.path.join(self.o.inputs, "gate", "requirements-50.txt")
        target = os.path.join(self.o.work, "gate-target")
        if not os.path.exists(os.path.join(target, "bin", "pip")):
            subprocess.run([sys.executable, "-m", "venv", target], check=True)
        real_pip = os.path.join(target, "bin", "pip")
        # The gate reads [tool.alterks] from the nearest pyproject.toml: the working folder's.
        workdir = os.path.join(self.o.work, "gate-work")
        os.makedirs(workdir, exist_ok=True)
        doubles = self.doubles[0]
        with open(os.path.join(workdir, "pyproject.toml"), "w") as handle:
            handle.write(
                f'[tool.alterks]\nosv_url = "{doubles.url}"\npypi_url = "{doubles.url}"\nsource = "osv"\n'
                "min_release_age = 0\n")
        pip_args = ["--no-index", "--find-links", wheels, "-r", requirements]
        uninstall = [real_pip, "uninstall", "-y", "-q", "-r", requirements]
        base = self.env("gate", {"VIRTUAL_ENV": target})
        base["PATH"] = os.path.join(target, "bin") + ":" + base["PATH"]
        shim_env = dict(base, ALTERKS_REAL_PIP=real_pip, ALTERKS_BIN=self.alterks)
        cold = self.cold_dirs("gate")
        self.measure(
            section, "pip's own dry run (--report)", "real pip",
            [real_pip, "install", "--dry-run", "--quiet", "--report", os.devnull, *pip_args], base, cwd=workdir, ok=(0,))
        self.measure(
            section, "pip install, no gate", "real pip", [real_pip, "install", "--quiet", *pip_args], base, cwd=workdir,
            prepare=uninstall, ok=(0,))
        for mode in ("cold", "warm"):
            # The packages must not be installed, or pip's dry run has nothing to resolve and the gate nothing to check.
            self.measure(
                section, f"gate only (install --dry-run), {mode} verdict cache", "alterks",
                [self.alterks, "install", "--dry-run", "--pip", real_pip, *pip_args], base, cwd=workdir, mode=mode,
                cold_dirs=cold, prepare=uninstall, doubles=doubles, ok=(0,))
            self.measure(
                section, f"pip install through the shim, {mode} verdict cache", "alterks",
                [self.shim, "install", "--quiet", *pip_args], shim_env, cwd=workdir, mode=mode, cold_dirs=cold,
                prepare=uninstall, doubles=doubles, ok=(0,))
        # The gate's own account of where the time went (`--verbose` prints it), for a real install, cold and warm.
        for mode in ("cold", "warm"):
            if mode == "cold":
                for folder in cold:
                    shutil.rmtree(folder, ignore_errors=True)
            subprocess.run(uninstall, env=base, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            status, _, _, tail = self.run_once(
                [self.alterks, "install", "--verbose", "--pip", real_pip, *pip_args], base, cwd=workdir)
            found = re.search(r"gate timings: (.+)", self.last_stderr)
            self.gate_timings[mode] = found.group(1) if status == 0 and found else f"not available ({tail})"
            log(f"  gate timings, {mode}: {self.gate_timings[mode]}")


def expect_count(what, got, size):
    if got != size:
        raise ValueError(f"{got} of {size} packages in the {what}")


def validate_alterks(size):
    def check(stdout):
        report = json.loads(stdout)
        expect_count("report", len(report["results"]), size)
        return report["summary"]["vulnerabilities"]
    return check


def validate_pip_audit(size):
    def check(stdout):
        report = json.loads(stdout)
        expect_count("report", len(report["dependencies"]), size)
        return sum(len(d.get("vulns", [])) for d in report["dependencies"])
    return check


def validate_uv(size):
    def check(stdout):
        report = json.loads(stdout)
        expect_count("report", report["summary"]["audited_packages"], size)
        return report["summary"]["vulnerabilities"]
    return check


def validate_py_alterks(size):
    def check(stdout):
        report = json.loads(stdout)
        expect_count("report", len(report), size)
        return sum(entry.get("vulnerability_count", 0) for entry in report)
    return check


VALIDATORS = {
    "alterks": validate_alterks, "pip-audit": validate_pip_audit, "uv audit": validate_uv,
    "alterks (Python)": validate_py_alterks,
}

PREPARE_BOTH = "import json,subprocess,sys\nfor a in sys.argv[1:]: subprocess.run(json.loads(a))"


def skip_label(text):
    return text if text.startswith("FAILED") else "SKIPPED: " + text


def fmt_seconds(value):
    if value < 1:
        return f"{value * 1000:.1f} ms"
    return f"{value:.2f} s"


def render(results, meta):
    lines = [
        f"Run {meta['date']} on {meta['machine']}, commit {meta['commit']}.",
        f"Command: `{meta['command']}`",
        f"Load average (1 min) at start {meta['load_start']}, at end {meta['load_end']}; total {meta['total']}.",
        "",
    ]
    by_section = {}
    for row in results:
        by_section.setdefault(row["section"], []).append(row)
    for section, rows in by_section.items():
        lines += [f"### {section}", ""]
        lines += [
            "| case | tool | median | runs | max RSS | HTTP requests | vulns found | vs AlterKS | load |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        reference = {}
        for row in rows:
            if row["tool"].startswith("alterks") or row["tool"] == "pip shim → real pip":
                if not row.get("skipped"):
                    reference[(row["case"], row["tool"])] = row
        for row in rows:
            if row.get("skipped"):
                lines.append(f"| {row['case']} | {row['tool']} | {skip_label(row['skipped'])} | | | | | | {row['load']} |")
                continue
            requests = row.get("requests")
            request_text = ""
            if requests:
                parts = ", ".join(f"{k} {v}" for k, v in sorted(requests.get("by_prefix", {}).items()))
                request_text = f"{requests['total']}" + (f" ({parts})" if parts else "")
            ratio = ""
            ref_tool = row.get("vs") or ("pip shim → real pip" if row["tool"] == "real pip" else "alterks")
            ref = reference.get((row["case"], ref_tool))
            if ref and ref is not row and ref["median"] > 0:
                if row["tool"] == "real pip":
                    difference = ref["median"] - row["median"]
                    ratio = f"shim costs {'+' if difference >= 0 else '−'}{fmt_seconds(abs(difference))}"
                else:
                    ratio = f"{row['median'] / ref['median']:.1f}× {ref_tool}'s time"
            note = row.get("note")
            if note:
                ratio = (ratio + "; " if ratio else "") + note
            lines.append(
                f"| {row['case']} | {row['tool']} | {fmt_seconds(row['median'])} | {row['runs']} | "
                f"{row['rss_mb']:.0f} MB | {request_text} | {'' if row.get('findings') is None else row['findings']} | "
                f"{ratio} | {row['load']} |")
        lines.append("")
    if meta.get("gate_timings"):
        lines += ["The gate's own account (`alterks install --verbose`, one real install of the 50 wheels each):", ""]
        for mode, text in meta["gate_timings"].items():
            lines.append(f"- {mode} verdict cache: {text}")
        lines.append("")
    return "\n".join(lines)


def load_average():
    try:
        with open("/proc/loadavg") as handle:
            return handle.read().split()[0]
    except OSError:
        return "?"


def machine():
    memory = "?"
    try:
        with open("/proc/meminfo") as handle:
            kb = int(re.search(r"MemTotal:\s+(\d+)", handle.read()).group(1))
            memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = re.search(r"model name\s*:\s*(.+)", handle.read()).group(1).strip()
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} cores ({cpu}), {memory} memory"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--shim", default="", help="the pip shim binary (default: BIN/pip)")
    parser.add_argument("--venv", required=True)
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--shared", required=True, help="shared/data")
    parser.add_argument("--work", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--commit", default="?")
    parser.add_argument("--command", default="bench/run.sh")
    parser.add_argument("--budget", type=float, default=13 * 60, help="seconds before remaining cases are skipped")
    parser.add_argument("--runs-scale", type=float, default=1.0)
    parser.add_argument(
        "--slow", type=float, default=SLOW, help="seconds: a command slower than this is timed by one run only")
    parser.add_argument("--sizes", default="16,300,1000")
    parser.add_argument("--latencies", default="0,50")
    parser.add_argument("--full", action="store_true", help="also the slow Python alterks cold scans at 50 ms")
    parser.add_argument("--only", default="", help="comma list: startup,scan,env,offline,typosquat,gate,peers")
    options = parser.parse_args()
    options.sizes = [int(s) for s in options.sizes.split(",")]
    options.latencies = [int(s) for s in options.latencies.split(",")]
    only = set(filter(None, options.only.split(",")))

    bench = Bench(options)
    load_start = load_average()
    doubles_bin = os.path.join(options.bin, "alterks-doubles")
    wheels = os.path.join(options.inputs, "gate", "wheels")
    try:
        # Started together: each spends a few seconds preparing the recorded projects' pages before it answers.
        for latency in sorted(set(options.latencies) | {0}):
            bench.doubles[latency] = Doubles(
                doubles_bin, latency, options.shared, wheels, os.path.join(bench.logs, f"doubles-{latency}ms.log"))
        for latency, double in sorted(bench.doubles.items()):
            double.wait_ready()
            log(f"doubles with {latency} ms latency at {double.url}")

        def wanted(part):
            return not only or part in only

        if wanted("startup"):
            bench.startup()
        # AlterKS and its peers run case by case, back to back, so that each ratio compares runs made under the
        # same load (2 shared cores are noisy: absolute seconds drift between parts of the run, ratios much less).
        if wanted("scan") and wanted("peers"):
            bench.scans(["alterks", "uv audit", "pip-audit", "alterks (Python)"])
        elif wanted("scan"):
            bench.scans(["alterks", "uv audit"])
        elif wanted("peers"):
            bench.scans(["alterks", "pip-audit", "alterks (Python)"])
        if wanted("env"):
            bench.environment_300()
        if wanted("offline"):
            bench.offline()
        if wanted("typosquat"):
            bench.typosquat()
        if wanted("gate"):
            bench.gate()
    finally:
        for double in bench.doubles.values():
            double.stop()

    # Group the scan rows by case so the table reads case by case.
    order = {
        "start-up": 0, "scan": 1, "scan of an installed environment (300 pkgs)": 2, "offline database": 3,
        "typosquat": 4, "install gate": 5}
    case_order = {}
    for row in bench.results:
        case_order.setdefault((row["section"], row["case"]), len(case_order))
    bench.results.sort(key=lambda r: (order.get(r["section"], 9), case_order[(r["section"], r["case"])]))
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(), "commit": options.commit, "command": options.command,
        "load_start": load_start, "load_end": load_average(), "total": f"{bench.elapsed():.0f} s",
        "gate_timings": bench.gate_timings,
    }
    text = render(bench.results, meta)
    with open(options.out, "w") as handle:
        handle.write(text + "\n")
    with open(options.out.replace(".md", ".json"), "w") as handle:
        json.dump({"meta": meta, "results": bench.results}, handle, indent=1)
    log("")
    log(text)
    log(f"(total {bench.elapsed():.0f} s; table in {options.out})")


if __name__ == "__main__":
    main()
