#!/usr/bin/env python3
"""The machine and software a field benchmark ran on, as JSON (CPU, cores, memory, kernel, OS, toolchains,
engine versions). Used by run.py; `facts.py --quarry Q --jar JAR` prints them."""
import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))

def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        text = (out.stdout + out.stderr).strip()
        return text.splitlines()[0] if text else ""
    except (OSError, subprocess.TimeoutExpired):
        return ""


def cpu_model():
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def memory_gib():
    try:
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def os_name():
    try:
        for line in open("/etc/os-release", encoding="utf-8"):
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return platform.platform()


def package(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def collect(quarry, jar, java="java"):
    flags = ""
    try:
        flags = next(l for l in open("/proc/cpuinfo", encoding="utf-8") if l.startswith("flags"))
    except (OSError, StopIteration):
        pass
    xapian = first_line(["dpkg-query", "-W", "-f", "${Version}", "libxapian30"])
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "avx2": " avx2" in flags,
        "memoryGiB": memory_gib(),
        "kernel": platform.release(),
        "os": os_name(),
        "swift": first_line(["swift", "--version"]),
        "java": first_line([java, "-version"]),
        "python": sys.version.split()[0],
        "engines": {
            "quarry": {"version": first_line([quarry, "--version"]), "commit": first_line(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])
                       + ("+changes" if first_line(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"]) else ""),
                       "xapian": xapian},
            "anserini": {"version": re.sub(r".*anserini-([0-9.]+)-fatjar.jar$", r"\1", jar), "jar": os.path.basename(jar),
                         "sha256": sha256(jar), "source": "PyPI pyserini==0.21.0, pyserini/resources/jars/"},
            "bm25s": {"version": package("bm25s"), "numba": package("numba"), "PyStemmer": package("PyStemmer"),
                      "numpy": package("numpy"), "scipy": package("scipy")},
            "pytorch": {"torch": package("torch"), "transformers": package("transformers"),
                        "sentence-transformers": package("sentence-transformers")},
        },
    }


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quarry", required=True)
    ap.add_argument("--jar", required=True)
    a = ap.parse_args()
    print(json.dumps(collect(a.quarry, a.jar), indent=2))
