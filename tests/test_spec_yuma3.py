"""Spec section 7, group C: the chain's Yuma 3 multi-epoch scenarios (``tests/epoch.rs``).

Setup as ``setup_yuma_3_scenario``: 3 validators (uids 0..2) and 2 servers (uids 3, 4);
one epoch without weights hands out the validator permits (the chain stores none at
registration), then epochs e0, e1, ... each follow the scenario's ``set_weights`` (if
any). Between epochs the bonds are carried as the chain stores them: u16,
``floor(b * 65535)``, read back as ``v / 65535``; the test also runs without that round
trip. Each scenario runs in the rectangular form (validators x servers) and in the
chain's square form (5 x 5), where the validators list only the servers.

Dividends are checked with the chain's epsilon 1e-3. The bond targets are not asserted by
the chain test (see ``spec_vectors``) but are its authors' expected values; they are
checked here at the same 1e-3.
"""

from __future__ import annotations

import numpy as np
import pytest
from data import spec_vectors as sv
from data import yuma3_trajectories as tv

import yuma

N_VALIDATORS = 3
N_SERVERS = 2
N = N_VALIDATORS + N_SERVERS
SERVERS = slice(N_VALIDATORS, N)


def u16_round_trip(bonds: np.ndarray) -> np.ndarray:
    """Bonds as the chain stores them (``fixed_proportion_to_u16``) and reads them back."""
    return np.floor(bonds * sv.U16_MAX) / sv.U16_MAX


def scenario_params(liquid_alpha: bool) -> yuma.YumaParams:
    return yuma.YumaParams(
        kappa=tv.YUMA3_KAPPA_U16 / sv.U16_MAX,
        bonds_moving_average=tv.YUMA3_BONDS_MOVING_AVERAGE / 1_000_000,
        bonds_penalty=0.0,
        liquid_alpha=liquid_alpha,
        alpha_low=tv.YUMA3_ALPHA_LOW_U16 / sv.U16_MAX,
        alpha_high=tv.YUMA3_ALPHA_HIGH_U16 / sv.U16_MAX,
        alpha_sigmoid_steepness=tv.YUMA3_STEEPNESS / 100.0,
        variant="yuma3",
        max_allowed_validators=tv.YUMA3_MAX_ALLOWED_VALIDATORS,
    )


def test_scenario_params_match_chain_integers():
    # The natural-unit parameters above are exactly what from_chain builds from the
    # chain's integers.
    chain = yuma.YumaParams.from_chain(
        kappa=tv.YUMA3_KAPPA_U16,
        bonds_moving_average=tv.YUMA3_BONDS_MOVING_AVERAGE,
        bonds_penalty=0,
        alpha_values=(tv.YUMA3_ALPHA_LOW_U16, tv.YUMA3_ALPHA_HIGH_U16),
        alpha_sigmoid_steepness=tv.YUMA3_STEEPNESS,
        liquid_alpha_on=True,
        yuma3_on=True,
        max_allowed_validators=tv.YUMA3_MAX_ALLOWED_VALIDATORS,
    )
    assert chain == scenario_params(True)


def run_scenario(scenario: dict, *, square: bool, round_trip: bool):
    """Run the setup epoch and e0..e5; return (per-uid dividends, server bonds) per epoch."""
    # C5 turns liquid alpha off after the setup epoch; that epoch has no weights (every
    # C_j = 0), where liquid alpha does not apply anyway, so one setting serves all epochs.
    params = scenario_params(scenario["liquid_alpha"])
    stakes = np.array(scenario["stakes"])
    if square:
        weights = np.zeros((N, N))
        listed = np.zeros((N, N), dtype=bool)
        listed[:N_VALIDATORS, SERVERS] = True  # set_weights lists uids [3, 4], zeros included
        stake = stakes
        permit = np.zeros(N, dtype=bool)
    else:
        weights = np.zeros((N_VALIDATORS, N_SERVERS))
        listed = None  # every (validator, server) entry is listed
        stake = stakes[:N_VALIDATORS]
        permit = np.zeros(N_VALIDATORS, dtype=bool)

    def epoch(bonds):
        carried = None if bonds is None else (u16_round_trip(bonds) if round_trip else bonds)
        return yuma.epoch(
            weights, stake, carried, params=params, validator_permit=permit, listed=listed
        )

    # Setup epoch (no weights): hands out the permits; no validator has one yet.
    result = epoch(None)
    assert result.validator_permit[:N_VALIDATORS].all()
    bonds, permit = result.bonds, result.validator_permit

    out = []
    for rows in scenario["weights"]:
        if rows is not None:
            w = np.array(rows, dtype=np.float64)
            if square:
                weights[:N_VALIDATORS, SERVERS] = w
            else:
                weights[:, :] = w
        result = epoch(bonds)
        bonds, permit = result.bonds, result.validator_permit
        dividends = result.per_uid()["dividends"]
        server_bonds = bonds[:N_VALIDATORS, SERVERS] if square else bonds
        out.append((dividends, server_bonds))
    return out


@pytest.mark.parametrize("round_trip", [True, False], ids=["u16-round-trip", "float"])
@pytest.mark.parametrize("square", [False, True], ids=["rectangular", "square"])
@pytest.mark.parametrize("name", list(tv.YUMA3_SCENARIOS))
def test_yuma3_scenario(name, square, round_trip):
    scenario = tv.YUMA3_SCENARIOS[name]
    results = run_scenario(scenario, square=square, round_trip=round_trip)
    assert len(results) == len(scenario["dividends"]) == len(scenario["bonds"])
    for e, ((dividends, bonds), want_div, want_bonds) in enumerate(
        zip(results, scenario["dividends"], scenario["bonds"], strict=True)
    ):
        err_div = np.abs(dividends - np.array(want_div))
        assert np.all(err_div <= tv.YUMA3_EPSILON), (
            f"e{e} dividends {dividends.round(4).tolist()} vs {want_div}"
        )
        err_bonds = np.abs(bonds - np.array(want_bonds))
        assert np.all(err_bonds <= tv.YUMA3_EPSILON), (
            f"e{e} bonds {bonds.round(4).tolist()} vs {want_bonds}"
        )


def test_yuma3_first_bond_is_alpha_at_zero_gap():
    # Spec 7.D: the first-epoch bond 0.1013 is alpha_sigmoid at w = 1, c = 1, b = 0:
    # d = 0, sigma = 1 / (1 + e^5), alpha = 0.1 + 0.2 * sigma (with the u16 alpha bounds).
    params = scenario_params(True)
    alpha = yuma.alpha_sigmoid(
        np.array([1.0]),
        np.array([[1.0]]),
        np.array([[0.0]]),
        params.alpha_low,
        params.alpha_high,
        params.alpha_sigmoid_steepness,
    )
    assert abs(alpha[0, 0] - 0.1013) <= 1e-4
