"""Files with personal data or secrets (databases and their WAL, credentials, telemetry, logs,
the NATS store) are for this system's own user only: folders 0700, files 0600, from the first
start (issue 11 found the databases 0644 in a 0755 folder).

Two mechanisms, so that neither alone has to be right everywhere: a process that writes such
files runs with umask 077 (:func:`prive_proces`; the runner passes it to every child, nats-server
included), and the files and folders the system names itself are created, or tightened when an
older version left them open, with these modes explicitly."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

MAP = 0o700
BESTAND = 0o600
UMASK = 0o077


def prive_proces() -> None:
    """Everything this process creates from now on is private to its user."""
    os.umask(UMASK)


def prive_map(path: Path) -> Path:
    """``path`` as a folder only its owner can enter (created with its parents when missing)."""
    path.mkdir(mode=MAP, parents=True, exist_ok=True)
    os.chmod(path, MAP)
    return path


def prive_bestand(path: Path) -> Path:
    """``path`` as a file only its owner can read (created empty when missing)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, BESTAND)
    os.close(fd)
    os.chmod(path, BESTAND)
    return path


def eigen_map(folder: Path, data_dir: Path) -> Path:
    """``folder`` private when it is (in) the service's data folder, or new; an existing folder
    elsewhere (configured by its owner, e.g. ``/var/log/...``) is left as it is."""
    data = data_dir.resolve()
    if not folder.exists() or folder.resolve() == data or data in folder.resolve().parents:
        prive_map(folder)
    return folder


def sqlite_prive(database: Path, data_dir: Path) -> None:
    """A SQLite database, its WAL and shared-memory files private before the first connection
    (SQLite gives its WAL the database file's mode), in a private folder (:func:`eigen_map`)."""
    eigen_map(database.parent, data_dir)
    prive_bestand(database)
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(database.with_name(database.name + suffix), BESTAND)


def prive_boom(folder: Path) -> None:
    """``folder`` and everything in it private: what an older version left open is closed."""
    prive_map(folder)
    for root, dirs, files in os.walk(folder):
        for naam in dirs:
            os.chmod(os.path.join(root, naam), MAP)
        for naam in files:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(os.path.join(root, naam), BESTAND)
