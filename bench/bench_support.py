"""What the Python benchmarks share: their command line read from their docstring, the processes
they start and stop, and the memory of a running process, read from /proc/<pid>/status (Linux)."""

import argparse
import contextlib
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

STOP_GRACE = 15  # seconds a stopped process gets before SIGKILL


class BenchError(Exception):
    """A failure worth a clear message rather than a traceback."""


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


def stop(proc):
    """SIGTERM, then SIGKILL after STOP_GRACE; each process is only ever ended by its own id."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def spawn(stack, argv, log_path, **kwargs):
    """Starts argv in a session of its own (Ctrl-C reaches only us; we stop it, in order) and
    registers its stop with the exit stack. Its stderr goes to log_path; stdin is /dev/null
    unless kwargs say otherwise."""
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, stderr=log, start_new_session=True, **kwargs)
    stack.callback(stop, proc)
    return proc


def tail(path, lines=30):
    text = Path(path).read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:])


def first_line(proc, what, log, seconds):
    """The first line proc prints on stdout: the address it serves on, once it is ready."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 1)
        if ready:
            line = proc.stdout.readline().decode().strip()
            if line:
                return line
            break  # end of output: it exited
        if proc.poll() is not None:
            break
    raise BenchError(f"{what} gave no address within {seconds} s:\n{tail(log)}")


def report_complaints(log, config):
    """eventrouter's warnings and errors are findings of this benchmark: shown, with the
    configuration when there are errors."""
    lines = [line for line in Path(log).read_text(errors="replace").splitlines()
             if '"level":"warn' in line or '"level":"error' in line]
    for line in lines[:20]:
        print(f"  eventrouter: {line}", flush=True)
    if any('"level":"error' in line for line in lines):
        print(f"  with this configuration ({config}):\n{Path(config).read_text()}", flush=True)


def free_port():
    # Good enough on loopback for a benchmark: the port could be taken before the server binds it.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_in_workdir(prefix, say, body):
    """Runs body(workdir) in a new temporary folder and gives the exit status. SIGTERM unwinds like
    Ctrl-C, so the exit stacks in body stop everything it started; the folder is removed after a
    success and kept, for its logs, after a failure."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        body(workdir)
    except BenchError as e:
        say(f"{e}\nlogs and configurations kept in {workdir}")
        return 1
    except KeyboardInterrupt:
        say(f"interrupted; everything started was stopped; logs kept in {workdir}")
        return 130
    shutil.rmtree(workdir)
    return 0
