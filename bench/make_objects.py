"""Create a sandbox holding many objects in one prefix, for the listing benchmarks.

    python bench/make_objects.py                       # 100,000 objects in jfsdata/dumpfiles/
    python bench/make_objects.py --count 1500 --method sync --keep --config /tmp/bench.toml

Methods, fastest first (measured on the 2-CPU dev VM, numbers vary with load):
  preload  juicefs load of a metadata dump before the gateway starts; sparse files (zeros)
           100,000 objects: 10-20 s
  sync     juicefs sync from a staging dir into the running volume; valid tiny hprof files
           1,500: ~2 s; 100,000: ~170 s
  put      boto3 PUTs from 16 threads through the gateway
           1,500: ~10 s
Every method spreads mtimes over --max-age-days (except put: upload time).
With --keep the stack stays up until Ctrl-C; --config writes a jfsconsole config for it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jfsconsole.sandbox.procs import SandboxError
from jfsconsole.sandbox.seed import make_many_objects, preload_many_objects
from jfsconsole.sandbox.stack import LocalStack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--bucket", default="jfsdata")
    parser.add_argument("--prefix", default="dumpfiles/")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--max-age-days", type=float, default=7.0)
    parser.add_argument("--method", choices=("preload", "sync", "put"), default="preload")
    parser.add_argument("--state-dir", type=Path, default=None)
    parser.add_argument("--config", type=Path, default=None, help="write a jfsconsole config")
    parser.add_argument("--keep", action="store_true", help="stay up until Ctrl-C")
    parser.add_argument("--prometheus", action="store_true", help="also start Prometheus")
    parser.add_argument("--json", action="store_true", help="print timings as JSON")
    args = parser.parse_args(argv)

    max_age = timedelta(days=args.max_age_days)
    preload = []
    if args.method == "preload":
        preload = [preload_many_objects(args.bucket, args.prefix, args.count, size=args.size,
                                        max_age=max_age)]
    timings: dict[str, float] = {}
    started = time.monotonic()
    stack = LocalStack(args.state_dir, prometheus=args.prometheus, kube=args.keep,
                       wait_for_scrape=False, preload=preload)
    try:
        stack.start()
        timings["stack_start_s"] = round(time.monotonic() - started, 2)
        t = time.monotonic()
        if args.method == "sync":
            assert stack.volume is not None
            make_many_objects(stack.volume, args.bucket, args.prefix, args.count,
                              size=args.size, max_age=max_age)
        elif args.method == "put":
            make_many_objects(stack.s3_client(), args.bucket, args.prefix, args.count,
                              size=args.size)
        timings["create_s"] = round(time.monotonic() - t, 2)
        timings.update({f"stack_{k}_s": v for k, v in stack.timings.items()})
        report = {"count": args.count, "method": args.method, "bucket": args.bucket,
                  "prefix": args.prefix, "s3_endpoint": stack.s3_endpoint,
                  "state_dir": str(stack.state_dir), **timings}
        if args.config:
            report["config"] = str(stack.write_config(args.config))
        if args.json:
            print(json.dumps(report))
        else:
            for key, value in report.items():
                print(f"{key:>20}: {value}")
        if args.keep:
            print("running; Ctrl-C to stop", file=sys.stderr)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except SandboxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
