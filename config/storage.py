"""Where uploaded and built files are kept.

Every stored file is private: none has a URL (there is no /media/), and only the
views that check the user's scope hand a file out. A stored name is random, so a
name learnt from one file tells nothing about another and the upload's own name
(kept in the database) never reaches the disk.
"""

from __future__ import annotations

import posixpath
import secrets

from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage


def random_name(name: str) -> str:
    """`imports/2026/12/fx.csv` → `imports/2026/12/<32 random hex>.csv`."""
    folder, base = posixpath.split(name)
    extension = posixpath.splitext(base)[1].lower()
    if not extension[1:].isalnum() or len(extension) > 10:
        extension = ""
    return posixpath.join(folder, secrets.token_hex(16) + extension)


class PrivateStorageMixin:
    def get_available_name(self, name, max_length=None):
        """Every save, through a FileField or the storage itself, gets a random name."""
        return super().get_available_name(random_name(name), max_length=max_length)

    def restore(self, name, content):
        """Write `content` under exactly `name` (a restore from a backup keeps the
        names the database refers to)."""
        return self._save(name, content)

    def url(self, name):
        """No stored file has a public address; the admin shows no link either."""
        return None


class PrivateFileSystemStorage(PrivateStorageMixin, FileSystemStorage):
    """settings.STORAGES["default"] on a local disk (development, one machine)."""


class PrivateS3Storage(PrivateStorageMixin, S3Storage):
    """settings.STORAGES["default"] when S3_BUCKET is set (MinIO, any S3 service).

    Objects are written without an ACL (the bucket is private) and never linked:
    `url()` stays None, so no page can carry a bucket address.
    """
