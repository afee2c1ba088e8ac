"""Where the Dumps screen is: (bucket, prefix), with "" as bucket meaning the bucket list."""

from __future__ import annotations

from typing import NamedTuple

from jfsconsole.core import objpath


class Location(NamedTuple):
    bucket: str  # "" = the list of buckets
    prefix: str = ""

    @property
    def is_bucket_list(self) -> bool:
        return self.bucket == ""

    def crumb(self) -> str:
        return "(buckets)" if self.is_bucket_list else f"{self.bucket}/{self.prefix}"

    def parent(self) -> Location:
        """One level up; a bucket root goes to the bucket list."""
        if self.is_bucket_list:
            return self
        if not self.prefix:
            return Location("")
        trimmed = self.prefix.rstrip("/")
        head = trimmed.rsplit("/", 1)[0] + "/" if "/" in trimmed else ""
        return Location(self.bucket, head)

    def child_key(self, parent: Location) -> tuple[str, str]:
        """The (bucket, key) row in ``parent`` that leads here: for the cursor after going up."""
        if parent.is_bucket_list:
            return (self.bucket, "")
        return (self.bucket, self.prefix)


def parse_location(text: str, default: Location, *, mount_root: str = objpath.DEFAULT_MOUNT_ROOT,
                   pvc_bucket: str | None = None) -> Location:
    """What the go-to box accepts: ``bucket``, ``bucket/prefix``, ``s3://...``, an in-pod path.

    Empty text is the profile's default location. Raises ValueError with what to type.
    """
    text = text.strip()
    if not text:
        return default
    body = text[5:] if text[:5].lower() == "s3://" else text
    if not body.startswith("/") and "/" not in body:
        # A bare word here is a bucket (objpath would read it as a file under the prefix).
        body = f"s3://{body}"
    resolved = objpath.resolve(body, bucket=default.bucket or objpath.DEFAULT_PVC_BUCKET,
                               prefix=default.prefix, mount_root=mount_root, pvc_bucket=pvc_bucket)
    key = resolved.key
    if key and not key.endswith("/"):
        key += "/"
    return Location(resolved.bucket, key)
