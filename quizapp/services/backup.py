"""Backups: SQLite through its online backup API, PostgreSQL through pg_dump -Fc / pg_restore.

Both work while the application serves. A SQLite backup is one self-contained file (a
consistent snapshot, journal mode DELETE); a PostgreSQL backup is a custom-format dump.
Restoring writes the backup into the configured database in one step: SQLite through the
backup API (other connections see the restored data at once), PostgreSQL with
`pg_restore --clean --single-transaction` (all or nothing).
"""
from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table
from sqlalchemy.engine import URL, make_url

from quizapp.services.exceptions import DomainError


class BackupError(DomainError):
    """A backup or restore could not be done; nothing was changed."""


@dataclass
class BackupInfo:
    """What a backup file holds: its path, size and migration revision (if readable)."""

    path: Path
    size: int
    backend: str


def _url(database_url: str) -> URL:
    return make_url(database_url)


def backend(database_url: str) -> str:
    """'sqlite' or 'postgresql' (anything else is refused)."""
    name = _url(database_url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu loại {name}.")
    return name


def default_path(backup_dir: str, database_url: str, now: datetime) -> Path:
    """instance/backups/quizapp-YYYYMMDD-HHMMSS.sqlite3 (or .dump for PostgreSQL)."""
    suffix = ".sqlite3" if backend(database_url) == "sqlite" else ".dump"
    return Path(backup_dir) / f"quizapp-{now:%Y%m%d-%H%M%S}{suffix}"


def _sqlite_file(database_url: str) -> Path:
    database = _url(database_url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    return Path(database)


def pg_tool(name: str, bin_dir: str = "") -> str:
    """Path of pg_dump/pg_restore: PG_BIN_DIR, else PATH, else the newest /usr/lib/postgresql/*/bin."""
    if bin_dir:
        candidate = Path(bin_dir) / name
        if candidate.exists():
            return str(candidate)
        raise BackupError(f"Không tìm thấy {name} trong PG_BIN_DIR={bin_dir}.")
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if versions:
        return versions[-1]
    raise BackupError(f"Không tìm thấy {name}: cài gói postgresql-client hoặc đặt PG_BIN_DIR.")


def _pg_args(database_url: str) -> tuple[str, dict]:
    """A libpq connection string without the password, and an environment carrying it."""
    url = _url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return conninfo, env


def _run(args: list[str], env: dict, what: str) -> None:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=6 * 3600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackupError(f"{what} không chạy được: {exc}") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr or "").strip().splitlines() if line.strip()]
        raise BackupError(f"{what} thất bại: {lines[-1] if lines else 'mã lỗi ' + str(done.returncode)}")


def create(database_url: str, path: Path, *, pg_bin_dir: str = "") -> BackupInfo:
    """Write a consistent backup of the database to `path` (never over an existing file)."""
    path = Path(path).resolve()  # absolute: a name starting with "-" is never read as an option
    if path.exists():
        raise BackupError(f"Tệp {path} đã có; hãy chọn tên khác (bản sao lưu cũ không bị ghi đè).")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.unlink(missing_ok=True)
    kind = backend(database_url)
    try:
        if kind == "sqlite":
            source_file = _sqlite_file(database_url)
            if not source_file.exists():
                raise BackupError(f"Không có tệp cơ sở dữ liệu {source_file}.")
            source = sqlite3.connect(source_file, timeout=30)  # read-write: WAL readers need the -shm file
            target = sqlite3.connect(partial)
            try:
                source.backup(target)  # one step: a consistent snapshot; WAL writers carry on
                target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                target.close()
                source.close()
        else:
            conninfo, env = _pg_args(database_url)
            _run([pg_tool("pg_dump", pg_bin_dir), "--format=custom", f"--file={partial}", f"--dbname={conninfo}"],
                 env, "pg_dump")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupInfo(path, path.stat().st_size, kind)


def check(database_url: str, path: Path, *, pg_bin_dir: str = "") -> None:
    """Refuse a file that is not a readable backup of this kind of database."""
    path = Path(path).resolve()
    if not path.is_file():
        raise BackupError(f"Không có tệp sao lưu {path}.")
    if backend(database_url) == "sqlite":
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                ok = conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
                has_schema = conn.execute(
                    "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").fetchone()
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            ok, has_schema = False, None
        if not ok or not has_schema:
            raise BackupError(f"Tệp {path} không phải bản sao lưu SQLite hợp lệ của ứng dụng.")
    else:
        conninfo, env = _pg_args(database_url)
        _run([pg_tool("pg_restore", pg_bin_dir), "--list", str(path)], env, "Kiểm tra tệp sao lưu (pg_restore --list)")


def restore(database_url: str, path: Path, *, pg_bin_dir: str = "") -> None:
    """Replace the database's content with the backup's; all or nothing."""
    path = Path(path).resolve()
    check(database_url, path, pg_bin_dir=pg_bin_dir)
    if backend(database_url) == "sqlite":
        target_file = _sqlite_file(database_url)
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(target_file, timeout=60)
        try:
            target.execute("PRAGMA busy_timeout=60000")
            source.backup(target)  # takes the write lock, copies every page, commits once
        except sqlite3.Error as exc:
            raise BackupError(f"Khôi phục thất bại, dữ liệu hiện tại giữ nguyên: {exc}") from None
        finally:
            target.close()
            source.close()
        return
    conninfo, env = _pg_args(database_url)
    _run([pg_tool("pg_restore", pg_bin_dir), "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", f"--dbname={conninfo}", str(path)],
         env, "pg_restore (dữ liệu hiện tại giữ nguyên)")


def table_counts(database_url: str) -> dict[str, int]:
    """Rows in every table, for the summary printed after a backup or a restore."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            names = sorted(inspect(conn).get_table_names())
            return {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one() for name in names}
    finally:
        engine.dispose()
