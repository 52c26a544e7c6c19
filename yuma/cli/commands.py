"""The ``yuma`` command.

* ``yuma demo``: run a small subnet's epochs and print a per-UID table;
* ``yuma epoch FILE``: run one epoch on a snapshot (``.npz``, JSON or a simulator dump
  ``.pt``, see :mod:`yuma.io.snapshot`) and print its top rows by emission;
* ``yuma replay FILE...``: a subnet's snapshots through the epoch under variants side by side
  (:mod:`yuma.cli.replay`);
* ``yuma diagnose FILE...``: the copy-risk sweep, commit-reveal delay x liquid-alpha range
  (:mod:`yuma.cli.diagnose`);
* ``yuma scenarios``: list the scenario catalogue;
* ``yuma simulate SCENARIO --variant yuma2 --variant yuma3+la --plot out.png``: run a
  scenario under variants side by side and print each validator's dividends;
* ``yuma guarantees --kappa 0.5 --beta 1 --xi 0.5 --sigma 0.4 --grid 51 --out r.parquet
  --plot map.png``: the chain document's Monte Carlo retention map (honest stake against a
  cabal, :mod:`yuma.analysis.guarantees`) and the honest utility each honest stake share needs;
* ``yuma influence FILE --value incentive-l1``: the validators ranked by Shapley value and by
  removal impact on one epoch (:mod:`yuma.analysis.influence`; ``yuma/cli/influence.py``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Collection
from typing import Any

import numpy as np

from .._extras import DISTRIBUTION, MissingExtraError, install_command, require
from .._outputs import FIGURE_SUFFIXES, check_output_path, render_figure, write_atomic
from .._progress import progress_default
from .._table import Format
from .._table import format_table as _format_columns
from .._version import __version__
from ..core.run_epoch import epoch
from ..core.variants import VARIANTS
from ..params import YumaParams
from ..result import EpochResult
from ._options import HelpFormatter, add_progress_options, subparser, write_plot

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
    """Format an epoch result as a fixed-width per-UID table, with the totals under it.

    Parameters
    ----------
    result : EpochResult
        The epoch to show.

    Returns
    -------
    str
    """
    cols = result.per_uid()
    columns: dict[str, Collection[Any]] = {"uid": range(result.n_uids)}
    columns.update({label: cols[key] for key, label in _COLUMNS})
    totals: dict[str, object] = {"uid": "sum"}
    totals.update({key: float(cols[key].sum()) for key in ("incentive", "dividends", "emission")})
    return _format_columns(
        columns,
        formats={label: ".6f" for key, label in _COLUMNS if key != "validator_permit"},
        footer=totals,
    )


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
    from . import epoch_table

    return epoch_table.run(args)


def _scenarios(args: argparse.Namespace) -> int:
    from ..sim.scenarios import CATALOGUE

    columns: dict[str, list[str]] = {"name": [], "shape": [], "summary": []}
    for name, scenario in CATALOGUE.items():
        summary = " ".join(scenario.description.split())
        if len(summary) > 90:
            summary = summary[:87].rsplit(" ", 1)[0] + "..."
        columns["name"].append(name)
        columns["shape"].append(f"{scenario.n_epochs} epochs, {scenario.n_rows}x{scenario.n_cols}")
        columns["summary"].append(summary)
    print(_format_columns(columns, left=list(columns), header=False))
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
    rows = metrics.validator_rows(first)
    columns: dict[str, Collection[Any]] = {"uid": rows, "role": [first.roles[i] for i in rows]}
    for label, sim in sims.items():
        paid, staked = sim.dividends.sum(axis=0), sim.stake.sum(axis=0)
        share = paid / paid.sum() if paid.sum() > 0 else paid
        relative = np.full_like(share, np.nan)
        np.divide(share, staked / staked.sum(), out=relative, where=staked > 0)
        columns[f"{label} D"] = share[rows]
        columns[f"{label} D/S"] = relative[rows]
    formats = {name: ".4f" for name in list(columns)[2:]}
    lines = [_format_columns(columns, formats=formats, left=["role"])]
    if first.copiers:
        g = "  ".join(f"{lb}: {metrics.copier_ratio(sim):.4f}" for lb, sim in sims.items())
        lines.append(f"copier ratio G   {g}")
    return "\n".join(lines)


def _simulate(args: argparse.Namespace) -> int:
    from ..analysis import compare
    from ..sim.scenarios import get_scenario

    variants = args.variant or ["yuma2", "yuma3", "yuma3+la"]
    try:
        if args.plot is not None:
            require("--plot", "matplotlib", extra="plot")
        candidates = [compare.resolve_candidate(v) for v in variants]
        scenario = get_scenario(args.scenario)
        check_output_path(args.plot, "--plot", suffixes=FIGURE_SUFFIXES)
        epochs = scenario.n_epochs if args.epochs is None else args.epochs
        progress = progress_default(args.progress, epochs * len(candidates) >= 300)
        sims = compare.run_candidates(scenario, candidates, epochs=args.epochs, progress=progress)
    except (ValueError, MissingExtraError) as exc:
        print(f"yuma simulate: error: {exc}", file=sys.stderr)
        return 2
    first = next(iter(sims.values()))
    print(f"yuma simulate {scenario.name}: {first.n_epochs} epochs, {first.n_uids} UIDs")
    print(format_simulation_summary(sims))
    if args.plot is not None:
        from ..sim.plot import plot_simulations

        write_plot(lambda: plot_simulations(sims), args.plot)
    return 0


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
        _guarantees_extras(args)
        stakes, params, highlight = _guarantees_settings(args)
    except (ValueError, ImportError) as exc:
        return fail(str(exc))
    progress = progress_default(args.progress, stakes.size * args.grid**2 * args.epochs >= 2000)
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


def _guarantees_extras(args: argparse.Namespace) -> None:
    """Every optional package ``yuma guarantees`` will need, checked before any work."""
    require("yuma guarantees", "pandas", extra="sweep")
    if args.out is not None:
        require("--out", "pyarrow", extra="sweep")
    if args.plot is not None:
        require("--plot", "matplotlib", extra="plot")
    if args.scheduler is not None:
        require("--scheduler", "distributed", extra="sweep")


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
    check_output_path(args.out, "--out", suffixes=(".parquet",))
    check_output_path(args.plot, "--plot", suffixes=FIGURE_SUFFIXES)
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
    needs = [rmap.required_utility(float(s)) for s in rmap.stakes]
    columns = {
        "S_H": rmap.stakes,
        "W_H needed": [need for need, _ in needs],
        "cabal W_C": [wc for _, wc in needs],
    }
    formats: dict[str, Format] = {
        "S_H": ".2f",
        "W_H needed": lambda v: f"{v:.3f}" if np.isfinite(v) else "> 1",
        "cabal W_C": ".2f",
    }
    print(_format_columns(columns, formats=formats, rule=False))


def _write_guarantees_outputs(args: argparse.Namespace, table, rmap, highlight: float) -> None:
    """Write the table and the figure; the figure appears only once both are written.

    The figure is drawn first (a failure there writes nothing), the table written, then
    the figure; each atomically.
    """
    figure = None
    if args.plot is not None:
        from ..analysis.guarantees import plot_panel

        fig = plot_panel({f"yuma guarantees (seed {args.seed})": rmap}, s_h=highlight)
        figure = render_figure(fig, args.plot, dpi=100)
    if args.out is not None:
        from ..analysis.sweep import to_parquet

        to_parquet(table, args.out)
        print(f"table written to {args.out}")
    if figure is not None:
        write_atomic(args.plot, figure)
        print(f"figure written to {args.plot}")


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
    from . import diagnose as diagnose_cli
    from . import influence as influence_cli
    from . import replay as replay_cli

    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "influence":
        return influence_cli.run(args)
    if args.command == "replay":
        return replay_cli.run(args)
    if args.command == "diagnose":
        return diagnose_cli.run(args)
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


_DESCRIPTION = """\
The math of Bittensor's Yuma consensus, from the command line: one epoch of a subnet,
a subnet's saved epochs or a scenario's under variants side by side, the copy risk, the
validators' influence, a variant checked against a baseline, and the consensus
guarantees map."""

_EPILOG = f"""\
examples:
  yuma demo                                    a small subnet: per-UID table
  yuma epoch snapshot.npz                      one epoch of a saved subnet
  yuma replay day1.npz day2.npz day3.npz       saved epochs in a row, variants side by side
  yuma diagnose snapshot.npz --drift 0.1       what a weight copier earns
  yuma scenarios                               the scenarios simulate can run
  yuma simulate weight_copier                  yuma2, yuma3 and yuma3+la side by side
  yuma compare mymodule:MINE --against yuma3   a variant of your own against Yuma 3
  yuma guarantees --grid 21 --plot map.png     the honest-stake retention map
  yuma influence snapshot.npz                  the validators that move the epoch most

Run "yuma COMMAND --help" for the options of one command. Figures, tables and sweeps
need extras: {install_command("all")} installs them all."""
class _OneLineParser(argparse.ArgumentParser):
    """argparse whose refusals are one line on stderr (``yuma demo: error: ...``), exit 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    """The ``yuma`` command's parser: one subcommand each."""
    from . import compare as compare_cli
    from . import diagnose as diagnose_cli
    from . import influence as influence_cli
    from . import replay as replay_cli

    parser = _OneLineParser(
        prog="yuma", description=_DESCRIPTION, epilog=_EPILOG, formatter_class=HelpFormatter
    )
    parser.add_argument(
        "--version", action="version", version=f"yuma {__version__} ({DISTRIBUTION})"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                title="commands")
    _add_demo(sub)
    _add_epoch(sub)
    replay_cli.add_parser(sub)
    diagnose_cli.add_parser(sub)
    subparser(
        sub, "scenarios", "list the scenarios that simulate can run",
        "List the scenario catalogue: each scenario's name, its epochs and size "
        "(validators x miners), and what it shows.",
        "yuma scenarios",
    )
    _add_simulate(sub)
    _add_guarantees(sub)
    compare_cli.add_parser(sub)
    influence_cli.add_parser(sub)
    return parser


def _add_demo(sub) -> None:
    """``yuma demo``."""
    demo = subparser(
        sub, "demo", "run a small made-up subnet and print a per-UID table",
        "Run a few epochs of a small made-up subnet (validators first, then miners; the "
        "last validator puts all its weight on one miner and is clipped) and print each "
        "UID's stake, permit, trust, consensus, incentive, dividends and emission.",
        "yuma demo --validators 3 --miners 5 --epochs 10 --liquid-alpha",
    )
    demo.add_argument("--variant", default="yuma3", choices=sorted(VARIANTS),
                      help="which Yuma to run (default: yuma3)")
    demo.add_argument("--liquid-alpha", action="store_true",
                      help="turn liquid alpha on (bond rates that follow consensus)")
    demo.add_argument("--validators", type=int, default=4,
                      help="number of validators, at least 1 (default: 4)")
    demo.add_argument("--miners", type=int, default=8, help="number of miners (default: 8)")
    demo.add_argument("--epochs", type=int, default=3,
                      help="epochs to run, carrying bonds from one to the next (default: 3)")
    demo.add_argument("--seed", type=int, default=0,
                      help="seed of the validators' weight noise (default: 0)")


def _add_epoch(sub) -> None:
    """``yuma epoch FILE``."""
    one = subparser(
        sub, "epoch", "run one epoch on a saved subnet and print its top rows",
        "Run one epoch on a snapshot file and print its per-UID table, largest emission "
        "first, with hotkeys and roles. The file is a .npz or .json snapshot (weights, stake, "
        "and optionally bonds, the other inputs of yuma.epoch, params, hotkeys, netuid, block "
        "and the chain's stored outputs; yuma.io.snapshot.save_snapshot writes one) or a "
        "simulator dump (.pt, read without running any code from it). A bad file fails with "
        "a message naming the file and the field, exit status 2, and nothing written.",
        "yuma epoch snapshot.npz --variant yuma2 --top 10 --csv uids.csv",
    )
    one.add_argument("file", help="the snapshot: a .npz, .json or simulator dump .pt file")
    one.add_argument("--variant", choices=sorted(VARIANTS),
                     help="run this Yuma instead of the one in the file's params")
    one.add_argument("--top", type=int, default=20,
                     help="rows shown, largest emission first (20; 0: all)")
    one.add_argument("--csv", help="write every UID's row (.csv)")
    one.add_argument("--json", help="write every UID's row and the settings (.json)")


def _add_simulate(sub) -> None:
    """``yuma simulate SCENARIO``."""
    sim = subparser(
        sub, "simulate", "run a scenario under several variants side by side",
        "Run a scenario's epochs under each variant (bonds and permits carried as the "
        "chain stores them) and print each validator's share of the dividends (D) and "
        "that share over its stake share (D/S; 1 is pay in proportion to stake), plus the "
        "copier ratio G when the scenario has a weight copier. --plot draws dividends, "
        f"incentive and bonds over the epochs (needs {install_command('plot')}).",
        "yuma simulate weight_copier --variant yuma2 --variant yuma3 --plot copier.png",
    )
    sim.add_argument("scenario", help="a scenario name from `yuma scenarios`")
    sim.add_argument(
        "--variant",
        action="append",
        help="a preset (yuma2, yuma3, yuma3+la, yuma2_liquid_alpha_v1) or your own variant "
        "as module:attribute; repeat for several (default: yuma2, yuma3 and yuma3+la)",
    )
    sim.add_argument("--epochs", type=int, help="run only the first EPOCHS epochs")
    sim.add_argument("--plot", metavar="FILE",
                     help="write a figure of the run to FILE (.png, .pdf or .svg)")
    add_progress_options(sim)


def _add_guarantees(sub) -> None:
    """``yuma guarantees``."""
    gua = subparser(
        sub, "guarantees", "map how much honest utility keeps the honest stake share",
        "The Monte Carlo retention map of the chain's consensus document: 512 UIDs, 64 "
        "validators split into an honest side (stake share S_H) and a cabal; the honest "
        "side puts W_H of its weight on honest miners, the cabal W_C on itself. For each "
        "S_H it prints the honest utility W_H needed to keep the stake share in emission. "
        f"Needs {install_command('sweep')}; --plot also needs {install_command('plot')}.",
        "yuma guarantees --kappa 0.5 --beta 1 --grid 21 --out map.parquet --plot map.png",
    )
    gua.add_argument("--kappa", type=float, default=0.5,
                     help="consensus majority kappa (default: 0.5)")
    gua.add_argument("--beta", type=float, default=1.0,
                     help="bonds penalty beta (default: 1)")
    gua.add_argument("--xi", type=float, default=0.5,
                     help="validators' share of emission xi (default: 0.5)")
    gua.add_argument("--sigma", type=float, default=0.4,
                     help="weight noise sigma_W (default: 0.4)")
    gua.add_argument("--sigma-stake", type=float, default=0.3,
                     help="stake noise (default: 0.3)")
    gua.add_argument("--grid", type=int, default=51,
                     help="points along each weight axis W_H and W_C (default: 51)")
    gua.add_argument("--stakes", help="honest stake shares S_H, comma-separated "
                     "(default: 0.51,0.55,0.6,...,0.95,0.99)")
    gua.add_argument("--epochs", type=int, default=1, help="epochs per point (default: 1)")
    gua.add_argument("--variant", default="yuma2", choices=sorted(VARIANTS),
                     help="which Yuma to run (default: yuma2, the document's)")
    gua.add_argument("--liquid-alpha", action="store_true", help="turn liquid alpha on")
    gua.add_argument("--uids", type=int, default=512, help="number of UIDs (default: 512)")
    gua.add_argument("--validators", type=int, default=64,
                     help="number of validators (default: 64)")
    gua.add_argument("--seed", type=int, default=0, help="seed of the noise (default: 0)")
    gua.add_argument("--noise", choices=["common", "independent"], default="common",
                     help="one noise draw shared by all points (common, the default) or "
                     "one per point (independent)")
    gua.add_argument("--workers", type=int,
                     help="local worker processes (default: one per core)")
    gua.add_argument("--scheduler", metavar="ADDRESS",
                     help="run on a Dask cluster at ADDRESS, e.g. tcp://host:8786")
    gua.add_argument("--out", metavar="FILE", help="write the table to FILE (.parquet)")
    gua.add_argument("--plot", metavar="FILE", help="write the emission map and retention "
                     "lines to FILE (.png, .pdf or .svg)")
    gua.add_argument("--highlight", type=float,
                     help="the S_H whose emission map is drawn (default: 0.6)")
    add_progress_options(gua)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
