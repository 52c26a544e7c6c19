"""The ``yuma`` command.

* ``yuma demo``: run a small subnet's epochs and print a per-UID table;
* ``yuma epoch FILE``: run one epoch on a snapshot (``.npz`` or JSON, see
  :mod:`yuma.io.snapshot`) and print its per-UID table;
* ``yuma scenarios``: list the scenario catalogue;
* ``yuma simulate SCENARIO --variant yuma2 --variant yuma3+la --plot out.png``: run a
  scenario under variants side by side and print each validator's dividends;
* ``yuma guarantees --kappa 0.5 --beta 1 --xi 0.5 --sigma 0.4 --grid 51 --out r.parquet
  --plot map.png``: the chain document's Monte Carlo retention map (honest stake against a
  cabal, :mod:`yuma.analysis.guarantees`) and the honest utility each honest stake share needs.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

import numpy as np

from .._validation import check_output_path
from ..core.run_epoch import epoch
from ..core.variants import VARIANTS
from ..io.snapshot import load_snapshot
from ..params import YumaParams
from ..result import EpochResult

__all__ = ["main", "demo_inputs", "format_table"]

_COLUMNS = (
    ("stake", "stake"),
    ("validator_permit", "permit"),
    ("validator_trust", "v_trust"),
    ("consensus", "consensus"),
    ("incentive", "incentive"),
    ("dividends", "dividends"),
    ("emission", "emission"),
)


def demo_inputs(
    n_validators: int = 4, n_miners: int = 8, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A small subnet in the chain's square form: validators first, then miners.

    Validators share a noisy view of the miners' quality; the last validator favours
    the last miner (a would-be cabal) and is clipped by consensus.

    Parameters
    ----------
    n_validators, n_miners : int
        Sizes (``n_validators >= 1``).
    seed : int
        Seed of the weight noise.

    Returns
    -------
    weights, stake : numpy.ndarray
        ``weights`` is (n, n) with ``n = n_validators + n_miners``; ``stake`` has length n.
    """
    rng = np.random.default_rng(seed)
    n = n_validators + n_miners
    quality = np.linspace(1.0, 2.0, n_miners)
    weights = np.zeros((n, n))
    for i in range(n_validators):
        weights[i, n_validators:] = quality * rng.uniform(0.9, 1.1, n_miners)
    weights[n_validators - 1, n_validators:] = 0.0
    weights[n_validators - 1, -1] = 1.0
    stake = np.zeros(n)
    stake[:n_validators] = np.geomspace(4000.0, 500.0, n_validators)
    return weights, stake


def format_table(result: EpochResult) -> str:
    """Format an epoch result as a fixed-width per-UID table.

    Parameters
    ----------
    result : EpochResult
        The epoch to show.

    Returns
    -------
    str
    """
    cols = result.per_uid()
    header = "uid " + " ".join(f"{label:>10}" for _, label in _COLUMNS)
    lines = [header, "-" * len(header)]
    for uid in range(result.n_uids):
        cells = []
        for key, _ in _COLUMNS:
            value = cols[key][uid]
            if key == "validator_permit":
                cells.append(f"{'yes' if value else 'no':>10}")
            else:
                cells.append(f"{value:10.6f}")
        lines.append(f"{uid:>3} " + " ".join(cells))
    totals = (
        f"sum {'':>10} {'':>10} {'':>10} {'':>10} {cols['incentive'].sum():10.6f} "
        f"{cols['dividends'].sum():10.6f} {cols['emission'].sum():10.6f}"
    )
    lines += ["-" * len(header), totals]
    return "\n".join(lines)


DEMO_MAX_UIDS = 4096
"""Largest subnet ``yuma demo`` builds (``--validators`` plus ``--miners``)."""


def _demo_error(args: argparse.Namespace) -> str | None:
    """What is wrong with ``yuma demo``'s options, or None."""
    if args.validators < 1:
        return f"--validators must be >= 1, got {args.validators}"
    if args.miners < 0:
        return f"--miners must be >= 0, got {args.miners}"
    if args.validators + args.miners > DEMO_MAX_UIDS:
        return (f"--validators plus --miners must be at most {DEMO_MAX_UIDS}, got "
                f"{args.validators + args.miners}")
    if args.epochs < 1:
        return f"--epochs must be >= 1, got {args.epochs}"
    if args.seed < 0:
        return f"--seed must be >= 0, got {args.seed}"
    return None


def _demo(args: argparse.Namespace) -> int:
    problem = _demo_error(args)
    if problem is not None:
        print(f"yuma demo: error: {problem}", file=sys.stderr)
        return 2
    weights, stake = demo_inputs(args.validators, args.miners, args.seed)
    params = YumaParams(variant=args.variant, liquid_alpha=args.liquid_alpha)
    bonds = None
    permits = None
    for _ in range(args.epochs):
        result = epoch(weights, stake, bonds, params=params, validator_permit=permits)
        bonds, permits = result.bonds, result.validator_permit
    print(
        f"yuma demo: {args.validators} validators + {args.miners} miners, "
        f"variant={params.variant}, liquid_alpha={params.liquid_alpha}, "
        f"epoch {args.epochs} of {args.epochs} (bonds carried)"
    )
    print(format_table(result))
    return 0


def _epoch_file(args: argparse.Namespace) -> int:
    try:
        inputs = load_snapshot(args.file)
        if args.variant is not None:
            inputs["params"] = dataclasses.replace(inputs["params"], variant=args.variant)
        result = epoch(**inputs)
    except ValueError as exc:
        print(f"yuma epoch: error: {exc}", file=sys.stderr)
        return 2
    params = inputs["params"]
    print(
        f"yuma epoch {args.file}: {result.n_uids} UIDs, variant={result.variant}, "
        f"liquid_alpha={params.liquid_alpha}, kappa={params.kappa:.6g}"
    )
    print(format_table(result))
    return 0


def _scenarios(args: argparse.Namespace) -> int:
    from ..sim.scenarios import CATALOGUE

    width = max(len(name) for name in CATALOGUE)
    for name, scenario in CATALOGUE.items():
        summary = " ".join(scenario.description.split())
        if len(summary) > 90:
            summary = summary[:87].rsplit(" ", 1)[0] + "..."
        shape = f"{scenario.n_epochs} epochs, {scenario.n_rows}x{scenario.n_cols}"
        print(f"{name:<{width}}  {shape:<18}  {summary}")
    return 0


def format_simulation_summary(sims: dict) -> str:
    """Per-validator dividends of each simulation, side by side.

    Per variant: ``D``, the validator's share of all dividends paid over the run, and
    ``D/S``, that share over its average stake share (1: paid in proportion to stake).
    The copier ratio G follows when the scenario has a weight copier.

    Parameters
    ----------
    sims : dict of str to Simulation
        By variant label, all of the same scenario.

    Returns
    -------
    str
    """
    from ..sim import metrics

    first = next(iter(sims.values()))
    head = "uid  role     " + " ".join(f"{lb + ' D':>14} {lb + ' D/S':>14}" for lb in sims)
    lines = [head, "-" * len(head)]
    columns = {}
    for label, sim in sims.items():
        paid, staked = sim.dividends.sum(axis=0), sim.stake.sum(axis=0)
        share = paid / paid.sum() if paid.sum() > 0 else paid
        relative = np.full_like(share, np.nan)
        np.divide(share, staked / staked.sum(), out=relative, where=staked > 0)
        columns[label] = (share, relative)
    for i in metrics.validator_rows(first):
        cells = " ".join(
            f"{columns[lb][0][i]:14.4f} {columns[lb][1][i]:14.4f}" for lb in sims
        )
        lines.append(f"{i:>3}  {first.roles[i]:<8} {cells}")
    if first.copiers:
        g = "  ".join(f"{lb}: {metrics.copier_ratio(sim):.4f}" for lb, sim in sims.items())
        lines.append(f"copier ratio G   {g}")
    return "\n".join(lines)


def _simulate(args: argparse.Namespace) -> int:
    from ..analysis import compare
    from ..sim.scenarios import get_scenario

    variants = args.variant or ["yuma2", "yuma3", "yuma3+la"]
    try:
        candidates = [compare.resolve_candidate(v) for v in variants]
        scenario = get_scenario(args.scenario)
        _check_output(args.plot, "--plot", (".png", ".pdf", ".svg"))
        progress = args.progress if args.progress is not None else scenario.n_epochs >= 200
        sims = compare.run_candidates(scenario, candidates, epochs=args.epochs, progress=progress)
    except ValueError as exc:
        print(f"yuma simulate: error: {exc}", file=sys.stderr)
        return 2
    first = next(iter(sims.values()))
    print(f"yuma simulate {scenario.name}: {first.n_epochs} epochs, {first.n_uids} UIDs")
    print(format_simulation_summary(sims))
    if args.plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        from ..sim.plot import plot_simulations

        fig = plot_simulations(sims)
        fig.savefig(args.plot, dpi=110)
        print(f"figure written to {args.plot}")
    return 0


def _check_output(path: str | None, option: str, suffixes: tuple[str, ...]) -> None:
    """Before any work: ``path`` names a file of this kind in a folder that takes writes."""
    if path is not None:
        check_output_path(path, option, suffixes=suffixes)


def _parse_stakes(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"--stakes must be comma-separated numbers, got {text!r}") from None
    if not values:
        raise ValueError("--stakes must list at least one honest stake share")
    return values


def _guarantees(args: argparse.Namespace) -> int:
    from ..analysis import guarantees as g
    from ..analysis.sweep import SweepError

    def fail(message: str) -> int:
        print(f"yuma guarantees: error: {message}", file=sys.stderr)
        return 2

    try:
        stakes, params, highlight = _guarantees_settings(args)
    except (ValueError, ImportError) as exc:
        return fail(str(exc))
    progress = args.progress if args.progress is not None else stakes.size * args.grid**2 >= 5000
    try:
        table = g.grid_frame(
            stakes, args.grid, seed=args.seed, noise=args.noise, n_workers=args.workers,
            scheduler=args.scheduler, progress=progress, **params,
        )
    except ValueError as exc:  # e.g. an unreachable scheduler
        return fail(str(exc))
    except SweepError as exc:
        print(f"yuma guarantees: a grid point failed: {exc}", file=sys.stderr)
        return 1
    rmap = g.RetentionMap.from_frame(table)
    _print_retention(args, rmap)
    _write_guarantees_outputs(args, table, rmap, highlight)
    return 0


def _guarantees_settings(args: argparse.Namespace) -> tuple[np.ndarray, dict, float]:
    """Check ``yuma guarantees``'s options: the stakes, the epoch settings, the highlight."""
    from ..analysis import guarantees as g

    stakes = g._stakes(_parse_stakes(args.stakes)) if args.stakes else np.array(
        g.DEFAULT_STAKES
    )
    if args.grid < 2:
        raise ValueError(f"--grid must be >= 2, got {args.grid}")
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    if args.workers is not None and args.scheduler is not None:
        raise ValueError("give --workers (local processes) or --scheduler (Dask), not both")
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    params = g._settings(
        args.uids, args.validators, args.kappa, args.beta, args.xi, args.sigma,
        args.sigma_stake, args.epochs, args.variant, args.liquid_alpha,
    )
    _check_output(args.out, "--out", (".parquet",))
    _check_output(args.plot, "--plot", (".png", ".pdf", ".svg"))
    if args.out is not None:
        from ..analysis.sweep import _require_pyarrow

        _require_pyarrow()
    highlight = args.highlight
    if highlight is None:
        highlight = 0.6 if np.isclose(stakes, 0.6).any() else float(stakes[0])
    elif not np.isclose(stakes, highlight).any():
        raise ValueError(f"--highlight {highlight} is not among the stakes {stakes.tolist()}")
    if args.plot is not None:
        import matplotlib

        matplotlib.use("Agg")
    return stakes, params, highlight


def _print_retention(args: argparse.Namespace, rmap) -> None:
    """The settings, then per honest stake the honest utility needed and the cabal's."""
    print(
        f"yuma guarantees: {args.uids} UIDs ({args.validators} validators), "
        f"kappa={args.kappa:g} beta={args.beta:g} xi={args.xi:g} sigma_W={args.sigma:g}, "
        f"variant={args.variant}, {args.epochs} epoch(s), grid {args.grid}x{args.grid}, "
        f"seed {args.seed} ({args.noise} noise)"
    )
    print(f"{'S_H':>6} {'W_H needed':>11} {'cabal W_C':>10}")
    for s in rmap.stakes:
        need, wc = rmap.required_utility(float(s))
        shown = f"{need:11.3f}" if np.isfinite(need) else f"{'> 1':>11}"
        print(f"{s:6.2f} {shown} {wc:10.2f}")


def _write_guarantees_outputs(args: argparse.Namespace, table, rmap, highlight: float) -> None:
    """Write the table and the figure; the figure appears only once both are written."""
    import os

    tmp_plot = None
    try:
        if args.plot is not None:
            from ..analysis.guarantees import plot_panel

            fig = plot_panel({f"yuma guarantees (seed {args.seed})": rmap}, s_h=highlight)
            root, ext = os.path.splitext(args.plot)
            tmp_plot = f"{root}.tmp-{os.getpid()}{ext}"
            fig.savefig(tmp_plot, dpi=100)
        if args.out is not None:
            from ..analysis.sweep import to_parquet

            to_parquet(table, args.out)
            print(f"table written to {args.out}")
        if tmp_plot is not None:
            os.replace(tmp_plot, args.plot)
            tmp_plot = None
            print(f"figure written to {args.plot}")
    finally:
        if tmp_plot is not None and os.path.exists(tmp_plot):
            os.remove(tmp_plot)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``yuma`` command (a closed pipe, as with ``| head``, ends it quietly).

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status.
    """
    try:
        return _main(argv)
    except BrokenPipeError:
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: list[str] | None = None) -> int:
    """Entry point of the ``yuma`` command.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status.
    """
    from . import compare as compare_cli

    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "guarantees":
        return _guarantees(args)
    if args.command == "compare":
        return compare_cli.run(args)
    if args.command == "scenarios":
        return _scenarios(args)
    if args.command == "simulate":
        return _simulate(args)
    if args.command == "epoch":
        return _epoch_file(args)
    if args.command == "demo":
        return _demo(args)
    return 2  # pragma: no cover - argparse enforces a command


class _OneLineParser(argparse.ArgumentParser):
    """argparse whose refusals are one line on stderr (``yuma demo: error: ...``), exit 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    """The ``yuma`` command's parser: one subcommand each."""
    from . import compare as compare_cli

    parser = _OneLineParser(prog="yuma", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_demo(sub)
    _add_epoch(sub)
    sub.add_parser("scenarios", help="list the scenario catalogue")
    _add_simulate(sub)
    _add_guarantees(sub)
    compare_cli.add_parser(sub)
    return parser


def _add_progress_options(parser: argparse.ArgumentParser) -> None:
    """``--progress`` / ``--no-progress`` (default: decided by the size of the run)."""
    bar = parser.add_mutually_exclusive_group()
    bar.add_argument("--progress", action="store_true", default=None, help="progress bar")
    bar.add_argument("--no-progress", dest="progress", action="store_false")


def _add_demo(sub) -> None:
    """``yuma demo``."""
    demo = sub.add_parser("demo", help="run a small subnet's epoch and print a per-UID table")
    demo.add_argument("--variant", default="yuma3", choices=sorted(VARIANTS))
    demo.add_argument("--liquid-alpha", action="store_true", help="turn liquid alpha on")
    demo.add_argument("--validators", type=int, default=4)
    demo.add_argument("--miners", type=int, default=8)
    demo.add_argument("--epochs", type=int, default=3, help="epochs to run, carrying bonds")
    demo.add_argument("--seed", type=int, default=0)


def _add_epoch(sub) -> None:
    """``yuma epoch FILE``."""
    one = sub.add_parser("epoch", help="run one epoch on a snapshot file (.npz or .json)")
    one.add_argument("file", help="snapshot: weights, stake, optional bonds and params")
    one.add_argument("--variant", choices=sorted(VARIANTS), help="override params.variant")


def _add_simulate(sub) -> None:
    """``yuma simulate SCENARIO``."""
    sim = sub.add_parser("simulate", help="run a scenario under variants side by side")
    sim.add_argument("scenario", help="a name from `yuma scenarios`")
    sim.add_argument(
        "--variant",
        action="append",
        help="a preset (yuma2, yuma3, yuma3+la, yuma2_liquid_alpha_v1) or a variant as "
        "module:attribute; repeat for several (default: yuma2, yuma3, yuma3+la)",
    )
    sim.add_argument("--epochs", type=int, help="run only the first EPOCHS epochs")
    sim.add_argument("--plot", help="write a figure (.png, .pdf or .svg)")
    _add_progress_options(sim)


def _add_guarantees(sub) -> None:
    """``yuma guarantees``."""
    gua = sub.add_parser(
        "guarantees",
        help="Monte Carlo retention map: honest stake against a cabal (yuma.guarantees)",
    )
    gua.add_argument("--kappa", type=float, default=0.5, help="consensus majority (0.5)")
    gua.add_argument("--beta", type=float, default=1.0, help="bonds penalty (1)")
    gua.add_argument("--xi", type=float, default=0.5, help="validator emission ratio (0.5)")
    gua.add_argument("--sigma", type=float, default=0.4, help="weight noise sigma_W (0.4)")
    gua.add_argument("--sigma-stake", type=float, default=0.3, help="stake noise (0.3)")
    gua.add_argument("--grid", type=int, default=51, help="points per weight axis (51)")
    gua.add_argument("--stakes", help="honest stake shares, comma-separated "
                     "(default 0.51,0.55,0.6,...,0.95,0.99)")
    gua.add_argument("--epochs", type=int, default=1, help="epochs per point (1)")
    gua.add_argument("--variant", default="yuma2", choices=sorted(VARIANTS),
                     help="epoch variant (yuma2: the document's)")
    gua.add_argument("--liquid-alpha", action="store_true", help="turn liquid alpha on")
    gua.add_argument("--uids", type=int, default=512, help="UIDs (512)")
    gua.add_argument("--validators", type=int, default=64, help="validators (64)")
    gua.add_argument("--seed", type=int, default=0)
    gua.add_argument("--noise", choices=["common", "independent"], default="common",
                     help="one noise draw for all points (common) or one per point")
    gua.add_argument("--workers", type=int, help="local worker processes (default: all cores)")
    gua.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786")
    gua.add_argument("--out", help="write the tidy table (.parquet)")
    gua.add_argument("--plot", help="write the emission map and retention lines "
                     "(.png, .pdf or .svg)")
    gua.add_argument("--highlight", type=float,
                     help="honest stake of the plotted emission map (default 0.6)")
    _add_progress_options(gua)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
