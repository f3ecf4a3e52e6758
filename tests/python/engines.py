"""The engines the pytest suite runs the models on, behind one small interface: a place
to load raw events, dbt settings (target and environment), and reading tables back.

ACTIVATION_ENGINES (comma-separated, default "duckdb") chooses them; `make test` runs all.
"""
from __future__ import annotations

import fcntl
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator

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


@contextmanager
def system_packages_lock() -> Iterator[None]:
    """Held while a test checks for and installs a Debian package: the test processes of
    `pytest -n` would otherwise run apt-get side by side, and all but one fail on dpkg's lock."""
    with open(Path(tempfile.gettempdir()) / "dbt-activation-apt.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


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
        with system_packages_lock():
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


EMULATOR_BIN = Path(__file__).resolve().parents[2] / ".venv-emulator" / "bin" / "crucible"


class BigQueryEmulatorServer:
    """crucible-emulator (a BigQuery API emulator that translates to DuckDB) on 127.0.0.1
    and a free port, state in a temp dir; installed by `make test` into .venv-emulator."""

    def __init__(self) -> None:
        if not EMULATOR_BIN.exists():
            raise RuntimeError(f"{EMULATOR_BIN} missing: run `make .venv-emulator/.installed`")
        self.dir = Path(tempfile.mkdtemp(prefix="activation-bq-"))
        self.port = _free_port()
        self.log = open(self.dir / "emulator.log", "w")
        self.process = subprocess.Popen(
            [str(EMULATOR_BIN), "serve", "--dialect", "bigquery", "--host", "127.0.0.1",
             "--port", str(self.port), "--database", str(self.dir / "emulator.duckdb")],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_for_port(self.port)
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def client(self, project: str):
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import bigquery

        return bigquery.Client(project=project, credentials=AnonymousCredentials(),
                               client_options={"api_endpoint": self.endpoint})

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


BIGQUERY_TYPES = {"varchar": "STRING", "timestamp": "TIMESTAMP", "double precision": "FLOAT64"}


class BigQueryEngine:
    """One BigQuery project of the emulator per warehouse, so tests do not see each other."""

    name = "bigquery"
    schema = "dbt_activation"

    def __init__(self, server: BigQueryEmulatorServer):
        self.server = server
        self.project = f"p-{uuid.uuid4().hex[:12]}"
        self.client = server.client(self.project)

    def dbt_env(self) -> dict[str, str]:
        return {"DBT_TARGET": "bigquery_emulator", "BIGQUERY_PROJECT": self.project,
                "BIGQUERY_DATASET": self.schema, "BIGQUERY_EMULATOR_ENDPOINT": self.server.endpoint}

    def execute(self, statements: Iterable[str], rows: list[list[Any]] | None = None, insert: str | None = None):
        """Runs the loader's statements, translated: datasets for schemas, BigQuery types,
        and the rows as one INSERT ... VALUES (the emulator has no streaming inserts)."""
        statements = list(statements)
        emptying = any(sql.startswith("delete from") for sql in statements)
        for sql in statements:
            if sql.startswith("create schema"):
                self.client.create_dataset(f"{self.project}.raw", exists_ok=True)
                continue
            if sql.startswith("delete from"):
                continue  # the emulator has no DELETE: the table is recreated instead
            if emptying:
                sql = sql.replace("create table if not exists", "create or replace table")
            for ours, theirs in BIGQUERY_TYPES.items():
                sql = sql.replace(f" {ours}", f" {theirs}")
            sql = sql.replace("raw.app_events", f"`{self.project}.raw.app_events`")
            self.client.query(sql).result()
        if rows:
            target = insert.split(" values ")[0].replace("raw.app_events", f"`{self.project}.raw.app_events`")
            types = [kind for _, kind in RAW_COLUMNS]
            values = ",\n".join("(" + ", ".join(_bigquery_literal(v, t) for v, t in zip(row, types)) + ")"
                                for row in rows)
            self.client.query(f"{target} values {values}").result()

    def fetch(self, sql: str) -> tuple[list[str], list[tuple]]:
        sql = sql.replace(f"from {self.schema}.", f"from `{self.project}.{self.schema}`.")
        result = self.client.query(sql).result()
        names = [field.name for field in result.schema]
        return names, [tuple(_naive_utc(v) for v in row.values()) for row in result]

    def close(self) -> None:
        self.client.close()


def _bigquery_literal(value: Any, kind: str) -> str:
    if value is None:
        return f"cast(null as {BIGQUERY_TYPES[kind]})"
    if kind == "timestamp":
        return f"timestamp '{value.isoformat(sep=' ')}'"
    if kind == "double precision":
        return repr(float(value))
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _naive_utc(value: Any) -> Any:
    """TIMESTAMPs come back as aware UTC datetimes; the suite compares naive UTC values."""
    import datetime as dt

    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


class SparkSessionServer:
    """A local-mode SparkSession in this process (pyspark), with its warehouse and Derby
    metastore in a temp dir. dbt-spark's `session` method gets this same session (getOrCreate),
    so every dbt invocation of the test session reuses one JVM. Timestamps are UTC on both
    sides: Spark's session time zone and this process's TZ (pyspark converts naive datetimes
    with the local zone)."""

    def __init__(self) -> None:
        self._ensure_java()
        os.environ["TZ"] = "UTC"
        time.tzset()
        self.dir = Path(tempfile.mkdtemp(prefix="activation-spark-"))
        self.env = {"SPARK_WAREHOUSE_DIR": str(self.dir / "warehouse"),
                    "SPARK_METASTORE_DIR": str(self.dir / "metastore")}
        os.environ.update(self.env)
        from pyspark.sql import SparkSession

        self.spark = (
            SparkSession.builder.master("local[2]").appName("dbt_activation-tests")
            .enableHiveSupport()
            .config("spark.sql.warehouse.dir", self.env["SPARK_WAREHOUSE_DIR"])
            .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={self.env['SPARK_METASTORE_DIR']}")
            .config("javax.jdo.option.ConnectionURL",
                    f"jdbc:derby:;databaseName={self.env['SPARK_METASTORE_DIR']}/metastore_db;create=true")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "2g")
            .config("spark.ui.enabled", "false")
            .getOrCreate())
        self.spark.sparkContext.setLogLevel("ERROR")

    @staticmethod
    def _ensure_java() -> None:
        """pyspark needs a Java 17+ runtime: Debian's, installed with apt when missing."""
        if shutil.which("java") or os.environ.get("JAVA_HOME"):
            return
        with system_packages_lock():
            if not shutil.which("java") and os.geteuid() == 0 and shutil.which("apt-get"):
                subprocess.run(["apt-get", "update", "-qq"], check=True)
                subprocess.run(["apt-get", "install", "-y", "-qq", "openjdk-17-jre-headless"], check=True,
                               env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        if not shutil.which("java"):
            raise RuntimeError("Java not found: Spark needs a Java 17 runtime (apt-get install openjdk-17-jre-headless)")

    def stop(self) -> None:
        self.spark.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


SPARK_TYPES = {"varchar": "string", "double precision": "double"}


class SparkEngine:
    """One Spark database (schema) per warehouse; raw.app_events is a parquet table of the
    shared session, emptied by each test's first load."""

    name = "spark"
    # Spark stores a table's partition columns after the others
    partition_columns_last = True

    def __init__(self, server: SparkSessionServer):
        self.server = server
        self.spark = server.spark
        self.schema = f"w_{uuid.uuid4().hex[:12]}"

    def dbt_env(self) -> dict[str, str]:
        return {"DBT_TARGET": "spark", "SPARK_SCHEMA": self.schema, **self.server.env}

    def execute(self, statements: Iterable[str], rows: list[list[Any]] | None = None, insert: str | None = None):
        """Runs the loader's statements, translated: databases for schemas, Spark types, a
        parquet table, TRUNCATE for DELETE (a parquet table has no DELETE), and the rows as a
        DataFrame inserted into the table."""
        for sql in statements:
            sql = sql.replace("create schema", "create database")
            if sql.startswith("delete from"):
                sql = sql.replace("delete from", "truncate table")
            if sql.startswith("create table"):
                for ours, theirs in SPARK_TYPES.items():
                    sql = sql.replace(f" {ours}", f" {theirs}")
                sql += " using parquet"
            self.spark.sql(sql)
        if rows:
            table = insert.split(" values ")[0].split()[-1]
            schema = ", ".join(f"{name} {SPARK_TYPES.get(kind, kind)}" for name, kind in RAW_COLUMNS)
            self.spark.createDataFrame(rows, schema=schema).write.insertInto(table)

    def fetch(self, sql: str) -> tuple[list[str], list[tuple]]:
        frame = self.spark.sql(sql)
        return frame.columns, [tuple(row) for row in frame.collect()]

    def close(self) -> None:
        self.spark.sql(f"drop database if exists {self.schema} cascade")
