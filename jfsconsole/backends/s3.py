"""The JuiceFS S3 gateway through boto3: listing, ranged reads, presign, download, delete.

boto3 is imported lazily (inside methods) so that importing this module stays cheap and the
TUI paints before the SDK is loaded.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jfsconsole.backends.errors import (
    AuthFailed,
    BackendError,
    BadResponse,
    Forbidden,
    NotFound,
    Rejected,
    TimedOut,
    Unreachable,
)
from jfsconsole.config import S3Settings
from jfsconsole.core.models import ObjectEntry

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# S3 DeleteObjects takes at most 1000 keys per request.
DELETE_BATCH = 1000
# Listing page sizes: a small first page for a fast first paint, then the gateway's own
# default page (4,500 on JuiceFS; AWS caps any MaxKeys at 1,000 by itself).
FIRST_PAGE = 1000
PAGE_SIZE = 4500
PART_SUFFIX = ".part"

_AUTH_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AuthorizationHeaderMalformed",
               "InvalidToken", "ExpiredToken", "AccessKeyDisabled"}
_NOT_FOUND_CODES = {"NoSuchBucket", "NoSuchKey", "NotFound", "404", "NoSuchUpload"}


class Cancelled(Exception):
    """Raised inside a transfer callback to stop a download the user cancelled."""


@dataclass
class DeleteResult:
    deleted: list[str] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (key, message)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (key, why)


def _add_content_md5(request: Any, **_: Any) -> None:
    """The MinIO-based gateway insists on Content-MD5 for DeleteObjects ("MissingContentMD5");
    botocore >= 1.36 sends a CRC32 checksum header instead, so add the MD5 ourselves."""
    body = request.body
    if body is None:
        return
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes | bytearray):
        return
    digest = hashlib.md5(body, usedforsecurity=False).digest()
    request.headers["Content-MD5"] = base64.b64encode(digest).decode("ascii")


def map_error(exc: BaseException, *, endpoint: str, bucket: str | None = None,
              key: str | None = None) -> BackendError:
    """Turn a botocore exception into one of our typed errors with an actionable message."""
    from botocore import exceptions as bexc

    target = f"{bucket}/{key}" if bucket and key else (bucket or endpoint)
    if isinstance(exc, BackendError):
        return exc
    if isinstance(exc, bexc.NoCredentialsError | bexc.PartialCredentialsError):
        return AuthFailed("s3", "no S3 credentials found",
                          hint="set s3.access_key/secret_key in the profile, or AWS_ACCESS_KEY_ID "
                               "/ AWS_SECRET_ACCESS_KEY / AWS_PROFILE")
    if isinstance(exc, bexc.ConnectTimeoutError | bexc.ReadTimeoutError):
        return TimedOut("s3", f"the gateway at {endpoint} did not answer in time",
                        hint="check the gateway pods (kubectl -n kube-ops get pods) or raise "
                             "s3.read_timeout")
    if isinstance(exc, bexc.EndpointConnectionError | bexc.ConnectionClosedError |
                  bexc.ProxyConnectionError):
        return Unreachable("s3", f"cannot connect to the S3 gateway at {endpoint}",
                           hint="check s3.endpoint and that the gateway is running "
                                "(kubectl -n kube-ops get pods -l "
                                "app.kubernetes.io/name=juicefs-s3-gateway)")
    if isinstance(exc, bexc.SSLError):
        return Unreachable("s3", f"TLS handshake with {endpoint} failed",
                           hint="set s3.ca_file, or s3.verify_tls = false for a test endpoint")
    if isinstance(exc, bexc.ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        message = str(err.get("Message", "")) or code
        if code in _AUTH_CODES:
            return AuthFailed("s3", f"the gateway rejected the credentials ({code})",
                              hint="check s3.access_key/secret_key: the gateway's own keys "
                                   "(Secret jfsdata in kube-ops), not MinIO's")
        if code == "AccessDenied" or status == 403:
            return Forbidden("s3", f"access denied to {target}",
                             hint="these credentials may not read or write this bucket")
        if code in _NOT_FOUND_CODES or status == 404:
            what = "bucket" if code == "NoSuchBucket" or not key else "object"
            return NotFound("s3", f"no such {what}: {target}",
                            hint="it may have been deleted since the listing; refresh with r")
        if code in ("InvalidArgument", "InvalidRequest", "InvalidRange", "AuthorizationQueryParametersError"):
            return Rejected("s3", f"the gateway refused the request: {message}")
        if code in ("SlowDown", "ServiceUnavailable", "503") or status in (502, 503, 504):
            return Unreachable("s3", f"the gateway is overloaded or restarting ({status} {code})",
                               hint="retry in a moment; check the gateway pods")
        return BadResponse("s3", f"unexpected answer from the gateway: {status} {code} {message}")
    return BadResponse("s3", f"unexpected error talking to {endpoint}: {type(exc).__name__}: {exc}")


class S3Store:
    """One reused boto3 client (path-style, SigV4) for one profile's gateway."""

    def __init__(self, settings: S3Settings, access_key: str | None, secret_key: str | None):
        self.settings = settings
        self._access_key = access_key
        self._secret_key = secret_key
        self._client: S3Client | None = None
        self._public_client: S3Client | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"S3Store(endpoint={self.settings.endpoint!r})"

    # ------------------------------------------------------------------ clients

    def _make_client(self, endpoint: str) -> S3Client:
        import boto3
        from botocore.config import Config as BotoConfig

        s = self.settings
        verify: bool | str = s.ca_file if s.ca_file else s.verify_tls
        session = boto3.session.Session()
        client = session.client(
            "s3",
            endpoint_url=endpoint,
            region_name=s.region,
            aws_access_key_id=self._access_key,
            aws_secret_access_key=self._secret_key,
            verify=verify,
            config=BotoConfig(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                connect_timeout=s.connect_timeout,
                read_timeout=s.read_timeout,
                retries={"max_attempts": s.max_attempts, "mode": "standard"},
                max_pool_connections=20,
                # The gateway does not do the newer flexible checksums; ask only when required.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )
        client.meta.events.register("before-sign.s3.DeleteObjects", _add_content_md5)
        return client

    @property
    def client(self) -> S3Client:
        with self._lock:
            if self._client is None:
                self._client = self._make_client(self.settings.endpoint)
            return self._client

    @property
    def public_client(self) -> S3Client:
        """The client that signs links: SigV4 signs the Host, so sign with the recipients' host."""
        if not self.settings.public_endpoint:
            return self.client
        with self._lock:
            if self._public_client is None:
                self._public_client = self._make_client(self.settings.public_endpoint)
            return self._public_client

    def _err(self, exc: BaseException, bucket: str | None = None,
             key: str | None = None) -> BackendError:
        return map_error(exc, endpoint=self.settings.endpoint, bucket=bucket, key=key)

    # ------------------------------------------------------------------ reading

    def list_buckets(self) -> list[ObjectEntry]:
        try:
            answer = self.client.list_buckets()
        except Exception as exc:
            raise self._err(exc) from None
        return [
            ObjectEntry(bucket=b["Name"], key="", last_modified=b.get("CreationDate"),
                        is_prefix=True)
            for b in answer.get("Buckets", [])
        ]

    def iter_pages(self, bucket: str, prefix: str = "", *, recursive: bool = False,
                   first_page: int = FIRST_PAGE, page_size: int = PAGE_SIZE,
                   ) -> Iterator[list[ObjectEntry]]:
        """Yield the listing one page at a time (prefixes, then objects of that page).

        The first page is small so that rows show at once; later pages are large because on
        the JuiceFS gateway each request costs a round trip plus a directory scan, and fewer
        requests finish a 100,000-object listing sooner. (A paginator has one fixed page size,
        hence the explicit ContinuationToken loop.)
        """
        kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        if not recursive:
            kwargs["Delimiter"] = "/"
        token: str | None = None
        max_keys = first_page
        try:
            while True:
                request = dict(kwargs, MaxKeys=max_keys)
                if token:
                    request["ContinuationToken"] = token
                page = self.client.list_objects_v2(**request)
                rows = [ObjectEntry(bucket=bucket, key=p["Prefix"], is_prefix=True)
                        for p in page.get("CommonPrefixes", [])]
                rows += [
                    # A key ending in "/" is a directory, not a file: the JuiceFS gateway lists
                    # directories that a DeleteObjects emptied as zero-byte "dir/" keys.
                    ObjectEntry(bucket=bucket, key=o["Key"], size=o.get("Size", 0),
                                last_modified=o.get("LastModified"),
                                is_prefix=o["Key"].endswith("/"))
                    for o in page.get("Contents", [])
                    # The prefix itself shows up as a zero-byte "dir/" object on some gateways.
                    if o["Key"] != prefix
                ]
                yield rows
                token = page.get("NextContinuationToken")
                if not page.get("IsTruncated") or not token:
                    return
                max_keys = page_size
        except BackendError:
            raise
        except Exception as exc:
            raise self._err(exc, bucket) from None

    def head(self, bucket: str, key: str) -> ObjectEntry:
        try:
            answer = self.client.head_object(Bucket=bucket, Key=key)
        except Exception as exc:
            raise self._err(exc, bucket, key) from None
        return ObjectEntry(bucket=bucket, key=key, size=answer.get("ContentLength", 0),
                           last_modified=answer.get("LastModified"))

    def read_range(self, bucket: str, key: str, byte_range: str) -> bytes:
        """GET with a Range header such as ``bytes=0-30`` or ``bytes=-9``."""
        try:
            answer = self.client.get_object(Bucket=bucket, Key=key, Range=byte_range)
            return answer["Body"].read()
        except Exception as exc:
            raise self._err(exc, bucket, key) from None

    def presign_get(self, bucket: str, key: str, expires_in: int) -> str:
        try:
            return self.public_client.generate_presigned_url(
                "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in
            )
        except Exception as exc:
            raise self._err(exc, bucket, key) from None

    def ping(self) -> int:
        """Cheapest authenticated call: proves reachability and credentials. Returns bucket count."""
        return len(self.list_buckets())

    # ------------------------------------------------------------------ writing

    def put_bytes(self, bucket: str, key: str, data: bytes) -> None:
        try:
            self.client.put_object(Bucket=bucket, Key=key, Body=data)
        except Exception as exc:
            raise self._err(exc, bucket, key) from None

    def download(
        self, bucket: str, key: str, dest: Path, *, expected_size: int | None = None,
        progress: Callable[[int], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Path:
        """Download to ``dest`` via ``dest.part`` with the transfer manager; rename when whole.

        A failed or cancelled download removes the ``.part`` file, so nothing incomplete is
        ever left under the final name.
        """
        from boto3.s3.transfer import TransferConfig

        part = dest.with_name(dest.name + PART_SUFFIX)
        dest.parent.mkdir(parents=True, exist_ok=True)

        def callback(chunk: int) -> None:
            if cancelled is not None and cancelled():
                raise Cancelled()
            if progress is not None:
                progress(chunk)

        try:
            if expected_size is None:
                expected_size = self.head(bucket, key).size
            self.client.download_file(
                bucket, key, str(part), Callback=callback,
                Config=TransferConfig(multipart_threshold=64 * 1024 * 1024,
                                      multipart_chunksize=16 * 1024 * 1024, max_concurrency=4),
            )
            actual = part.stat().st_size
            if actual != expected_size:
                raise BadResponse("s3", f"download of {bucket}/{key} is {actual} bytes, "
                                        f"expected {expected_size}",
                                  hint="the file may still be written; try again later")
            os.replace(part, dest)
            return dest
        except BaseException as exc:
            part.unlink(missing_ok=True)
            if isinstance(exc, Cancelled | KeyboardInterrupt | BackendError):
                raise
            cause = exc
            while cause.__cause__ is not None or cause.__context__ is not None:
                nxt = cause.__cause__ or cause.__context__
                assert nxt is not None
                if isinstance(nxt, Cancelled):
                    raise nxt from None
                cause = nxt
            raise self._err(exc, bucket, key) from None

    def delete_many(self, bucket: str, keys: Sequence[str]) -> DeleteResult:
        """DeleteObjects in batches of 1000. A 200 answer can still carry per-key errors."""
        result = DeleteResult()
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start:start + DELETE_BATCH]
            try:
                answer = self.client.delete_objects(
                    Bucket=bucket,
                    Delete={"Objects": [{"Key": k} for k in batch], "Quiet": False},
                )
            except Exception as exc:
                err = self._err(exc, bucket)
                result.errors.extend((k, err.message) for k in batch)
                continue
            errors = [
                (e.get("Key", "?"), f"{e.get('Code', '')}: {e.get('Message', '')}".strip(": "))
                for e in answer.get("Errors", [])
            ]
            result.errors.extend(errors)
            named = [d["Key"] for d in answer.get("Deleted", []) if "Key" in d]
            if len(named) == len(answer.get("Deleted", [])):
                result.deleted.extend(named)
            else:
                # The JuiceFS gateway answers <Deleted></Deleted> without the key, so what was
                # deleted is the batch less the keys that came back as errors.
                failed = {k for k, _ in errors}
                result.deleted.extend(k for k in batch if k not in failed)
        return result


def now_utc() -> datetime:
    return datetime.now(UTC)
