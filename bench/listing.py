"""Listing benchmark: `jfsconsole ls --json` against a plain boto3 paginator loop, same run.

Creates N objects (default 100,000) in one prefix of a real JuiceFS S3 gateway (the local
stack), then alternates the two contenders, each as a fresh process, and reports medians:

- time to the first page (in-process: DumpService.iter_listing vs paginator, first 1,000 rows)
- time to the full listing on stdout (subprocess: `jfsconsole ls PATH --json` vs a script that
  paginates and prints the same fields as JSON)

Target (issue #3): full listing within 1.3x of the plain loop.

    python bench/listing.py [--count 100000] [--runs 3] [--state-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

TARGET_RATIO = 1.3
PREFIX = "bench/"

BASELINE = r"""
import json, sys, boto3
from botocore.config import Config
endpoint, ak, sk, bucket, prefix = sys.argv[1:6]
s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ak, aws_secret_access_key=sk,
                  region_name="us-east-1",
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
rows = []
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix,
                                                         Delimiter="/"):
    for p in page.get("CommonPrefixes", []):
        rows.append({"type": "prefix", "key": p["Prefix"]})
    for o in page.get("Contents", []):
        rows.append({"type": "object", "key": o["Key"], "size": o["Size"],
                     "last_modified": o["LastModified"].isoformat()})
sys.stdout.write(json.dumps({"entries": rows}, indent=2) + "\n")
"""


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, bytes]:
    start = time.perf_counter()
    proc = subprocess.run(argv, check=True, capture_output=True, env=env)
    return time.perf_counter() - start, proc.stdout


def first_page_times(stack: object, config: Path) -> tuple[float, float]:
    from jfsconsole.backends.session import Backends
    from jfsconsole.config import load_config, select_profile
    from jfsconsole.services.dumps import DumpService

    profile = select_profile(load_config(config), None, env={})
    start = time.perf_counter()
    service = DumpService(Backends(profile), profile)
    first = next(iter(service.iter_listing("jfsdata", PREFIX)))
    ours = time.perf_counter() - start
    assert len(first) >= 1000 or len(first) == 0

    import boto3
    from botocore.config import Config

    start = time.perf_counter()
    s3 = boto3.client("s3", endpoint_url=stack.s3_endpoint,  # type: ignore[attr-defined]
                      aws_access_key_id=stack.s3_access_key,  # type: ignore[attr-defined]
                      aws_secret_access_key=stack.s3_secret_key,  # type: ignore[attr-defined]
                      region_name="us-east-1",
                      config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    page = next(iter(s3.get_paginator("list_objects_v2").paginate(
        Bucket="jfsdata", Prefix=PREFIX, Delimiter="/")))
    plain = time.perf_counter() - start
    # The gateway's default page is 4,500 keys; we ask for 1,000 so the first rows show sooner.
    assert page["Contents"] and first
    return ours, plain


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--state-dir", type=Path)
    args = parser.parse_args()

    from jfsconsole.sandbox.seed import preload_many_objects
    from jfsconsole.sandbox.stack import LocalStack

    with tempfile.TemporaryDirectory() as tmp:
        # Preloaded into the metadata before the gateway starts: ~15 s instead of ~3 min.
        files = preload_many_objects("jfsdata", PREFIX, args.count, max_age=timedelta(days=30))
        stack = LocalStack(args.state_dir, prometheus=False, kube=False, seed=False,
                           preload=[files])
        t0 = time.perf_counter()
        stack.start()
        print(f"stack with {args.count:,} objects ready in {time.perf_counter() - t0:.1f}s")
        try:
            config = stack.write_config(Path(tmp) / "config.toml")
            ours_argv = [sys.executable, "-m", "jfsconsole", "--config", str(config), "ls",
                         f"jfsdata/{PREFIX}", "--json"]
            base_argv = [sys.executable, "-c", BASELINE, stack.s3_endpoint, stack.s3_access_key,
                         stack.s3_secret_key, "jfsdata", PREFIX]
            ours_t, base_t, first_ours, first_base = [], [], [], []
            for _ in range(args.runs):
                t, out = timed(base_argv)
                base_t.append(t)
                assert len(json.loads(out)["entries"]) == args.count
                t, out = timed(ours_argv)
                ours_t.append(t)
                assert json.loads(out)["totals"]["objects"] == args.count
                fo, fb = first_page_times(stack, config)
                first_ours.append(fo)
                first_base.append(fb)
        finally:
            stack.stop()

    ours, base = statistics.median(ours_t), statistics.median(base_t)
    ratio = ours / base
    print(f"objects in one prefix         {args.count:,}")
    print(f"first page   jfsconsole       {statistics.median(first_ours) * 1000:8.0f} ms")
    print(f"first page   boto3 paginator  {statistics.median(first_base) * 1000:8.0f} ms")
    print(f"full listing jfsconsole ls --json  {ours:6.2f} s  (runs: "
          + ", ".join(f"{t:.2f}" for t in ours_t) + ")")
    print(f"full listing boto3 loop + json     {base:6.2f} s  (runs: "
          + ", ".join(f"{t:.2f}" for t in base_t) + ")")
    print(f"ratio {ratio:.2f} (target <= {TARGET_RATIO})  {'PASS' if ratio <= TARGET_RATIO else 'FAIL'}")
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
