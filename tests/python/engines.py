"""The engines the pytest suite runs the models on, behind one small interface: a place
to load raw events, dbt settings (target and environment), and reading tables back.

ACTIVATION_ENGINES (comma-separated, default "duckdb") chooses them; `make test` runs all.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Iterable

import duckdb

RAW_COLUMNS = [
    ("event_id", "varchar"),
    ("user_id", "varchar"),
    ("event_name", "varchar"),
    ("event_at", "timestamp"),
    ("country", "varchar"),
    ("device_os", "varchar"),
    ("app_version", "varchar"),
    ("utm_campaign", "varchar"),
    ("utm_medium", "varchar"),
    ("utm_source", "varchar"),
    ("revenue", "double precision"),
]


def selected_engines() -> list[str]:
    return [e.strip() for e in os.environ.get("ACTIVATION_ENGINES", "duckdb").split(",") if e.strip()]


class DuckDBEngine:
    name = "duckdb"
    schema = "main"

    def __init__(self, root: Path):
        self.path = root / "warehouse.duckdb"

    def dbt_env(self) -> dict[str, str]:
        return {"DBT_TARGET": "duckdb", "DBT_ACTIVATION_DUCKDB_PATH": str(self.path)}

    def execute(self, statements: Iterable[str], rows: list[list[Any]] | None = None, insert: str | None = None):
        with duckdb.connect(str(self.path)) as con:
            for sql in statements:
                con.execute(sql)
            if rows:
                con.executemany(insert, rows)

    def fetch(self, sql: str) -> tuple[list[str], list[tuple]]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            cursor = con.execute(sql)
            return [d[0] for d in cursor.description], cursor.fetchall()

    def close(self) -> None:
        pass


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1 and a free port, data in a temp dir,
    started as the `postgres` user (installed with apt when missing), stopped at the end."""

    def __init__(self) -> None:
        self.bin = self._binaries()
        self.dir = Path(tempfile.mkdtemp(prefix="activation-pg-"))
        shutil.chown(self.dir, "postgres")
        self.port = _free_port()
        data = self.dir / "data"
        self._as_postgres([f"{self.bin}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres"])
        self._as_postgres([f"{self.bin}/pg_ctl", "-D", str(data), "-l", str(self.dir / "log"), "-w", "start",
                           "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                                 "-c synchronous_commit=off -c full_page_writes=off"])
        self.data = data

    @staticmethod
    def _binaries() -> str:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found and os.geteuid() == 0:
            subprocess.run(["apt-get", "update", "-qq"], check=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
            found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
        return str(Path(found[-1]).parent)

    def _as_postgres(self, command: list[str]) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(prefix + command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       cwd=self.dir)

    def connect(self, database: str = "postgres"):
        import psycopg2

        con = psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database)
        con.autocommit = True
        return con

    def stop(self) -> None:
        self._as_postgres([f"{self.bin}/pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresEngine:
    name = "postgres"
    schema = "public"

    def __init__(self, server: PostgresServer):
        self.server = server
        self.database = f"w_{uuid.uuid4().hex[:12]}"
        self._admin(f"create database {self.database}")

    def _admin(self, sql: str) -> None:
        con = self.server.connect()  # autocommit: CREATE / DROP DATABASE refuse a transaction
        try:
            with con.cursor() as cur:
                cur.execute(sql)
        finally:
            con.close()

    def dbt_env(self) -> dict[str, str]:
        return {"DBT_TARGET": "postgres", "POSTGRES_PORT": str(self.server.port),
                "POSTGRES_DATABASE": self.database, "POSTGRES_SCHEMA": self.schema}

    def execute(self, statements: Iterable[str], rows: list[list[Any]] | None = None, insert: str | None = None):
        from psycopg2.extras import execute_values

        con = self.server.connect(self.database)
        try:
            with con.cursor() as cur:
                for sql in statements:
                    cur.execute(sql)
                if rows:
                    execute_values(cur, insert.split(" values ")[0] + " values %s", rows)
        finally:
            con.close()

    def fetch(self, sql: str) -> tuple[list[str], list[tuple]]:
        con = self.server.connect(self.database)
        try:
            with con.cursor() as cur:
                cur.execute(sql)
                return [d[0] for d in cur.description], cur.fetchall()
        finally:
            con.close()

    def close(self) -> None:
        self._admin(f"drop database if exists {self.database} with (force)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")
