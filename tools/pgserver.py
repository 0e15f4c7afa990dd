"""A throwaway PostgreSQL cluster for tests and benchmarks (standard library only).

    python tools/pgserver.py start DIR    # prints the SQLAlchemy URL; the server keeps running
    python tools/pgserver.py stop DIR

From Python: `server = start_server(path)`, then `server.url`, `server.create_database(name)` and
`server.stop()`. The cluster trades durability for speed (fsync, synchronous_commit and
full_page_writes are off), trusts every local connection and listens on 127.0.0.1 only: never
use it for data that matters.

PostgreSQL refuses to run as root, so under root the server runs as the `postgres` OS user, which
is made the owner of the cluster's directories. If that user cannot reach DIR (say DIR lies under
a root-only directory), the cluster lives in a fresh directory under the system temp dir instead,
and `stop` removes it.
"""

# No `from __future__ import annotations`: the test suite loads this file by path without
# registering it in sys.modules, where dataclasses cannot resolve string annotations.
import argparse
import grp
import json
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

__all__ = ["PgServer", "PgServerError", "find_pg_bin", "start_server", "stop_server"]

STATE_FILE = "pgserver.json"
OS_USER = "postgres"
DB_USER = "postgres"
HOST = "127.0.0.1"
START_TIMEOUT = 60
# A Unix socket path must fit in sun_path (108 bytes on Linux) with ".s.PGSQL.NNNNN" appended.
_MAX_SOCKET_DIR = 80
_DB_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class PgServerError(RuntimeError):
    """The throwaway server could not be set up, started or stopped."""


@dataclass
class PgServer:
    """A running throwaway cluster."""

    datadir: Path
    port: int
    socket_dir: Path
    bin_dir: Path | None = None
    run_as: str | None = None
    #: Directories created outside the caller's base dir; removed by `stop`.
    scratch: list[Path] = field(default_factory=list)
    #: Where the CLI finds this server again (base_dir/pgserver.json); removed by `stop`.
    state_file: Path | None = None

    @property
    def url(self) -> str:
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg://{DB_USER}@{HOST}:{self.port}/{name}"

    def create_database(self, name: str) -> str:
        """Create a database in the cluster and return its SQLAlchemy URL."""
        if not _DB_NAME.match(name):
            raise PgServerError(f"invalid database name {name!r}: use letters, digits and _")
        createdb = self._bin() / "createdb"
        _run([str(createdb), "-h", HOST, "-p", str(self.port), "-U", DB_USER, name])
        return self.database_url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove scratch directories outside base_dir."""
        if (self.datadir / "postmaster.pid").exists():
            cmd = [str(self._bin() / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop"]
            _run(_as_user(cmd, self.run_as), cwd=self.datadir.parent)
        for path in self.scratch:
            shutil.rmtree(path, ignore_errors=True)
        if self.state_file is not None:
            self.state_file.unlink(missing_ok=True)

    def _bin(self) -> Path:
        found = self.bin_dir or find_pg_bin()
        if found is None:
            raise PgServerError("PostgreSQL binaries not found: install postgresql or set PG_BIN")
        return found

    def to_json(self) -> dict[str, object]:
        return {
            "datadir": str(self.datadir),
            "port": self.port,
            "socket_dir": str(self.socket_dir),
            "bin_dir": str(self.bin_dir) if self.bin_dir else None,
            "run_as": self.run_as,
            "scratch": [str(p) for p in self.scratch],
            "url": self.url,
        }

    @classmethod
    def from_json(cls, data: dict[str, object], state_file: Path | None = None) -> Self:
        bin_dir = data.get("bin_dir")
        run_as = data.get("run_as")
        scratch = data.get("scratch") or []
        assert isinstance(scratch, list)
        return cls(
            datadir=Path(str(data["datadir"])),
            port=int(str(data["port"])),
            socket_dir=Path(str(data["socket_dir"])),
            bin_dir=Path(str(bin_dir)) if bin_dir else None,
            run_as=str(run_as) if run_as else None,
            scratch=[Path(str(p)) for p in scratch],
            state_file=state_file,
        )


def _has_server_binaries(path: Path) -> bool:
    return all(os.access(path / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def _version_key(path: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/<version>/bin
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.name)) or (0,)


def find_pg_bin() -> Path | None:
    """The directory holding initdb and pg_ctl: $PG_BIN, `pg_config --bindir`, then the highest
    version under /usr/lib/postgresql/*/bin (Debian's layout)."""
    env = os.environ.get("PG_BIN")
    if env and _has_server_binaries(Path(env)):
        return Path(env)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=30
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and _has_server_binaries(Path(out)):
            return Path(out)
    candidates = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if _has_server_binaries(p)]
    if candidates:
        return max(candidates, key=_version_key)
    return None


def _run(cmd: list[str], *, cwd: Path | None = None, timeout: float = 120) -> str:
    try:
        done = subprocess.run(
            cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise PgServerError(f"{' '.join(cmd)}: {exc}") from exc
    if done.returncode != 0:
        output = (done.stderr or done.stdout).strip()
        raise PgServerError(f"{' '.join(cmd)} failed ({done.returncode}): {output}")
    return done.stdout


def _as_user(cmd: list[str], user: str | None) -> list[str]:
    if user is None:
        return cmd
    runuser = shutil.which("runuser") or "/sbin/runuser"
    return [runuser, "-u", user, "--", *cmd]


def _server_user() -> pwd.struct_passwd | None:
    """The OS user to run the server as: None for the current user, `postgres` under root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(OS_USER)
    except KeyError:
        raise PgServerError(
            f"running as root, but there is no {OS_USER!r} OS user to run PostgreSQL as "
            "(PostgreSQL refuses to run as root): install the postgresql package, which creates "
            f"it, or run `useradd --system {OS_USER}`, or run as an unprivileged user"
        ) from None


def _can_traverse(path: Path, user: pwd.struct_passwd) -> bool:
    """Whether `user` may search every directory from / down to `path`."""
    groups = {user.pw_gid} | {g.gr_gid for g in grp.getgrall() if user.pw_name in g.gr_mem}
    for part in [path, *path.parents]:
        info = part.stat()
        if info.st_uid == user.pw_uid:
            bit = stat.S_IXUSR
        elif info.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            return False
    return True


def _chown_tree(path: Path, user: pwd.struct_passwd) -> None:
    os.chown(path, user.pw_uid, user.pw_gid)
    for root, dirs, files in os.walk(path):
        for name in [*dirs, *files]:
            os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid, follow_symlinks=False)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _write_config(datadir: Path, port: int, socket_dir: Path) -> None:
    conf = datadir / "pgserver.conf"
    conf.write_text(
        "# written by tools/pgserver.py: a throwaway cluster, durability off\n"
        f"listen_addresses = '{HOST}'\n"
        f"port = {port}\n"
        f"unix_socket_directories = '{socket_dir}'\n"
        "fsync = off\n"
        "synchronous_commit = off\n"
        "full_page_writes = off\n"
        "max_connections = 200\n"
    )
    main = datadir / "postgresql.conf"
    include = "include_if_exists = 'pgserver.conf'\n"
    if include not in main.read_text():
        with main.open("a") as handle:
            handle.write("\n" + include)


def _wait_ready(bin_dir: Path, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pg_isready = bin_dir / "pg_isready"
    while True:
        done = subprocess.run(
            [str(pg_isready), "-q", "-h", HOST, "-p", str(port), "-U", DB_USER, "-d", "postgres"],
            capture_output=True,
            check=False,
        )
        if done.returncode == 0:
            return
        if time.monotonic() > deadline:
            raise PgServerError(f"PostgreSQL on port {port} not ready after {timeout:.0f}s")
        time.sleep(0.1)


def _log_tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start_server(base_dir: Path, port: int | None = None) -> PgServer:
    """Initialise (if needed) and start a cluster under base_dir on 127.0.0.1; wait until ready.

    Without a port a free one is picked (and another tried if it is taken meanwhile)."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise PgServerError(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql "
            "or set PG_BIN to their directory"
        )
    user = _server_user()
    run_as = user.pw_name if user else None
    base_dir = Path(base_dir).resolve()
    base_dir.mkdir(parents=True, exist_ok=True)

    scratch: list[Path] = []
    root = base_dir
    if user is not None:
        os.chown(base_dir, user.pw_uid, user.pw_gid)
        if not _can_traverse(base_dir, user):
            root = Path(tempfile.mkdtemp(prefix="nexus-pg-"))
            scratch.append(root)
    datadir = root / "data"
    socket_dir = root / "sock"
    if len(str(socket_dir)) > _MAX_SOCKET_DIR:
        socket_dir = Path(tempfile.mkdtemp(prefix="nexus-pgs-"))
        scratch.append(socket_dir)
    socket_dir.mkdir(parents=True, exist_ok=True)
    log = root / "postgres.log"
    if user is not None:
        for path in {root, socket_dir}:
            _chown_tree(path, user)
        os.chmod(socket_dir, 0o755)

    if not (datadir / "PG_VERSION").exists():
        initdb = [str(bin_dir / "initdb"), "-D", str(datadir), "-U", DB_USER]
        initdb += ["-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]
        _run(_as_user(initdb, run_as), cwd=root)

    attempts = 1 if port is not None else 5
    last_error: PgServerError | None = None
    for _attempt in range(attempts):
        chosen = port if port is not None else _free_port()
        _write_config(datadir, chosen, socket_dir)
        if user is not None:
            os.chown(datadir / "pgserver.conf", user.pw_uid, user.pw_gid)
        try:
            pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(datadir), "-l", str(log)]
            pg_ctl += ["-w", "-t", str(START_TIMEOUT), "start"]
            _run(_as_user(pg_ctl, run_as), cwd=root, timeout=START_TIMEOUT + 30)
        except PgServerError as exc:
            last_error = PgServerError(f"{exc}\n--- {log} ---\n{_log_tail(log)}")
            if "could not bind" not in _log_tail(log) or port is not None:
                break
            continue
        server = PgServer(datadir, chosen, socket_dir, bin_dir, run_as, scratch)
        try:
            _wait_ready(bin_dir, chosen, START_TIMEOUT)
        except PgServerError:
            server.stop()
            raise
        server.state_file = base_dir / STATE_FILE
        server.state_file.write_text(json.dumps(server.to_json(), indent=2) + "\n")
        return server
    for path in scratch:
        shutil.rmtree(path, ignore_errors=True)
    assert last_error is not None
    raise last_error


def load_server(base_dir: Path) -> PgServer | None:
    """The server last started under base_dir, from its state file (if any)."""
    state = Path(base_dir) / STATE_FILE
    if not state.exists():
        return None
    data = json.loads(state.read_text())
    assert isinstance(data, dict)
    return PgServer.from_json(data, state)


def stop_server(base_dir: Path) -> bool:
    """Stop the server started under base_dir; False if there was none."""
    server = load_server(base_dir)
    if server is None:
        return False
    server.stop()
    return True


def _is_running(server: PgServer) -> bool:
    if not (server.datadir / "postmaster.pid").exists():
        return False
    try:
        _wait_ready(server._bin(), server.port, timeout=0)
    except PgServerError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A throwaway PostgreSQL server for tests.")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start a server under DIR and print its URL")
    start.add_argument("dir", type=Path)
    start.add_argument("--port", type=int, default=None)
    stop = sub.add_parser("stop", help="stop the server started under DIR")
    stop.add_argument("dir", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            running = load_server(args.dir)
            if running is not None and _is_running(running):
                print(running.url)
                return 0
            print(start_server(args.dir, args.port).url)
            return 0
        if not stop_server(args.dir):
            print(f"pgserver: no server recorded under {args.dir}", file=sys.stderr)
        return 0
    except PgServerError as exc:
        print(f"pgserver: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
