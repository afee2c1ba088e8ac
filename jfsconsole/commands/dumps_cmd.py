"""`ls`, `check`, `share`, `get`, `rm`: the Dumps screen's CLI twins."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jfsconsole.backends.errors import NotFound
from jfsconsole.backends.session import Backends
from jfsconsole.commands.context import load_profile
from jfsconsole.commands.output import print_error, print_json, print_table, wants_json
from jfsconsole.core import humanfmt, listing
from jfsconsole.core.dumpnames import parse_dump_name
from jfsconsole.core.hprof import DumpCheck
from jfsconsole.core.models import ObjectEntry
from jfsconsole.services.dumps import DumpService, ReadOnlyError


def _service(args: argparse.Namespace) -> DumpService:
    _, profile = load_profile(args)
    return DumpService(Backends(profile), profile)


def entry_json(entry: ObjectEntry, now: datetime, check: DumpCheck | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "type": "prefix" if entry.is_prefix else "object",
        "bucket": entry.bucket,
        "key": entry.key,
        "name": entry.name,
    }
    if entry.is_prefix:
        return doc
    doc["size"] = entry.size
    doc["last_modified"] = entry.last_modified.isoformat() if entry.last_modified else None
    doc["age_seconds"] = (int((now - entry.last_modified).total_seconds())
                          if entry.last_modified else None)
    parsed = parse_dump_name(entry.key)
    doc["env"] = parsed.env if parsed else None
    doc["pod"] = parsed.pod if parsed else None
    doc["app"] = parsed.app if parsed else None
    if check is not None:
        doc["state"] = check.state.value
        doc["detail"] = check.detail
    return doc


def _check_json(check: DumpCheck) -> dict[str, Any]:
    return {"state": check.state.value, "detail": check.detail, "version": check.version,
            "id_size": check.id_size,
            "jvm_time": check.jvm_time.isoformat() if check.jvm_time else None}


def _resolve_object(service: DumpService, text: str) -> ObjectEntry:
    try:
        path = service.resolve(text)
    except ValueError as exc:
        raise NotFound("s3", str(exc)) from None
    if path.is_prefix:
        raise NotFound("s3", f"{path.bucket}/{path.key} is a prefix, not an object",
                       hint="name one object, e.g. jfsdata/dumpfiles/<file>")
    return service.entry(path.bucket, path.key)


# ---------------------------------------------------------------------- ls


def run_ls(args: argparse.Namespace) -> int:
    service = _service(args)
    now = datetime.now(UTC)
    if args.path in ("/", "s3://"):
        buckets = service.list_buckets()
        if wants_json(args):
            print_json({"ok": True, "buckets": [b.bucket for b in buckets]})
        else:
            for b in buckets:
                print(f"{b.bucket}/")
        return 0
    try:
        path = service.resolve(args.path)
    except ValueError as exc:
        print_error(args, str(exc), kind="usage")
        return 2
    prefix = path.key
    if prefix and not prefix.endswith("/") and not args.recursive:
        # `ls jfsdata/dumpfiles` means the directory, as with mc, unless an object has that key.
        prefix += "/"
    entries: list[ObjectEntry] = []
    for page in service.iter_listing(path.bucket, prefix, recursive=args.recursive):
        entries.extend(page)
    if not entries and prefix.endswith("/") and path.key and not path.key.endswith("/"):
        # Maybe it was an object after all.
        entries = [service.entry(path.bucket, path.key)]
    entries = listing.sort_entries(entries, args.sort, reverse=args.reverse)
    checks: dict[str, DumpCheck] = {}
    if args.check:
        checks = _check_all(service, [e for e in entries if not e.is_prefix])
    totals = listing.Totals.of(entries)
    if wants_json(args):
        print_json({
            "ok": True, "bucket": path.bucket, "prefix": prefix, "recursive": args.recursive,
            "totals": {"objects": totals.objects, "bytes": totals.bytes,
                       "prefixes": totals.prefixes},
            "entries": [entry_json(e, now, checks.get(e.key)) for e in entries],
        })
        return 0
    rows = []
    for e in entries:
        if e.is_prefix:
            rows.append(["", "", "", "DIR", e.key if args.recursive else e.name])
            continue
        modified = e.last_modified
        state = checks[e.key].state.value if e.key in checks else ""
        rows.append([
            humanfmt.size(e.size),
            humanfmt.age(modified, now) if modified else "",
            humanfmt.timestamp(modified) if modified else "",
            state,
            e.key[len(prefix):] if args.recursive else e.name,
        ])
    headers = ["SIZE", "AGE", "MODIFIED", "STATE" if args.check else "", "NAME"]
    print_table(headers, rows, right=(0, 1))
    print(f"# {path.bucket}/{prefix}: {totals.objects} objects, {humanfmt.size(totals.bytes)}"
          + (f", {totals.prefixes} prefixes" if totals.prefixes else ""), file=sys.stderr)
    return 0


def _check_all(service: DumpService, entries: list[ObjectEntry]) -> dict[str, DumpCheck]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(service.check, entries))
    return {e.key: r for e, r in zip(entries, results, strict=True)}


# ---------------------------------------------------------------------- check


def run_check(args: argparse.Namespace) -> int:
    service = _service(args)
    results = []
    worst = 0
    for text in args.keys:
        entry = _resolve_object(service, text)
        result = service.check(entry)
        if not result.ok:
            worst = 1
        results.append((entry, result))
    if wants_json(args):
        now = datetime.now(UTC)
        print_json({"ok": worst == 0, "results": [
            {**entry_json(e, now), **_check_json(r)} for e, r in results]})
    else:
        for entry, result in results:
            print(f"{result.state.value:<12} {entry.path}: {result.detail}")
    return worst


# ---------------------------------------------------------------------- share


def run_share(args: argparse.Namespace) -> int:
    service = _service(args)
    entry = _resolve_object(service, args.key)
    try:
        link = service.share(entry, args.expire)
    except ValueError as exc:
        print_error(args, f"--expire {args.expire}: {exc}", kind="usage")
        return 2
    if wants_json(args):
        print_json({"ok": True, "bucket": link.bucket, "key": link.key, "url": link.url,
                    "expires_in": link.expires_in,
                    "expires_at": link.expires_at.isoformat(), "endpoint": link.endpoint})
    else:
        print(link.url)
        print(f"# valid {link.valid_for}, until {humanfmt.timestamp(link.expires_at)}, "
              f"signed for {link.endpoint}", file=sys.stderr)
    return 0


# ---------------------------------------------------------------------- get


def _progress_printer(total: int) -> Callable[[int], None]:
    done = 0
    start = time.monotonic()
    last = 0.0
    interactive = sys.stderr.isatty()

    def progress(chunk: int) -> None:
        nonlocal done, last
        done += chunk
        now = time.monotonic()
        if not interactive or (now - last < 0.2 and done < total):
            return
        last = now
        rate = done / max(now - start, 1e-6)
        eta = (total - done) / rate if rate > 0 else 0
        pct = 100 * done / total if total else 100
        sys.stderr.write(f"\r{pct:5.1f}%  {humanfmt.size(done)} / {humanfmt.size(total)}  "
                         f"{humanfmt.size(int(rate))}/s  ETA {int(eta)}s   ")
        sys.stderr.flush()

    return progress


def run_get(args: argparse.Namespace) -> int:
    service = _service(args)
    entry = _resolve_object(service, args.key)
    dest_dir = Path(args.output)
    target = service.download_target(entry, dest_dir)
    if target.exists() and not args.force:
        # A dump is often the only copy of an incident's evidence: never replace one silently.
        print_error(args, f"{target} exists: pass --force to replace it, or -o another directory",
                    kind="exists")
        return 1
    path = service.download(entry, dest_dir, progress=_progress_printer(entry.size))
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    if wants_json(args):
        print_json({"ok": True, "bucket": entry.bucket, "key": entry.key, "size": entry.size,
                    "path": str(path)})
    else:
        print(path)
    return 0


# ---------------------------------------------------------------------- rm


def run_rm(args: argparse.Namespace) -> int:
    service = _service(args)
    entries = [_resolve_object(service, text) for text in args.keys]
    total = sum(e.size for e in entries)
    if args.dry_run:
        if wants_json(args):
            print_json({"ok": True, "dry_run": True, "would_delete": [e.path for e in entries],
                        "bytes": total})
        else:
            for e in entries:
                print(f"would delete {e.path} ({humanfmt.size(e.size)})")
        return 0
    if service.profile.ui.read_only:
        print_error(args, str(ReadOnlyError("rm", service.profile.name)), kind="read-only")
        return 1
    if not args.yes:
        if not sys.stdin.isatty():
            print_error(args, "refusing to delete without confirmation: stdin is not a terminal; "
                              "pass --yes (or --dry-run to preview)", kind="usage")
            return 2
        names = ", ".join(e.path for e in entries[:3]) + (" …" if len(entries) > 3 else "")
        answer = input(f"Delete {len(entries)} object(s), {humanfmt.size(total)}: {names}? "
                       "Type 'yes': ")
        if answer.strip().lower() != "yes":
            print("nothing deleted", file=sys.stderr)
            return 1
    result = service.delete(entries)
    if wants_json(args):
        print_json({"ok": not result.errors, "deleted": result.deleted,
                    "errors": [{"key": k, "error": m} for k, m in result.errors],
                    "skipped": [{"key": k, "why": w} for k, w in result.skipped]})
    else:
        for key in result.deleted:
            print(f"deleted {key}")
        for key, why in result.skipped:
            print(f"skipped {key}: {why}", file=sys.stderr)
        for key, message in result.errors:
            print(f"FAILED {key}: {message}", file=sys.stderr)
    return 1 if result.errors else 0


_RUNNERS = {"ls": run_ls, "check": run_check, "share": run_share, "get": run_get, "rm": run_rm}


def run(args: argparse.Namespace) -> int:
    try:
        return _RUNNERS[args.command](args)
    except ReadOnlyError as exc:
        print_error(args, str(exc), kind="read-only")
        return 1
