"""The Dask cluster of a partitioned run: connect or start one, run tasks, gather results.

A partitioned run (:mod:`harbor_planner.pipeline.partition`) hands its parts to
dask.distributed: :func:`open_cluster` connects to a running scheduler (``dask scheduler``
and ``dask worker`` on other machines) or starts a ``LocalCluster`` of worker processes bound
to 127.0.0.1; :func:`run_tasks` submits one task per part (Dask retries a failed task), shows
one progress bar over the parts, cancels the tasks when the client is interrupted and raises
:class:`~harbor_planner.errors.PartFailedError` naming the part that failed on every try.
The record of the cluster (:class:`ClusterInfo`) never holds credentials.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from harbor_planner._io import own_work_folder
from harbor_planner._safety import raise_if_interrupted
from harbor_planner._text import one_line, strip_url_credentials
from harbor_planner.errors import DependencyError, PartFailedError, UsageError
from harbor_planner.settings import (
    LOCAL_CLUSTER_CONFIG,
    NO_WORKERS_TIMEOUT_S,
    PARTITION_RETRIES,
    WORKER_WATCH_S,
)

__all__ = ["ClusterInfo", "open_cluster", "public_address", "run_tasks", "worker_address"]

log = logging.getLogger(__name__)


def public_address(address: str | None) -> str | None:
    """A scheduler address fit for records: ``tcp://user:pass@host:8786`` → ``tcp://host:8786``.

    Parameters
    ----------
    address
        The address, or ``None``.

    Returns
    -------
    str or None

    """
    if address is None:
        return None
    return _QUERY.sub(r"\1", strip_url_credentials(str(address)))  # ?token=... dropped too


#: A query or fragment after an address (``tcp://host:8786?token=...``, ``host:8786?x``),
#: with any path before it (``tcp://host:8786/?password=...``: probe 22D): never recorded;
#: a question mark elsewhere in a message stays.
_QUERY = re.compile(r"(://[^\s?#/;]+|\w:\d+)(?:/[^\s?#;]*)?[;?#]\S*")


@dataclass(frozen=True)
class ClusterInfo:
    """Where a partitioned run's tasks ran (for run.json).

    Attributes
    ----------
    kind
        ``"local"`` (a ``LocalCluster`` started by the run) or ``"scheduler"`` (a running one).
    address
        The scheduler's address, without credentials.
    workers
        Workers connected when the run started.

    """

    kind: str
    address: str | None
    workers: int

    def record(self) -> dict[str, Any]:
        """``{"kind", "scheduler", "workers"}`` for run.json."""
        return {"kind": self.kind, "scheduler": self.address, "workers": self.workers}


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:  # pragma: no cover - a core dependency
        raise DependencyError(
            "partitioned runs need dask.distributed: pip install 'dask[distributed]'"
        ) from None
    return distributed


@contextlib.contextmanager
def open_cluster(
    scheduler: str | None = None, *, workers: int | None = None
) -> Iterator[tuple[Any, ClusterInfo]]:
    """A Dask client: of the scheduler at ``scheduler``, else of a new local cluster.

    The local cluster runs ``workers`` worker processes (default one per CPU) with one thread
    each, bound to 127.0.0.1, without a dashboard; it is closed on leaving the block.

    Parameters
    ----------
    scheduler
        Address of a running scheduler (``tcp://host:8786``), or ``None``.
    workers
        Worker processes of the local cluster.

    Yields
    ------
    (distributed.Client, ClusterInfo)

    Raises
    ------
    PartFailedError
        The scheduler cannot be reached (the address is named without credentials).
    UsageError
        ``scheduler`` is not an address.

    """
    import os
    import shutil

    distributed = _distributed()
    cluster = None
    scratch = None
    try:
        if scheduler is not None and workers is not None:
            log.warning(
                "run.workers (--workers) %d is not used with run.scheduler (--scheduler): the "
                "parts run on that cluster's own workers", workers,
            )  # fmt: skip
        if scheduler is None:
            n = workers or os.cpu_count() or 1
            if n > (os.cpu_count() or 1):  # probe 18D: 64 processes on 2 cores, 7x slower
                log.warning(
                    "%d worker processes on a machine of %d CPUs: each reads the whole walk "
                    "network (memory) and they share the cores; at most one per CPU helps",
                    n, os.cpu_count() or 1,
                )  # fmt: skip
            # the workers' scratch space (Dask's dask-scratch-space, its lock files): removed
            # with the cluster, not left in the temporary folder after every run
            scratch = own_work_folder("hp-dask-")  # one a killed run left: removed
            with _quiet_workers(scratch), _starting(n):
                cluster = distributed.LocalCluster(
                    local_directory=scratch,
                    n_workers=n,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    # the scheduler's HTTP routes (health, metrics) would take port 8787, or warn
                    # and move when another cluster holds it: a free port on 127.0.0.1 instead
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.CRITICAL,  # a failed try is reported once, by run_tasks
                    preload=[__name__],  # dask_setup below: Ctrl-C is the client's to handle
                )
            client = distributed.Client(cluster)
            info = ClusterInfo("local", public_address(cluster.scheduler_address), n)
        else:
            client, info = _remote_client(distributed, scheduler)
        log.info("cluster: %s at %s, %d workers", info.kind, info.address, info.workers)
        with _quiet_client_logs():  # the run says in one line what went wrong
            try:
                yield client, info
            finally:
                client.close()
    finally:
        if cluster is not None:
            cluster.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _remote_client(distributed: Any, scheduler: str) -> tuple[Any, ClusterInfo]:
    """A client of a running scheduler (``--scheduler``), refused in one line when it is none."""
    from urllib.parse import urlsplit

    where = _scheduler_named(scheduler)
    parts = urlsplit(scheduler if "://" in scheduler else f"tcp://{scheduler}")
    if parts.scheme == "tcp" and "@" in parts.netloc:
        raise UsageError(  # Dask takes no user:password@ in an address (said before connecting)
            f"run.scheduler (--scheduler) {public_address(scheduler)}: not a Dask "
            "scheduler address; give tcp://HOST:PORT (credentials are not part of it)"
        )
    if not _answers_like_dask(scheduler):
        raise PartFailedError(
            f"{where} does not answer as a Dask scheduler does (its dashboard's port, or "
            "another program's?); give the address `dask scheduler` prints (tcp://HOST:PORT, "
            "by default port 8786)"
        )
    try:
        with _quiet_client_logs():
            client = distributed.Client(scheduler, timeout="30s")
    except ValueError:  # a malformed address; Dask takes no user:password@ in it
        raise UsageError(
            f"run.scheduler (--scheduler) {public_address(scheduler)}: not a Dask "
            "scheduler address; give tcp://HOST:PORT (credentials are not part of it)"
        ) from None
    except (OSError, TimeoutError, MemoryError) as exc:  # MemoryError: a garbage frame size
        raise PartFailedError(f"cannot reach {where}: {public_address(one_line(exc))}") from None
    except Exception as exc:  # ucx:// without its package: a TypeError of Dask
        raise PartFailedError(
            f"cannot connect to {where}: {type(exc).__name__}: {public_address(one_line(exc))}"
        ) from None
    n = len(client.scheduler_info().get("workers", {}))
    if not n:
        log.warning(
            "%s has no worker yet: the run waits up to %g s for one (start `dask worker "
            "ADDRESS` on the machines that should work)", where, NO_WORKERS_TIMEOUT_S,
        )  # fmt: skip
    return client, ClusterInfo("scheduler", public_address(scheduler), n)


def _scheduler_named(address: str) -> str:
    """The scheduler as messages name it: its address without credentials, and its setting."""
    return f"the Dask scheduler {public_address(address)} (run.scheduler, --scheduler)"


def _answers_like_dask(address: str, timeout_s: float = 10.0) -> bool:
    """Whether a ``tcp://`` address sends what a Dask scheduler sends first on a connection.

    A scheduler writes its handshake at once: 8 bytes giving its number of frames (a few).
    An HTTP server (the dashboard's port) sends nothing until asked, and Dask's client then
    waits forever; other programs send bytes Dask takes for a frame size of exabytes. Only
    a plain TCP address is probed; one that refuses the connection or whose host is unknown
    is said at once (:class:`~harbor_planner.errors.PartFailedError`).
    """
    import socket
    from urllib.parse import urlsplit

    text = address if "://" in address else f"tcp://{address}"
    parts = urlsplit(text)
    if parts.scheme != "tcp" or parts.hostname is None:
        return True
    try:
        with socket.create_connection((parts.hostname, parts.port or 8786), timeout=5) as sock:
            sock.settimeout(timeout_s)
            head = b""
            while len(head) < 8:
                chunk = sock.recv(8 - len(head))
                if not chunk:
                    break
                head += chunk
    except TimeoutError:
        return False
    except OSError as exc:  # refused, no such host: said now (the client retried for 30 s)
        raise PartFailedError(
            f"cannot reach {_scheduler_named(address)}: {exc.strerror or type(exc).__name__}; "
            "start `dask scheduler` there, or give the address it prints (tcp://HOST:PORT)"
        ) from None
    except ValueError:  # a port out of range (the client retried it for 30 s)
        raise UsageError(
            f"run.scheduler (--scheduler) {public_address(address)}: not a Dask scheduler "
            "address (its port is out of range); give tcp://HOST:PORT"
        ) from None
    return len(head) == 8 and 1 <= int.from_bytes(head, "little") <= 64


@contextlib.contextmanager
def _quiet_client_logs() -> Iterator[None]:
    """Dask's client-side loggers silenced (a lost scheduler printed 30 lines of traceback)."""
    names = ("distributed.client", "distributed.core", "distributed.comm", "distributed.utils")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


@contextlib.contextmanager
def _starting(n: int) -> Iterator[None]:
    """Turn a local cluster that cannot start its workers into one line (not Dask's traceback).

    A cluster left half-built (Ctrl-C while its workers start) is closed here; Dask's own
    exit hook would close it again and print the traceback of its failed assertion.
    """
    from distributed.deploy.spec import SpecCluster

    before = set(getattr(SpecCluster, "_instances", ()))
    try:
        yield
    except (RuntimeError, OSError, TimeoutError) as exc:
        _forget_clusters(before)
        raise PartFailedError(
            f"the local Dask cluster could not start its {n} worker process(es): "
            f"{public_address(one_line(exc))} (killed while starting, out of memory, or a "
            "broken Python environment); run again, with fewer --workers or more memory"
            + _script_hint()
        ) from None
    except BaseException:
        _forget_clusters(before)
        raise


def _script_hint() -> str:
    """The ``__main__`` guard, when the run was started by a Python script (probe 22D).

    The workers are spawned processes that import the script: at its top level, each one
    runs the study again and dies, which Dask says as "Nanny failed to start".
    """
    import sys
    from pathlib import Path

    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    name = Path(path).name if path else ""
    if (
        not path
        or getattr(main, "__package__", None)
        or name == "__main__.py"
        or (Path(path).stem == "harbor-planner")
    ):  # (a launcher's zipped __main__.py, as on Windows: probe 22R)
        return ""  # the command line (harbor-planner, python -m harbor_planner)
    return (
        f"; or, from a Python script ({Path(path).name}), the run is not under "
        '`if __name__ == "__main__":` (the workers are spawned processes that import it)'
    )


def _forget_clusters(before: set[Any]) -> None:
    """Close the local clusters made since ``before`` and take them off Dask's exit hook."""
    from distributed.deploy.spec import SpecCluster

    instances = getattr(SpecCluster, "_instances", None)
    for cluster in set(instances or ()) - before:
        with contextlib.suppress(Exception):
            cluster.close(timeout=5)
        instances.discard(cluster)


def dask_setup(worker: Any) -> None:
    """On each worker process of a local cluster (a Dask preload): ignore Ctrl-C (SIGINT).

    A terminal's Ctrl-C reaches every process of its group: the workers of a local cluster
    printed their own KeyboardInterrupt tracebacks (about 100 lines) before the client's one
    line. The client cancels the tasks and closes the cluster, which stops the workers.

    Parameters
    ----------
    worker
        The Dask worker (unused).

    """
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _quiet_workers(scratch: str) -> contextlib.AbstractContextManager[Any]:
    """Dask settings of the local cluster's processes: no dashboard work while parts run.

    The workers' statistical profiler (10 ms samples that hold the GIL) and the frequent
    monitors serve the dashboard, which a local cluster here does not start; on a machine
    whose cores all run parts they take time from the parts. Dask's scratch space (its lock
    files) goes to ``scratch``, removed with the cluster.
    """
    import dask

    return dask.config.set({**LOCAL_CLUSTER_CONFIG, "temporary-directory": scratch})


def run_tasks(
    client: Any,
    fn: Callable[[Any], Any],
    tasks: Sequence[Any],
    names: Sequence[str],
    *,
    desc: str = "parts",
    label: str = "part",
    progress: bool | None = None,
    retries: int = PARTITION_RETRIES,
) -> list[Any]:
    """Run ``fn(task)`` for every task on the cluster; results in the order of ``tasks``.

    Parameters
    ----------
    client
        A ``distributed.Client``.
    fn
        A module-level function (the workers import it by name).
    tasks
        Its arguments, small and picklable (paths and settings, not data).
    names
        The part each task is for (messages name it).
    desc
        The progress bar's label.
    label
        What a part is called in messages (``district``, ``part``).
    progress
        Progress bars: ``None`` on terminals only, ``False`` never.
    retries
        Times Dask runs a failed task again.

    Returns
    -------
    list
        ``fn(task)`` of each task.

    Raises
    ------
    PartFailedError
        A task failed on every try: the message names its part and the last error.
    KeyboardInterrupt
        The client was interrupted: the tasks are cancelled first.

    """
    from tqdm import tqdm

    distributed = _distributed()
    futures = [
        client.submit(fn, task, retries=retries, pure=False, key=f"{desc}-{i}-{_token()}")
        for i, task in enumerate(tasks)
    ]
    position = {f.key: i for i, f in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    bar = tqdm(total=len(futures), desc=desc, unit="part", leave=False, disable=_disabled(progress))
    watch = _WorkerWatch(client)
    try:
        for future in _completed(distributed, futures, watch):
            i = position[future.key]
            if future.status != "finished":
                exc = future.exception() if future.status == "error" else None
                if exc is None:  # lost or cancelled: the scheduler went away, no part failed
                    raise PartFailedError(_lost(client, f"{label} {names[i]}", future.status))
                raise PartFailedError(_failure(exc, f"{label} {names[i]}", retries))
            results[i] = future.result()
            future.release()  # the worker frees the part's result once the client holds it
            bar.update(1)
            raise_if_interrupted()  # Ctrl-C landing in a Dask callback is dropped there
        if watch.gone:
            left = [names[position[f.key]] for f in futures if f.status == "pending"]
            raise PartFailedError(watch.message(f"{label} {left[0]}" if left else label))
    except BaseException:
        # an error or an interrupt (KeyboardInterrupt, SIGTERM): stop every task still queued
        client.cancel(futures)
        raise
    finally:
        bar.close()
    return results


class _WorkerWatch:
    """Whether the cluster has had no worker for :data:`~settings.NO_WORKERS_TIMEOUT_S`.

    Dask keeps a task without a worker waiting for one; a local cluster whose worker
    processes die while (re)starting (killed, out of memory at import) gives up restarting
    them, and the run would wait forever without a word.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.since: float | None = None
        self.gone = False

    def check(self) -> bool:
        """Whether to stop waiting (no worker for too long)."""
        import time

        try:
            n = len(self.client.nthreads())
        except (OSError, TimeoutError):  # the scheduler itself is gone
            n = 0
        now = time.monotonic()
        self.since = None if n else (self.since if self.since is not None else now)
        self.gone = self.since is not None and now - self.since >= NO_WORKERS_TIMEOUT_S
        return self.gone

    def message(self, part: str) -> str:
        if getattr(self.client, "cluster", None) is None:  # a running scheduler (probe 22D)
            address = public_address(getattr(self.client.scheduler, "address", None))
            return (
                f"{part} cannot run: the scheduler {address} has had no worker for "
                f"{NO_WORKERS_TIMEOUT_S:g} s; start `dask worker {address}` on machines that "
                "see run.work_dir (or check that the workers reach the scheduler)"
            )
        return (
            f"{part} cannot run: the cluster has had no worker for {NO_WORKERS_TIMEOUT_S:g} s "
            "(its worker processes died and were not restarted: killed, or out of memory "
            "while starting); run again, with fewer --workers or more memory"
        )


def _completed(distributed: Any, futures: list[Any], watch: _WorkerWatch) -> Iterator[Any]:
    """The futures as they complete; stops early when ``watch`` finds no worker left.

    Polled (every 50 ms while none is ready) rather than blocked on: a blocked wait has no
    deadline, and ``distributed.wait`` needs a default client, which is gone with a lost
    scheduler.
    """
    import time

    done = distributed.as_completed(futures)
    last = time.monotonic()
    while not done.is_empty():
        if done.has_ready():
            watch.since = None
            last = time.monotonic()
            yield from done.next_batch(block=False)
        elif time.monotonic() - last >= WORKER_WATCH_S:
            last = time.monotonic()
            if watch.check():
                return
        else:
            time.sleep(0.05)


#: The longest error text of a failed part quoted in its message.
_MAX_ERROR_CHARS = 240


def _failure(exc: BaseException, part: str, retries: int) -> str:
    """The message of a part whose task failed for good (an error, or its workers died)."""
    text = f"{type(exc).__name__}: {public_address(one_line(exc))}"
    if len(text) > _MAX_ERROR_CHARS:  # Dask's KilledWorker explains itself with a link
        text = text[: _MAX_ERROR_CHARS - 3].rstrip() + "..."
    if type(exc).__name__ == "KilledWorker":  # Dask's allowed-failures, not our retries
        return (
            f"{part} failed: the worker processes running it died (killed, or out of memory: "
            f"give the workers more memory or make the parts smaller); {text}"
        )
    tries = f"{retries + 1} times (a partitioned run's part task, retried by Dask)"
    return f"{part} failed {tries}; last error: {text}"


def _lost(client: Any, part: str, status: str) -> str:
    """The message of a run whose scheduler went away (its futures lost, not failed)."""
    try:
        address = public_address(str(client.scheduler.address))
    except AttributeError:
        address = "(unknown)"
    return (
        f"lost the Dask scheduler {address} while {part} ran (its task is {status}: the "
        "scheduler stopped or the connection to it broke, no part failed); check that the "
        "scheduler runs, then run again"
    )


def _token() -> str:
    import uuid

    return uuid.uuid4().hex[:12]


def _disabled(progress: bool | None) -> bool | None:
    return None if progress is None else not progress


def worker_address(outside: str = "local") -> str:
    """The address of the Dask worker running the caller, or ``outside`` when not on a worker.

    Parameters
    ----------
    outside
        What to return in a process that is no Dask worker (the client, a plain call).

    Returns
    -------
    str

    """
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return outside
