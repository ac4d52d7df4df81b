"""Files only the server's own user may read: directories 0700, files 0600.

The embedded Redis's append-only file, the local blobs (documents, transcripts, audit archives)
and the development key hold tenant data or the key to their secrets, so other users of the
machine must not read them, whatever the umask the server was started with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

DIR_MODE: Final = 0o700
FILE_MODE: Final = 0o600
UMASK: Final = 0o077
"""For a child process (redis-server): what it creates comes out 0700 and 0600."""


def private_dir(path: Path) -> Path:
    """``path`` as a directory only this user may enter, created with any missing parents.

    An existing directory is closed too, so an install from before this rule is fixed on its next
    start: once the directory is 0700, nobody else reaches the files inside, whatever their modes.
    """
    missing = [folder for folder in (path, *path.parents) if not folder.exists()]
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    for folder in {path, *missing}:
        folder.chmod(DIR_MODE)
    return path
