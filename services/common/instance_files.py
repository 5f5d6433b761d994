"""What the application keeps on disk: the SQLite database and the secrets generated on
first start into the instance folder (secret_key, data_key, demo-password.txt).

They are the owner's only: the instance folder 0700, each file 0600, created so from the
start (never readable by others, even for an instant) and put back so at every start when
an older version or a copy left them readable by others."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable

from sqlalchemy.engine import make_url

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def private_folder(path: Path) -> None:
    path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    path.chmod(PRIVATE_FOLDER)


def secret(path: Path, make: Callable[[], str], if_empty: str) -> str:
    """The secret kept in ``path``, made by ``make`` on first use. Another process starting
    at the same moment reads what the first one writes; ``if_empty`` says what to do when
    the file stays empty."""
    private_folder(path.parent)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:  # made earlier, or by another process starting at the same moment
        path.chmod(PRIVATE_FILE)
        for _ in range(50):  # the creating process writes right after creating the file
            if text := path.read_text().strip():
                return text
            time.sleep(0.01)
        raise RuntimeError(f"{path} is empty; {if_empty}") from None
    with os.fdopen(descriptor, "w") as handle:
        handle.write(make())
    return path.read_text().strip()


def private_database(database_url: str, instance_dir: Path) -> None:
    """A SQLite database file (and its journal, write-ahead log and shared memory) made
    owner-only before SQLite opens it; SQLite gives the files it adds later the database
    file's mode. Its folder is made private when it is the instance folder, and created
    private when missing (a folder chosen elsewhere is left as it is)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    path = Path(url.database)
    if path.parent.resolve() == instance_dir.resolve():
        private_folder(instance_dir)
    else:
        path.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT, PRIVATE_FILE))
    for file in (path, *(path.with_name(path.name + suffix) for suffix in ("-journal", "-wal", "-shm"))):
        if file.exists():
            file.chmod(PRIVATE_FILE)
