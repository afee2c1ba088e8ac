"""`doctor`: one line per check of config and each backend, with the fix for each failure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Literal

from jfsconsole.backends.errors import BackendError
from jfsconsole.backends.session import Backends
from jfsconsole.config import Config, Profile

Status = Literal["ok", "warn", "fail", "skip"]


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    message: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _run(name: str, fn: Callable[[], str]) -> Check:
    try:
        return Check(name, "ok", fn())
    except BackendError as exc:
        status: Status = "skip" if exc.kind == "not-configured" else "fail"
        return Check(name, status, exc.message, exc.hint)
    except Exception as exc:  # a doctor must report, not crash
        return Check(name, "fail", f"{type(exc).__name__}: {exc}")


def check_config(config: Config, profile: Profile) -> list[Check]:
    where = str(config.path) if config.path else "no config file (defaults and env only)"
    checks = [Check("config", "ok", f"{where}, profile '{profile.name}'"
                    + (" (read-only)" if profile.ui.read_only else ""))]
    checks += [Check("config", "warn", w, "tighten the file mode or use secret references")
               for w in config.warnings]
    return checks


def check_s3(backends: Backends) -> list[Check]:
    profile = backends.profile
    checks = [_run("s3 gateway", lambda: f"{backends.s3().settings.endpoint} answers, "
                                         f"{backends.s3().ping()} bucket(s) visible")]
    if checks[0].status != "ok" or profile.s3 is None:
        return checks
    bucket, prefix = profile.s3.bucket, profile.s3.prefix

    def dumps_prefix() -> str:
        pages = backends.s3().iter_pages(bucket, prefix)
        first = next(pages, [])
        if not first:
            raise BackendError("s3", f"{bucket}/{prefix} is empty or missing",
                               hint="the cleanup CronJob writes dumpfiles/.keep; "
                                    "check s3.bucket and s3.prefix")
        return f"{bucket}/{prefix} lists ({len(first)} entries in the first page)"

    checks.append(_run("s3 dumps prefix", dumps_prefix))
    if profile.s3.public_endpoint:
        checks.append(Check("s3 public endpoint", "ok",
                            f"links are signed for {profile.s3.public_endpoint}"))
    return checks


def check_prometheus(backends: Backends) -> list[Check]:
    checks = [_run("prometheus", lambda: f"{backends.prometheus().settings.url} answers "
                                         f"(version {backends.prometheus().ping()})")]
    if checks[0].status != "ok":
        return checks

    def volume_stats() -> str:
        prom = backends.prometheus()
        selector = prom.with_matchers("")
        samples = prom.query(f"count(kubelet_volume_stats_used_bytes{{{selector}}})")
        count = int(samples[0].value) if samples else 0
        if count == 0:
            raise BackendError("prometheus", "no kubelet_volume_stats_used_bytes series",
                               hint="kubelet metrics are not scraped, or prometheus.matchers "
                                    "filters them all out")
        return f"{count} PVC series of kubelet_volume_stats_used_bytes"

    checks.append(_run("prometheus volume stats", volume_stats))
    return checks


def check_kube(backends: Backends) -> list[Check]:
    def reach() -> str:
        kube = backends.kube()
        version = kube.ping()  # loads the kubeconfig, so server and context are known after
        return (f"{kube.server} answers ({version}, context {kube.context_name}), "
                f"pods in {kube.settings.namespace} can be listed")

    return [_run("kubernetes", reach)]


def run_doctor(config: Config, profile: Profile, backends: Backends) -> list[Check]:
    return (check_config(config, profile) + check_s3(backends) + check_prometheus(backends)
            + check_kube(backends))
