"""Turn what a CLI user types into (bucket, key), and keys into the paths others use.

Rules, as mc users expect them:

* ``bucket/key...`` when the text has a "/"; a leading ``s3://`` is dropped.
* a bare name (no "/") is a key under the profile's default bucket and prefix:
  ``dev_x_heapDump.hprof`` -> ``("jfsdata", "dumpfiles/dev_x_heapDump.hprof")``.
* empty text is the default prefix itself.
* a path as the app pod sees it (``/data/jfsdata/dumpfiles/x``, copied from a JVM log) maps
  back to the PVC's bucket; any other leading "/" is refused with a hint.

Keys are never URL-decoded or normalised: spaces, "%", "+" and unicode pass through as typed.
"""

from __future__ import annotations

import re
from typing import NamedTuple

DEFAULT_MOUNT_ROOT = "/data/jfsdata"
DEFAULT_PVC_BUCKET = "jfsdata"

# S3 bucket naming rules (what the MinIO-based gateway accepts with --multi-buckets).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


class ObjPath(NamedTuple):
    bucket: str
    key: str

    @property
    def is_prefix(self) -> bool:
        """True when the key names a "directory" (empty, or ending with "/")."""
        return self.key == "" or self.key.endswith("/")


def _check_key(text: str, key: str) -> None:
    if any(part in (".", "..") for part in key.split("/")):
        raise ValueError(f"{text!r}: '.' and '..' are not allowed in object keys; write the full key")


def _check_bucket(text: str, bucket: str, default_bucket: str, prefix: str) -> None:
    if _BUCKET.match(bucket) and ".." not in bucket:
        return
    example = f"{default_bucket}/{prefix}{text.rsplit('/', 1)[-1] or '...'}"
    raise ValueError(
        f"{text!r}: {bucket!r} is not a bucket name (3-63 lowercase letters, digits, '-', '.'). "
        f"Text with a '/' starts with the bucket, e.g. {example}; a bare file name is looked up "
        f"under {default_bucket}/{prefix}"
    )


def resolve(
    text: str,
    *,
    bucket: str,
    prefix: str = "",
    mount_root: str = DEFAULT_MOUNT_ROOT,
    pvc_bucket: str | None = None,
) -> ObjPath:
    """Resolve user input against the profile's default ``bucket`` and ``prefix``.

    ``pvc_bucket`` is the bucket the pods' ``mount_root`` shows (default: ``bucket``).
    Raises ``ValueError`` with a message that says what to type instead.
    """
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    if text == "":
        return ObjPath(bucket, prefix)
    if text.startswith("/"):
        root = mount_root.rstrip("/") + "/"
        if text.startswith(root) or text == root.rstrip("/"):
            key = text[len(root) :]
            _check_key(text, key)
            return ObjPath(pvc_bucket or bucket, key)
        raise ValueError(
            f"{text!r} starts with '/': write bucket/key (e.g. {bucket}/{prefix}...), a bare "
            f"file name, or a path under {mount_root} as the app pods see it"
        )
    has_scheme = text[:5].lower() == "s3://"
    body = text[5:] if has_scheme else text
    if "/" not in body:
        if has_scheme:  # "s3://bucket" names the bucket itself, not a file in the default one
            _check_bucket(text, body, bucket, prefix)
            return ObjPath(body, "")
        _check_key(text, body)
        return ObjPath(bucket, prefix + body)
    target_bucket, key = body.split("/", 1)
    _check_bucket(text, target_bucket, bucket, prefix)
    _check_key(text, key)
    return ObjPath(target_bucket, key)


def in_pod_path(
    bucket: str,
    key: str,
    mount_root: str = DEFAULT_MOUNT_ROOT,
    *,
    pvc_bucket: str = DEFAULT_PVC_BUCKET,
) -> str | None:
    """Where the object appears inside an app pod, or None for buckets the pods don't mount.

    Only the PVC's own directory (bucket ``pvc_bucket``, thanks to ``pathPattern``) is mounted
    at ``mount_root``; other top-level directories of the volume are invisible to the pods.
    """
    if bucket != pvc_bucket:
        return None
    root = mount_root.rstrip("/")
    return f"{root}/{key}" if key else root


def s3_uri(bucket: str, key: str = "") -> str:
    """``s3://bucket/key`` exactly as stored (no percent-encoding)."""
    return f"s3://{bucket}/{key}"
