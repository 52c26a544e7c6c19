"""Time the torch simulator ``yuma_simulation`` (bactensor/yuma-simulation) on given inputs.

Run by *another* interpreter, the one where that simulator and torch are installed::

    <torch-python> benchmarks/torch_sim.py in.npz out.json

``benchmarks.table --torch-python PATH`` writes ``in.npz`` and reads ``out.json``; this
file imports neither ``yuma`` nor anything of this repository, only numpy, torch and the
simulator. It runs the simulator's ``Yuma3`` with liquid alpha, the form its own
``_run_simulation`` calls, in float64 on one thread:

* steady state: previous bonds ``B_old`` given, and a previous consensus ``C_old`` given
  (the simulator turns liquid alpha on only when ``C_old`` is not None; under its default
  ``liquid_alpha_consensus_mode="CURRENT"`` the value of ``C_old`` is never read);
* ``torch.set_default_dtype(torch.float64)``: without it the simulator's u16 rounding of
  the consensus (an int tensor divided by 65535) falls back to float32;
* the N-epoch simulation is a plain Python loop that carries the bonds and the consensus
  from one epoch to the next and keeps each epoch's dividends and incentive.

Input ``in.npz``: ``n_cases``; per case ``k``: ``weights_k`` (V, n), ``stake_k`` (V,),
``bonds_k`` (V, n), ``epochs_k`` (0: no loop); scalars ``kappa``, ``alpha_low``,
``alpha_high``, ``alpha_sigmoid_steepness``, ``bond_moving_avg``, ``repeats``.

Output ``out.json``: ``torch``, ``threads`` and per case ``epoch_s`` (median seconds of
one epoch over ``repeats`` after a warm-up), ``epoch_min_s``, ``incentive``,
``dividends``, ``bonds_max`` (the largest new bond) and, when ``epochs_k > 0``,
``loop_s`` (median seconds of the whole loop), ``loop_dividends`` (last epoch) and
``loop_incentive`` (last epoch).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import torch
from yuma_simulation._internal.yumas import SimulationHyperparameters, Yuma3, YumaConfig
from yuma_simulation._internal.yumas import YumaParams as SimParams


def _median_time(fn, repeats: int) -> tuple[float, float, object]:
    """Median and best seconds of ``repeats`` calls after a warm-up call, and its result."""
    result = fn()  # warm-up: the lazy import inside Yuma3, allocator caches
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), float(np.min(times)), result


def _config(data) -> YumaConfig:
    return YumaConfig(
        simulation=SimulationHyperparameters(
            kappa=float(data["kappa"]),
            bond_penalty=0.0,  # Yuma3 of the simulator buys bonds with raw weights
            liquid_alpha_consensus_mode="CURRENT",
        ),
        yuma_params=SimParams(
            liquid_alpha=True,
            alpha_low=float(data["alpha_low"]),
            alpha_high=float(data["alpha_high"]),
            alpha_sigmoid_steepness=float(data["alpha_sigmoid_steepness"]),
            bond_moving_avg=float(data["bond_moving_avg"]),
        ),
    )


def _one_case(data, k: int, config: YumaConfig, repeats: int) -> dict:
    weights = torch.from_numpy(np.ascontiguousarray(data[f"weights_{k}"], dtype=np.float64))
    stake = torch.from_numpy(np.ascontiguousarray(data[f"stake_{k}"], dtype=np.float64))
    bonds = torch.from_numpy(np.ascontiguousarray(data[f"bonds_{k}"], dtype=np.float64))
    epochs = int(data[f"epochs_{k}"])
    n_validators, n_servers = weights.shape
    no_consensus_yet = torch.zeros(n_servers)

    def epoch(b_old, c_old):
        return Yuma3(
            weights,
            stake,
            num_servers=n_servers,
            num_validators=n_validators,
            use_full_matrices=False,
            B_old=b_old,
            C_old=c_old,
            config=config,
        )

    median_s, min_s, out = _median_time(lambda: epoch(bonds, no_consensus_yet), repeats)
    case = {
        "shape": [n_validators, n_servers],
        "epoch_s": median_s,
        "epoch_min_s": min_s,
        "incentive": out["server_incentive"].tolist(),
        "dividends": out["validator_reward_normalized"].tolist(),
        "bonds_max": float(out["validator_bonds"].max()) if bonds.numel() else 0.0,
    }
    if epochs > 0:

        def loop():
            b_state, c_state = bonds, no_consensus_yet
            dividends, incentive = [], []
            for _ in range(epochs):
                r = epoch(b_state, c_state)
                b_state = r["validator_bonds"]
                c_state = r["server_consensus_weight"]
                dividends.append(r["validator_reward_normalized"])
                incentive.append(r["server_incentive"])
            return dividends, incentive

        # The loop is long: at most 3 timed runs after the warm-up.
        case["loop_s"], _, (dividends, incentive) = _median_time(loop, max(1, min(repeats, 3)))
        case["loop_epochs"] = epochs
        case["loop_dividends"] = dividends[-1].tolist()
        case["loop_incentive"] = incentive[-1].tolist()
    return case


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit("usage: torch_sim.py in.npz out.json")
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    with np.load(argv[0]) as data:
        config = _config(data)
        repeats = int(data["repeats"])
        cases = [_one_case(data, k, config, repeats) for k in range(int(data["n_cases"]))]
    result = {"torch": torch.__version__, "threads": torch.get_num_threads(), "cases": cases}
    with open(argv[1], "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main(sys.argv[1:])
