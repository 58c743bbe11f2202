"""What the Python benchmarks share: their command line read from their docstring, and the memory
of a running process, read from /proc/<pid>/status (Linux)."""

import argparse
import contextlib
from pathlib import Path


def argument_parser(prog, doc):
    """A parser whose usage and description are the script's docstring -- a title, a paragraph
    "usage: ...", then the details -- so the usage is written once."""
    title, usage, details = doc.split("\n\n", 2)
    return argparse.ArgumentParser(prog=prog, usage=usage.removeprefix("usage: "), description=f"{title}\n\n{details}",
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def status_kib(pid, field):
    """A "<field>:  N kB" line of /proc/<pid>/status (VmRSS: resident now, VmHWM: its high-water
    mark), in KiB; None once the process is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    return None


def descendants(pid):
    """pid and every process below it, from /proc/<pid>/task/*/children."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found += descendants(int(child))
    return found


def peak_rss_kib(pid):
    """VmHWM (the resident high-water mark) of pid and its descendants, in KiB."""
    return sum(status_kib(p, "VmHWM") or 0 for p in descendants(pid))
