"""Measuring helpers shared by the benchmarks: memory of this process, formats, git state."""

from __future__ import annotations

import resource
import subprocess
from pathlib import Path

GB = 1024**3
ROOT = Path(__file__).resolve().parents[1]


def rss_bytes() -> int:
    """Current resident set size of this process."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def maxrss_bytes() -> int:
    """Peak resident set size of this process (since start or the last :func:`reset_peak`)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark of this process (Linux >= 4.0); False if refused."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


def mem_info(key: str) -> int:
    """A field of /proc/meminfo in bytes (``MemTotal``, ``MemAvailable``...), 0 if absent."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def fmt_time(s: float) -> str:
    """Seconds for a table cell: ``1,234 s``, ``12.34 s``, ``12.3 ms``, ``123 µs``."""
    if s >= 100:
        return f"{s:,.0f} s"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f} µs"


def fmt_bytes(b: float) -> str:
    """Bytes for a table cell, in GiB from 0.1 GiB up, else MiB."""
    return f"{b / GB:.2f} GiB" if abs(b) >= 0.1 * GB else f"{b / 1024**2:.0f} MiB"


def git_state() -> str:
    """``git describe --always --dirty`` of the repository, ``?`` when unavailable."""
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return out.stdout.strip()
