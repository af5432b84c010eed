#!/usr/bin/env python3
"""The install gate against plain pip, on real wheels served from the loopback PEP 691 double (issue #13).

Run by bench/gate-speed.sh, which builds the binaries and downloads the two sets once. For each set, latency and
cache state, plain `pip install` and `alterks install` (the gate) run alternately in fresh venvs; the table gives
medians, the ratio gated/plain, the gate's own breakdown (`--verbose`: pip's dry run, engine, placing the verified
files, pip's final install) and the load average at the time of each figure.

Cache states:
  warm         pip's cache and AlterKS's caches warm (both filled by earlier runs)
  alterks-cold pip's cache warm, AlterKS's caches empty (a fresh cache dir per gated run)
  pip-cold     pip's cache empty for both (a fresh PIP_CACHE_DIR per run); AlterKS's caches empty too (a fresh
               machine, a CI runner)
"""
import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

SETS = {
    "A": ["rich", "httpx"],
    "B": ["requests", "flask", "django", "numpy", "pandas", "fastapi", "pydantic", "sqlalchemy", "boto3", "pytest",
          "black", "rich", "httpx"],
}
STATES = ["warm", "alterks-cold", "pip-cold"]


def log(text):
    print(text, file=sys.stderr, flush=True)


def load():
    with open("/proc/loadavg") as handle:
        return float(handle.read().split()[0])


class Doubles:
    def __init__(self, binary, data, files, latency):
        self.process = subprocess.Popen(
            [binary, "--latency-ms", str(latency), "--data", data, "--files", files],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"alterks-doubles did not start (said {self.url!r})")

    def stats(self):
        with urllib.request.urlopen(self.url + "/__stats") as response:
            return json.load(response)

    def reset(self):
        urllib.request.urlopen(self.url + "/__reset").read()

    def stop(self):
        self.process.terminate()
        self.process.wait()


class Bench:
    def __init__(self, options):
        self.o = options
        self.work = os.path.join(options.work, "runs")
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.python = options.python
        self.rows = []

    def env(self, doubles, pip_cache, alterks_cache):
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("PIP_") and not key.startswith("ALTERKS_") and "proxy" not in key.lower()}
        config = os.path.join(self.work, "config")
        os.makedirs(os.path.join(config, "alterks"), exist_ok=True)
        with open(os.path.join(config, "alterks", "config.toml"), "w") as handle:
            handle.write(f'source = "osv"\nosv_url = "{doubles.url}"\npypi_url = "{doubles.url}"\n')
        env.update({
            "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_CACHE_DIR": pip_cache, "PIP_INDEX_URL": doubles.url + "/simple/",
            "PIP_NO_INPUT": "1", "XDG_CONFIG_HOME": config, "ALTERKS_CACHE_DIR": alterks_cache,
            "ALTERKS_DATA_DIR": os.path.join(self.work, "data"), "XDG_STATE_HOME": os.path.join(self.work, "state"),
            # Anything that is not loopback goes nowhere: nothing measured reaches the internet.
            "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9", "no_proxy": "127.0.0.1",
        })
        return env

    def venv(self):
        path = tempfile.mkdtemp(prefix="venv-", dir=self.work)
        subprocess.run([self.python, "-m", "venv", path], check=True)
        return path

    def run(self, command, env):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        done = subprocess.run(command, env=env, cwd=self.work, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-3000:]}")
        # CPU seconds of the command and everything it started (pip, the prepared interpreter): a figure a loaded
        # machine disturbs far less than wall time.
        self.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return elapsed, done.stderr

    def fresh(self, label):
        return tempfile.mkdtemp(prefix=label + "-", dir=self.work)

    def case(self, name, packages, latency, doubles):
        warm_pip = self.fresh("pip-cache")
        warm_alterks = self.fresh("alterks-cache")
        # Fill both warm caches once: a plain install fills pip's, a gated one AlterKS's.
        for gated in (False, True):
            venv = self.venv()
            env = self.env(doubles, warm_pip, warm_alterks)
            self.run(self.command(venv, packages, gated), env)
            shutil.rmtree(venv)
        for state in STATES:
            plain, gated, breakdowns, loads, requests = [], [], [], [], []
            plain_cpu, gated_cpu = [], []
            for _ in range(self.o.runs):
                for is_gated in (False, True):
                    pip_cache = warm_pip if state != "pip-cold" else self.fresh("pip-cold")
                    alterks_cache = warm_alterks if state == "warm" else self.fresh("alterks-cold")
                    venv = self.venv()
                    env = self.env(doubles, pip_cache, alterks_cache)
                    doubles.reset()
                    loads.append(load())
                    elapsed, stderr = self.run(self.command(venv, packages, is_gated), env)
                    (gated if is_gated else plain).append(elapsed)
                    (gated_cpu if is_gated else plain_cpu).append(self.cpu)
                    if is_gated:
                        found = re.search(r"gate timings: (.+)", stderr)
                        breakdowns.append(found.group(1) if found else "?")
                        stats = doubles.stats()["by_prefix"]
                        requests.append({k: v for k, v in stats.items() if k not in ("/simple", "/files")})
                    shutil.rmtree(venv)
                    if state != "warm":
                        for folder in (pip_cache, alterks_cache):
                            if folder not in (warm_pip, warm_alterks):
                                shutil.rmtree(folder, ignore_errors=True)
            row = {
                "set": name, "latency": latency, "state": state, "plain": statistics.median(plain),
                "gated": statistics.median(gated), "load": statistics.median(loads), "breakdown": breakdowns[-1],
                "engine_requests": requests[-1], "runs": self.o.runs,
                "plain_cpu": statistics.median(plain_cpu), "gated_cpu": statistics.median(gated_cpu),
            }
            row["ratio"] = row["gated"] / row["plain"]
            log(f"  {name} {latency} ms {state}: plain {row['plain']:.2f} s, gated {row['gated']:.2f} s "
                f"(×{row['ratio']:.2f}); CPU plain {row['plain_cpu']:.2f} s, gated {row['gated_cpu']:.2f} s "
                f"(×{row['gated_cpu'] / row['plain_cpu']:.2f}); load {row['load']:.1f}; {row['breakdown']}; "
                f"requests {row['engine_requests']}")
            self.rows.append(row)

    def command(self, venv, packages, gated):
        pip = os.path.join(venv, "bin", "pip")
        if not gated:
            return [pip, "install", *packages]
        return [self.o.alterks, "install", "--verbose", "--pip", pip, *packages]

    def table(self):
        lines = [
            "| set | latency | caches | plain pip | gated | gated ÷ plain | CPU plain / gated (÷) | load (1 min) |"
            " gate's breakdown (last run) | AlterKS requests (last run) |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in self.rows:
            requests = ", ".join(f"{k} {v}" for k, v in sorted(r["engine_requests"].items())) or "none"
            lines.append(
                f"| {r['set']} | {r['latency']} ms | {r['state']} | {r['plain']:.2f} s | {r['gated']:.2f} s | "
                f"**{r['ratio']:.2f}** | {r['plain_cpu']:.2f} s / {r['gated_cpu']:.2f} s "
                f"({r['gated_cpu'] / r['plain_cpu']:.2f}) | {r['load']:.1f} | {r['breakdown']} | {requests} |")
        return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--alterks", required=True)
    parser.add_argument("--doubles", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--python", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sets", default="A,B")
    parser.add_argument("--latencies", default="0,50")
    options = parser.parse_args()
    for key in ("alterks", "doubles", "data", "work"):
        setattr(options, key, os.path.abspath(getattr(options, key)))
    bench = Bench(options)
    for name in options.sets.split(","):
        for latency in [int(x) for x in options.latencies.split(",")]:
            doubles = Doubles(options.doubles, options.data, os.path.join(options.work, name), latency)
            try:
                log(f"== set {name} ({len(os.listdir(os.path.join(options.work, name)))} files), {latency} ms")
                bench.case(name, SETS[name], latency, doubles)
            finally:
                doubles.stop()
    table = bench.table()
    print(table)
    with open(os.path.join(options.work, "results.md"), "w") as handle:
        handle.write(table + "\n")


if __name__ == "__main__":
    main()
