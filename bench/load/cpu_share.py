"""Where a load run's CPU goes: gunicorn (the master, the workers, and within the
workers their main threads against their request threads), the PostgreSQL backends of the load
database, PostgreSQL's own processes, Redis, locust, and the rest of the machine; in
CPU seconds, in cores, and in CPU milliseconds per request served.

Start it beside a running load test, after the users have arrived:

    LOAD_WAIT=1,3 LOAD_PORT=9310 LOAD_OUT=/tmp/x LOAD_DATABASE_URL=.../rm_x \\
        bench/load/run.sh 200 4m &
    .venv/bin/python bench/load/cpu_share.py --port 9310 --database rm_x \\
        --log /tmp/x-gunicorn.log --wait 110 --window 90

It reads /proc/<pid>/stat (utime + stime) of every process it finds, once a second,
so a process that starts or ends inside the window is counted for the part of it
that the window saw. Requests are the access lines gunicorn wrote in the window.
PostgreSQL's background processes and a shared Redis (--redis-port names the run's
own) serve everyone on a shared machine: their lines include other people's work, as
"rest of the machine" holds all of theirs. Give the load test a Redis of its own when
a test suite runs beside it: the tests empty the cache, and every page is then cold.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def stat_ticks(path: Path) -> int | None:
    """utime + stime of a process or a thread, in clock ticks (None once it is gone)."""
    try:
        text = path.read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


def cmdline(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def ppid_of(pid: int) -> int:
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0
    return int(text[text.rindex(")") + 2 :].split()[1])


def listening_inode(port: int) -> str:
    for table in ("tcp", "tcp6"):
        for line in (PROC / "net" / table).read_text().splitlines()[1:]:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                return parts[9]
    raise SystemExit(f"nothing listens on port {port}")


def holders_of(inode: str) -> set[int]:
    """The processes that hold the socket: gunicorn's master and its workers."""
    target = f"socket:[{inode}]"
    found = set()
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) == target:
                    found.add(int(entry.name))
                    break
        except OSError:
            continue
    return found


def all_pids() -> list[int]:
    return [int(e.name) for e in PROC.iterdir() if e.name.isdigit()]


def backends_of(database: str) -> set[int]:
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        ).fetchall()
    return {pid for (pid,) in rows}


def machine_ticks() -> tuple[int, int, int, int]:
    """(busy, total, interrupts, steal) clock ticks of all cores since boot: interrupts
    are the kernel's irq and softirq time (loopback TCP is mostly softirq), steal the
    time the hypervisor gave another machine while this one wanted to run."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return total - idle, total, values[5] + values[6], values[7]


REQUEST_LINE = re.compile(rb"(GET|POST|HEAD|PUT|PATCH|DELETE|OPTIONS) \S+ HTTP/1\.[01]\\?\"")


def requests_in(log: Path, start: int) -> tuple[int, int]:
    """(access lines after byte `start`, the file's size now)."""
    with log.open("rb") as handle:
        handle.seek(start)
        data = handle.read()
    return len(REQUEST_LINE.findall(data)), start + len(data)


class Counter:
    """First and last seen ticks of every process (or thread) of a group."""

    def __init__(self):
        self.first: dict[str, int] = {}
        self.last: dict[str, int] = {}

    def see(self, key: str, ticks: int | None, started_inside: bool):
        if ticks is None:
            return
        if key not in self.first:
            self.first[key] = 0 if started_inside else ticks
        self.last[key] = ticks

    def seconds(self) -> float:
        return sum(self.last[k] - self.first[k] for k in self.last) / TICK

    def __len__(self):
        return len(self.last)


def start_time(pid: int) -> float:
    """When a process started, in seconds since boot."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0.0
    return int(text[text.rindex(")") + 2 :].split()[19]) / TICK


def uptime() -> float:
    return float(Path("/proc/uptime").read_text().split()[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--log", required=True, help="gunicorn's log (its access lines)")
    parser.add_argument("--wait", type=float, default=0, help="seconds before the window")
    parser.add_argument("--window", type=float, default=60)
    parser.add_argument(
        "--redis-port", type=int, help="count only this Redis server (else every one)"
    )
    args = parser.parse_args()
    time.sleep(args.wait)

    inode = listening_inode(args.port)
    gunicorn = holders_of(inode)
    master = next(pid for pid in gunicorn if ppid_of(pid) not in gunicorn)
    workers = sorted(gunicorn - {master})
    locust = {
        pid
        for pid in all_pids()
        if "locust" in cmdline(pid) and f"127.0.0.1:{args.port}" in cmdline(pid)
    }
    redis = {
        pid
        for pid in all_pids()
        if cmdline(pid).startswith("redis-server")
        and (args.redis_port is None or f":{args.redis_port}" in cmdline(pid))
    }
    postgres_all = {
        pid for pid in all_pids() if cmdline(pid).startswith(("postgres", "/usr/lib/postgresql"))
    }

    groups = {
        name: Counter()
        for name in (
            "gunicorn master",
            "gunicorn workers",
            "  main threads (accept, keep-alive poll)",
            "  request threads",
            "PostgreSQL backends (load database)",
            "PostgreSQL other processes (shared)",
            "Redis",
            "locust",
        )
    }
    log = Path(args.log)
    _, offset = requests_in(log, 0)
    busy0, total0, irq0, steal0 = machine_ticks()
    began = uptime()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    backends: set[int] = set()

    def sample():
        nonlocal backends
        backends |= backends_of(args.database)
        inside = lambda pid: start_time(pid) > began  # noqa: E731
        groups["gunicorn master"].see(str(master), stat_ticks(PROC / str(master) / "stat"), False)
        for pid in workers:
            groups["gunicorn workers"].see(str(pid), stat_ticks(PROC / str(pid) / "stat"), False)
            try:
                tids = [int(t.name) for t in (PROC / str(pid) / "task").iterdir()]
            except OSError:
                tids = []
            for tid in tids:
                ticks = stat_ticks(PROC / str(pid) / "task" / str(tid) / "stat")
                name = (
                    "  main threads (accept, keep-alive poll)"
                    if tid == pid
                    else "  request threads"
                )
                groups[name].see(f"{pid}/{tid}", ticks, inside(pid))
        for pid in backends:
            groups["PostgreSQL backends (load database)"].see(
                str(pid), stat_ticks(PROC / str(pid) / "stat"), inside(pid)
            )
        current_pg = {
            pid
            for pid in all_pids()
            if cmdline(pid).startswith(("postgres", "/usr/lib/postgresql"))
        }
        for pid in (postgres_all | current_pg) - backends:
            groups["PostgreSQL other processes (shared)"].see(
                str(pid), stat_ticks(PROC / str(pid) / "stat"), inside(pid)
            )
        for pid in redis:
            groups["Redis"].see(str(pid), stat_ticks(PROC / str(pid) / "stat"), False)
        for pid in locust:
            groups["locust"].see(str(pid), stat_ticks(PROC / str(pid) / "stat"), False)

    ends = time.monotonic() + args.window
    sample()
    while time.monotonic() < ends:
        time.sleep(1)
        sample()
    # Thread ids of a worker's pool can be new inside the window (gthread starts them as
    # needed): counted from zero only if the worker itself started inside it, else from
    # their first sighting, which loses at most a second of each.
    elapsed = uptime() - began
    requests, _ = requests_in(log, offset)
    busy1, total1, irq1, steal1 = machine_ticks()
    cores = os.cpu_count() or 1
    machine = (busy1 - busy0) / TICK
    load_after = Path("/proc/loadavg").read_text().split()[:3]

    print(f"window {elapsed:.0f} s; {requests} requests ({requests / elapsed:.1f} req/s)")
    print(f"load average before {' '.join(load_before)}, after {' '.join(load_after)}")
    print(f"gunicorn master {master}, workers {' '.join(map(str, workers))}; locust {len(locust)}")
    print(f"{'':44} {'procs':>5} {'cpu s':>8} {'cores':>6} {'ms/req':>7}")
    ours = 0.0
    for name, counter in groups.items():
        seconds = counter.seconds()
        if not name.startswith("  "):
            ours += seconds
        print(
            f"{name:44} {len(counter):5d} {seconds:8.1f} {seconds / elapsed:6.2f} "
            f"{1000 * seconds / max(requests, 1):7.2f}"
        )
    interrupts = (irq1 - irq0) / TICK
    rest = machine - ours - interrupts
    print(
        f"{'kernel irq + softirq (network)':44} {'':5} {interrupts:8.1f} "
        f"{interrupts / elapsed:6.2f} {1000 * interrupts / max(requests, 1):7.2f}"
    )
    print(
        f"{'rest of the machine (other people, kernel)':44} {'':5} {rest:8.1f} "
        f"{rest / elapsed:6.2f} {1000 * rest / max(requests, 1):7.2f}"
    )
    print(
        f"{'machine, all cores busy':44} {'':5} {machine:8.1f} {machine / elapsed:6.2f} "
        f"{1000 * machine / max(requests, 1):7.2f}  (of {cores} cores, "
        f"{(total1 - total0) / TICK / elapsed:.2f} counted; steal "
        f"{(steal1 - steal0) / TICK:.1f} s)"
    )


if __name__ == "__main__":
    main()
