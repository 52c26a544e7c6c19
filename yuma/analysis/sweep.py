r"""Run a grid of independent simulations: locally in processes, or on a Dask cluster.

:func:`sweep` calls a function once per point of a grid and gathers the results in a
tidy :class:`pandas.DataFrame`: one row per point, the grid's columns first, then the
result's.

>>> import numpy as np
>>> from yuma.analysis.sweep import sweep
>>> def noisy_square(x, seed):  # module level in real code: see "Functions" below
...     return {"y": x * x + np.random.default_rng(seed).normal(scale=1e-3)}
>>> table = sweep(noisy_square, {"x": [1.0, 2.0]}, n_workers=1)
>>> table.columns.tolist(), table["x"].tolist()
(['x', 'y'], [1.0, 2.0])

Where it runs
    ``n_workers=1`` (or ``scheduler="serial"``): in this process. Otherwise, by default, in
    ``n_workers`` local processes (:class:`concurrent.futures.ProcessPoolExecutor`, spawned,
    default ``os.cpu_count()``). ``scheduler="tcp://host:8786"`` (a Dask scheduler's address)
    or ``client=distributed.Client(...)`` runs the points on that Dask cluster (needs
    ``dask[distributed]``).

Seeds
    Each point gets its own :class:`numpy.random.SeedSequence`, derived from ``seed`` and
    the point's index in the grid (``SeedSequence(seed, spawn_key=index)``, with ``index``
    the tuple of positions along each axis of a dict grid, or ``(i,)`` in a list grid).
    It is passed as ``seed=`` when the function takes a ``seed`` argument (and the grid
    has no ``seed`` column of its own): build generators with
    ``numpy.random.default_rng(seed)``. Results therefore do not depend on the number of
    workers, on the order in which points finish, or on where they run: the same grid and
    seed give the same table, bit for bit.

Functions
    Worker processes receive the function and the grid values by pickling. Functions,
    :class:`yuma.Variant` values and the functions a Variant holds must be importable
    module-level objects (defined at the top level of a module that the workers can
    import), not lambdas, closures or objects defined in a notebook or an interactive
    ``__main__``; :func:`functools.partial` of such a function is fine. A Dask cluster
    pickles with cloudpickle, which is more lenient, but its workers still need this
    package and any module the function lives in. ``n_workers=1`` runs anything.

Failures
    Options (``out=``, the scheduler address, ``client``, counts) are checked before any
    point runs. A point that raises stops the sweep with a :class:`SweepError` naming the
    point. A local worker process that dies (killed, out of memory, a crash in native
    code) takes its unfinished points with it: they run once more in a fresh pool, one at
    a time per worker, and a second death is a :class:`SweepError` naming their indices.

Output
    Grid values that are :class:`yuma.Variant` objects appear in the table by their name;
    other values that are not numbers, strings, bools or None appear as ``repr()``. The
    result of a point is a mapping (one column per key), a :class:`pandas.Series`, or any
    other value (one column, ``result``). ``out="table.parquet"`` (or :func:`to_parquet`)
    writes the table as Parquet (needs ``pyarrow``); :func:`read_parquet` reads it back.
"""

from __future__ import annotations

import inspect
import itertools
import math
import numbers
import os
import pickle
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from .._extras import import_optional, require
from .._outputs import check_output_path, write_atomic
from .._progress import Progress
from .._validation import is_integer
from ..core.variants import Variant

if TYPE_CHECKING:
    from concurrent.futures import Future

    import pandas as pd
    from distributed import Client

_T = TypeVar("_T")
Point = dict[str, Any]
"""One grid point: argument name -> value."""
Row = dict[str, Any]
"""One point's results: column -> value."""
Grid = Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]
"""A grid: a dict of lists (the product) or a list of dicts (the points themselves)."""
_WorkItem = tuple[int, tuple[int, ...], Point]  # (position in the table, grid index, point)
_PointError = tuple[str, int, str, str]  # ("error", position, repr(exception), traceback)

__all__ = [
    "sweep",
    "grid_points",
    "point_seed",
    "to_parquet",
    "read_parquet",
    "SweepError",
    "CONNECT_TIMEOUT",
]


CONNECT_TIMEOUT = "10s"
"""How long :func:`sweep` tries to reach a Dask scheduler given by address."""


class SweepError(RuntimeError):
    """A point of a sweep raised: the message names the point and gives the traceback."""


def grid_points(grid: Grid) -> list[tuple[tuple[int, ...], Point]]:
    """The points of a grid, in order, each with its index.

    Parameters
    ----------
    grid : dict of str to sequence, or sequence of dict
        A dict of lists is the Cartesian product of its values (the first key varies
        slowest); a list of dicts lists the points themselves.

    Returns
    -------
    list of (tuple of int, dict)
        ``(index, point)``: ``index`` is the position along each axis (dict grid) or
        ``(i,)`` (list grid).

    Raises
    ------
    ValueError
        For an empty grid, an axis that is not a non-empty sequence, or a point that is
        not a dict with string keys.
    """
    if isinstance(grid, Mapping):
        if not grid:
            raise ValueError("grid must have at least one axis")
        axes = []
        for key, values in grid.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"grid keys must be non-empty strings, got {key!r}")
            if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
                raise ValueError(
                    f"grid[{key!r}] must be a list of values, got {type(values).__name__}"
                )
            values = list(values)
            if not values:
                raise ValueError(f"grid[{key!r}] is empty")
            axes.append((key, values))
        keys = [k for k, _ in axes]
        ranges = [range(len(v)) for _, v in axes]
        return [
            (idx, {k: axes[a][1][i] for a, (k, i) in enumerate(zip(keys, idx, strict=True))})
            for idx in itertools.product(*ranges)
        ]
    if isinstance(grid, (str, bytes)) or not isinstance(grid, Sequence):
        raise ValueError(
            f"grid must be a dict of lists or a list of dicts, got {type(grid).__name__}"
        )
    if not grid:
        raise ValueError("grid must have at least one point")
    points: list[tuple[tuple[int, ...], Point]] = []
    for i, point in enumerate(grid):
        if not isinstance(point, Mapping) or not all(isinstance(k, str) for k in point):
            raise ValueError(f"grid[{i}] must be a dict with string keys, got {point!r}")
        points.append(((i,), dict(point)))
    return points


def point_seed(seed: int, index: tuple[int, ...]) -> np.random.SeedSequence:
    """The seed sequence of one grid point: ``SeedSequence(seed, spawn_key=index)``.

    Parameters
    ----------
    seed : int
        The sweep's seed (a non-negative integer).
    index : tuple of int
        The point's index (see :func:`grid_points`).

    Returns
    -------
    numpy.random.SeedSequence
    """
    return np.random.SeedSequence(seed, spawn_key=tuple(int(i) for i in index))


def _check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not is_integer(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def _takes_seed(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False
    if "seed" in params and params["seed"].kind is not inspect.Parameter.POSITIONAL_ONLY:
        return True
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _as_row(result: object) -> Row:
    if isinstance(result, Mapping):
        row = dict(result)
    elif type(result).__name__ == "Series" and hasattr(result, "to_dict"):
        row = result.to_dict()
    else:
        return {"result": result}
    for key in row:
        if not isinstance(key, str):
            raise ValueError(f"result keys must be strings, got {key!r}")
    return row


def _run_chunk(
    fn: Callable[..., Any], chunk: list[_WorkItem], seed: int, pass_seed: bool
) -> list[tuple[int, Row]] | _PointError:
    """Run some points in this process; returns [(position, row)] or an error tuple."""
    out = []
    for position, index, point in chunk:
        kwargs = dict(point)
        if pass_seed:
            kwargs["seed"] = point_seed(seed, index)
        try:
            out.append((position, _as_row(fn(**kwargs))))
        except Exception as exc:  # noqa: BLE001 - reported with the point, in the parent
            return ("error", position, repr(exc), traceback.format_exc())
    return out


def _init_worker() -> None:
    """Worker processes: one numba thread each (results do not depend on it)."""
    try:
        import numba

        numba.set_num_threads(1)
    except Exception:  # noqa: BLE001 - a speed setting only
        pass


def _display(value: object) -> object:
    """A grid value as it appears in the table."""
    if isinstance(value, Variant):
        return value.name
    if value is None or isinstance(value, (str, bytes, bool, numbers.Number, np.generic)):
        return value
    return repr(value)


def _check_picklable(fn: Callable[..., Any], points: list[_WorkItem]) -> None:
    module = getattr(fn, "__module__", None)
    main = sys.modules.get("__main__")
    if module == "__main__" and not getattr(main, "__file__", None):
        raise TypeError(
            f"{getattr(fn, '__qualname__', fn)!r} is defined interactively (__main__ without "
            "a file): worker processes cannot import it. Define it in a module, or use "
            "n_workers=1 or a Dask client."
        )
    try:
        pickle.dumps(fn)
        for _, _, point in points[:1]:
            pickle.dumps(point)
    except Exception as exc:  # noqa: BLE001 - reported as a TypeError with advice
        raise TypeError(
            "sweep needs a picklable function and grid values for worker processes: use "
            "importable module-level functions and Variants (no lambdas or closures), or "
            f"n_workers=1 ({exc})"
        ) from exc


def _chunks(items: list[_T], size: int) -> list[list[_T]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _raise_point_error(
    err: _PointError, points: Mapping[int, _WorkItem] | Sequence[_WorkItem]
) -> None:
    _, position, message, tb = err
    point = {k: _display(v) for k, v in points[position][2].items()}
    raise SweepError(f"point {position} {point} raised {message}\n{tb}")


def _run_local(
    fn: Callable[..., Any], work: list[_WorkItem], seed: int, pass_seed: bool, n_workers: int,
    chunksize: int, bar: Progress
) -> list[tuple[int, Row]]:
    """Run the points in local worker processes; a worker that dies costs one retry.

    A worker process can die without an exception to report (killed, out of memory, a
    crash in native code): the pool then breaks and every unfinished task is lost. The
    points not finished by then run once more in a fresh pool, one point per task and at
    most ``n_workers`` in flight, so that a second death pins the point(s) that were
    running. When several were, each runs once more alone (its own fresh process): the
    ones that kill it are reported by index (:class:`SweepError`), not the others that
    happened to run beside them; if none dies alone, all of them are reported.
    """
    chunks = _chunks(work, chunksize)
    results, lost = _run_pool(fn, chunks, seed, pass_seed, min(n_workers, len(chunks)), bar)
    if not lost:
        return results
    retry = [[item] for item in lost]
    more, running = _run_pool(fn, retry, seed, pass_seed, min(n_workers, len(retry)), bar,
                              window=True)
    if running:
        if len(running) > 1:
            alone = [item for item in running
                     if _run_pool(fn, [[item]], seed, pass_seed, 1, bar, window=True)[1]]
            running = alone or running
        positions = sorted(position for position, _, _ in running)
        shown = [{k: _display(v) for k, v in work[p][2].items()} for p in positions[:3]]
        raise SweepError(
            f"a worker process died (killed, out of memory or crashed) while running point(s) "
            f"{positions} {shown}{' ...' if len(positions) > 3 else ''}; each had already "
            "been retried once in a fresh process"
        )
    return results + more


def _run_pool(
    fn: Callable[..., Any], chunks: list[list[_WorkItem]], seed: int, pass_seed: bool, workers: int,
    bar: Progress, *, window: bool = False
) -> tuple[list[tuple[int, Row]], list[_WorkItem]]:
    """One process pool over ``chunks``; returns ``(rows, lost)``.

    ``lost`` lists the points of the tasks that had not finished when a worker died (the
    pool is then broken). With ``window``, at most ``workers`` tasks are in flight, so
    ``lost`` is exactly the points that were running; otherwise it is every unfinished one.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("spawn")
    results: list[tuple[int, Row]] = []
    queue = list(chunks)
    pending: dict[Future[Any], list[_WorkItem]] = {}
    lost: list[_WorkItem] = []
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker) as pool:
        try:
            while (queue or pending) and not lost:
                while queue and (not window or len(pending) < workers):
                    chunk = queue.pop(0)
                    pending[pool.submit(_run_chunk, fn, chunk, seed, pass_seed)] = chunk
                finished, _ = wait(set(pending), return_when=FIRST_COMPLETED)
                for f in finished:
                    chunk = pending.pop(f)
                    try:
                        out = f.result()
                    except BrokenProcessPool:
                        lost.extend(chunk)
                        continue
                    except Exception as exc:  # noqa: BLE001 - e.g. a result that does not pickle
                        positions = [position for position, _, _ in chunk]
                        raise SweepError(
                            f"point(s) {positions} failed in a worker process: {exc!r}"
                        ) from exc
                    if isinstance(out, tuple):
                        _raise_point_error(out, _by_position(chunk))
                    results.extend(out)
                    bar.update(len(out))
        except BaseException:
            for f in pending:
                f.cancel()
            raise
        if lost:
            for f in pending:
                f.cancel()
            lost += [item for c in pending.values() for item in c]
            if not window:
                lost += [item for c in queue for item in c]
    return results, sorted(lost, key=lambda item: item[0])


def _by_position(chunk: list[_WorkItem]) -> dict[int, _WorkItem]:
    """A chunk's points by position (what :func:`_raise_point_error` looks up)."""
    return {position: (position, index, point) for position, index, point in chunk}


def _run_dask(
    fn: Callable[..., Any], work: list[_WorkItem], seed: int, pass_seed: bool, client: Client,
    chunksize: int, bar: Progress
) -> list[tuple[int, Row]]:
    from distributed import as_completed

    chunks = _chunks(work, chunksize)
    futures = [
        client.submit(_run_chunk, fn, c, seed, pass_seed, pure=False) for c in chunks
    ]
    chunk_of = {f.key: c for f, c in zip(futures, chunks, strict=True)}
    results = []
    try:
        for future in as_completed(futures):
            try:
                out = future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: the worker died
                positions = [position for position, _, _ in chunk_of[future.key]]
                raise SweepError(
                    f"point(s) {positions} failed on the Dask cluster: {exc!r}"
                ) from exc
            if isinstance(out, tuple):
                _raise_point_error(out, work)
            results.extend(out)
            bar.update(len(out))
    finally:
        client.cancel([f for f in futures if not f.done()])
    return results


def _dask_client(scheduler: str) -> Client:
    client_class = import_optional("distributed", "a Dask scheduler", extra="sweep").Client
    try:
        client: Client = client_class(scheduler, timeout=CONNECT_TIMEOUT)
        return client
    except Exception as exc:  # noqa: BLE001 - distributed raises many kinds, assert included
        raise ValueError(
            f"scheduler: cannot connect to a Dask scheduler at {scheduler!r} "
            f"({type(exc).__name__}: {exc})"
        ) from None


def _check_scheduler_address(scheduler: str) -> None:
    """A Dask address is ``[protocol://]host:port`` (``inproc://`` addresses aside)."""
    if scheduler in ("processes", "serial") or scheduler.startswith("inproc://"):
        return
    rest = scheduler.split("://", 1)[1] if "://" in scheduler else scheduler
    host, sep, port = rest.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(
            f"scheduler must be 'processes', 'serial' or a Dask scheduler address "
            f"[protocol://]host:port with a port in [1, 65535], got {scheduler!r}"
        )


def sweep(
    fn: Callable[..., Any],
    grid: Grid,
    *,
    seed: int = 0,
    scheduler: str | None = None,
    client: Client | None = None,
    n_workers: int | None = None,
    progress: bool = False,
    chunksize: int | None = None,
    out: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Call ``fn(**point)`` at every point of a grid and gather a tidy table.

    Parameters
    ----------
    fn : callable
        Called with the point's values as keyword arguments, plus ``seed`` (a
        :class:`numpy.random.SeedSequence` for this point, see :func:`point_seed`) when it
        takes one. Returns a mapping of result columns, a pandas Series, or one value
        (column ``result``). Must be an importable module-level object for worker
        processes (see the module docstring).
    grid : dict of str to list, or list of dict
        The points: a Cartesian product (first key slowest) or an explicit list.
    seed : int
        Root of the per-point seeds.
    scheduler : str, optional
        ``None`` or ``"processes"``: local worker processes (in this process when
        ``n_workers`` is 1); ``"serial"``: in this process; otherwise the address of a
        Dask scheduler (``"tcp://host:8786"``).
    client : distributed.Client, optional
        Run on this Dask client (it is not closed).
    n_workers : int, optional
        Local worker processes (default ``os.cpu_count()``).
    progress : bool
        Progress bar on stderr (tqdm when installed).
    chunksize : int, optional
        Points per task (default: about four tasks per worker, at most 64 points each).
    out : str or path-like, optional
        Also write the table to this Parquet file (written only when every point ran).

    Returns
    -------
    pandas.DataFrame
        One row per point in grid order: the grid's columns, then the result's. Its
        ``attrs`` hold the seed and the function's name.

    Raises
    ------
    ValueError
        For a bad grid or argument, a result column that repeats a grid column, or a
        scheduler that cannot be reached.
    TypeError
        When worker processes are asked for and ``fn`` or the grid values do not pickle.
    SweepError
        When ``fn`` raises at a point (the message names the point).
    """
    pd = import_optional("pandas", "yuma.analysis.sweep", extra="sweep")
    if not callable(fn):
        raise ValueError(f"fn must be callable, got {fn!r}")
    seed = _check_seed(seed)
    points = grid_points(grid)
    out = _check_options(n_workers, chunksize, scheduler, client, out, progress)

    pass_seed = _takes_seed(fn) and not any("seed" in p for _, p in points)
    work = [(pos, idx, point) for pos, (idx, point) in enumerate(points)]
    with Progress(len(work), "sweep", unit="points", enabled=bool(progress)) as bar:
        rows = _run_points(fn, work, seed, pass_seed, scheduler, client, n_workers, chunksize, bar)
    table = pd.DataFrame(_table_columns(points, rows))
    table.attrs.update({"seed": seed, "fn": _qualname(fn)})
    if out is not None:
        to_parquet(table, out)
    return table


def _is_positive_int(value: object) -> bool:
    """A positive integer (NumPy's included), not a bool."""
    return (
        not isinstance(value, bool) and is_integer(value) and bool(value >= 1)
    )


def _check_options(
    n_workers: object, chunksize: object, scheduler: object, client: object,
    out: str | os.PathLike[str] | None, progress: object
) -> str | None:
    """Check where and how a sweep runs; return ``out`` as a path (pyarrow needed)."""
    if n_workers is not None and not _is_positive_int(n_workers):
        raise ValueError(f"n_workers must be a positive integer, got {n_workers!r}")
    if chunksize is not None and not _is_positive_int(chunksize):
        raise ValueError(f"chunksize must be a positive integer, got {chunksize!r}")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ValueError(f"scheduler must be a non-empty string, got {scheduler!r}")
    if scheduler is not None:
        _check_scheduler_address(scheduler.strip())
    if client is not None and scheduler not in (None, "processes"):
        raise ValueError("give either scheduler or client, not both")
    if client is not None and not all(
        callable(getattr(client, attr, None)) for attr in ("submit", "scheduler_info", "cancel")
    ):
        raise ValueError(
            f"client must be a distributed.Client, got {type(client).__name__}"
        )
    if out is not None:
        out = check_output_path(out, "out")
        _require_pyarrow()
    if not isinstance(progress, (bool, np.bool_)):
        raise ValueError(f"progress must be a bool, got {progress!r}")
    return out


def _chunk_size(n_points: int, workers: int) -> int:
    """About four tasks per worker, at most 64 points each."""
    return max(1, min(64, math.ceil(n_points / (4 * workers))))


def _run_points(
    fn: Callable[..., Any], work: list[_WorkItem], seed: int, pass_seed: bool,
    scheduler: str | None, client: Client | None, n_workers: int | None, chunksize: int | None,
    bar: Progress
) -> list[tuple[int, Row]]:
    """Run every point on a Dask client, in local worker processes or here.

    Returns ``(position, row)`` pairs in completion order. A client opened here from a
    scheduler address is closed here.
    """
    n = len(work)
    own_client = None
    try:
        if client is None and scheduler not in (None, "processes", "serial"):
            client = own_client = _dask_client(scheduler)
        if client is not None:
            workers = max(1, len(client.scheduler_info().get("workers", {})))
            size = chunksize or _chunk_size(n, workers)
            return _run_dask(fn, work, seed, pass_seed, client, size, bar)
        workers = 1 if scheduler == "serial" else (n_workers or os.cpu_count() or 1)
        if workers == 1 or n == 1:
            return _run_serial(fn, work, seed, pass_seed, bar)
        _check_picklable(fn, work)
        size = chunksize or _chunk_size(n, workers)
        return _run_local(fn, work, seed, pass_seed, workers, size, bar)
    finally:
        if own_client is not None:
            own_client.close()


def _run_serial(
    fn: Callable[..., Any], work: list[_WorkItem], seed: int, pass_seed: bool, bar: Progress
) -> list[tuple[int, Row]]:
    """Run every point in this process, in grid order."""
    rows = []
    for position, index, point in work:
        kwargs = dict(point)
        if pass_seed:
            kwargs["seed"] = point_seed(seed, index)
        try:
            rows.append((position, _as_row(fn(**kwargs))))
        except Exception as exc:
            shown = {k: _display(v) for k, v in point.items()}
            raise SweepError(f"point {position} {shown} raised {exc!r}") from exc
        bar.update(1)
    return rows


def _table_columns(
    points: list[tuple[tuple[int, ...], Point]], rows: list[tuple[int, Row]]
) -> dict[str, list[Any]]:
    """The table's columns in grid order: the grid's, then the results'."""
    rows = sorted(rows, key=lambda r: r[0])
    grid_cols = list(dict.fromkeys(k for _, p in points for k in p))
    result_cols = list(dict.fromkeys(k for _, row in rows for k in row))
    clash = sorted(set(grid_cols) & set(result_cols))
    if clash:
        raise ValueError(f"result columns repeat grid columns: {clash}")
    data = {k: [_display(p.get(k)) for _, p in points] for k in grid_cols}
    for k in result_cols:
        data[k] = [row.get(k) for _, row in rows]
    return data


def _qualname(fn: object) -> str:
    inner = getattr(fn, "func", fn)  # functools.partial
    return f"{getattr(inner, '__module__', '?')}.{getattr(inner, '__qualname__', repr(inner))}"


def _require_pyarrow() -> None:
    require("reading or writing Parquet", "pyarrow", extra="sweep")


def to_parquet(table: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a sweep's table to a Parquet file, atomically (no partial file on error).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`sweep` (its ``attrs`` are kept).
    path : str or path-like
        Destination; its folder must exist.

    Returns
    -------
    None
    """
    _require_pyarrow()
    write_atomic(path, lambda fh: table.to_parquet(fh, engine="pyarrow", index=False))


def read_parquet(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a table written by :func:`to_parquet` (with its ``attrs``).

    Parameters
    ----------
    path : str or path-like
        A Parquet file.

    Returns
    -------
    pandas.DataFrame
    """
    pd = import_optional("pandas", "read_parquet", extra="sweep")
    _require_pyarrow()
    return pd.read_parquet(os.fspath(path), engine="pyarrow")
