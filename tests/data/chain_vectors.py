"""Expected values of the chain's epoch tests (``opentensor/subtensor`` 14bc6f9,
``pallets/subtensor/src/tests/epoch.rs``), copied exactly, for ``tests/test_chain.py``.

Group B values are the tests' ``assert_eq!`` values (u16 / u64, bit exact). The
``*_TRACE_*`` values are the in-code trace comments of ``test_bonds`` (not assertions in
the chain test; they agree with the current code). Group C values are the Yuma 3
scenario targets: the chain asserts the dividends within 1e-3 (``fixed(f32)`` targets);
its bond check zips each bond row with ``target_row.skip(3)`` and so compares nothing,
the bond targets (columns 3, 4[, 5]) are the authors' expected values.
"""

from data import yuma3_trajectories as _traj

U16_MAX = 65535

# --- B1 test_bonds: n = 8, stakes [1, 2, 3, 4, 0, 0, 0, 0], tempo 1, BondsPenalty 65535
BONDS_STAKES = [1, 2, 3, 4, 0, 0, 0, 0]
BONDS_WEIGHTS = [U16_MAX // 4, U16_MAX // 2, (U16_MAX // 4) * 3, U16_MAX]
# (setter uid, uids, values) before each of the 7 asserted epochs (None: no new weights)
BONDS_STEPS = [
    None,  # step 1: validators 0..3 set BONDS_WEIGHTS on uids 4..7 (done separately)
    (0, [0], [U16_MAX]),
    (1, [1], [U16_MAX]),
    (2, [2], [U16_MAX]),
    (2, [7], [U16_MAX]),
    None,
    None,
]
# (column, [bonds[0][col], bonds[1][col], bonds[2][col], bonds[3][col]]) after each step
BONDS_EXPECTED = [
    (4, [16383, 32767, 49151, 65535]),
    (4, [14582, 32767, 49151, 65535]),
    (4, [12603, 28321, 49151, 65535]),
    (7, [12602, 28320, 49150, 65535]),
    (7, [10951, 24609, 49150, 65535]),
    (7, [9559, 21482, 49150, 65535]),
    (7, [8376, 18824, 49150, 65535]),
]
# In-code trace comments: "E:" (Emission) after each step, and "B:" rows 0..3 read by
# the epoch of the next step (the stored bonds after this step) for steps 2-6.
BONDS_TRACE_EMISSION = [
    [49999998, 99999999, 150000000, 200000001, 49998779, 100000610, 149996337, 200004272],
    [44998351, 101110561, 151667215, 202223870, 49998779, 100000610, 149996337, 200004272],
    [40496805, 90999783, 157929636, 210573773, 49998779, 100000610, 149996337, 200004272],
    [99999999, 199999999, 299999999, 399999999, 0, 0, 0, 0],
    [36443733, 81898628, 163565493, 218092144, 0, 0, 0, 500000000],
    [32799427, 73706612, 168638129, 224855830, 0, 0, 0, 500000000],
    [29518068, 66336137, 173203134, 230942659, 0, 0, 0, 500000000],
]
BONDS_TRACE_STORED = {  # step index (0-based) -> rows 0..3, columns 4..7
    1: [[14582] * 4, [32767] * 4, [49151] * 4, [65535] * 4],
    2: [[12603] * 4, [28321] * 4, [49151] * 4, [65535] * 4],
    3: [[12602] * 4, [28320] * 4, [49150] * 4, [65535] * 4],
    4: [[12601, 12601, 12601, 10951], [28319, 28319, 28319, 24609],
        [49149, 49149, 49149, 49150], [65535] * 4],
    5: [[12600, 12600, 12600, 9559], [28318, 28318, 28318, 21482],
        [49148, 49148, 49148, 49150], [65535] * 4],
    6: [[12599, 12599, 12599, 8376], [28317, 28317, 28317, 18824],
        [49147, 49147, 49147, 49150], [65535] * 4],
}

# --- B2 test_active_stake: n = 4, stake 1 each, validators 0, 1 weight uids 2, 3
ACTIVE_STAKE_EPOCH1 = {"dividends": {0: 32767, 1: 32767}, "emission": [250000000] * 4,
                       "bonds_validator_cols": 0, "bonds_server_cols": 65535}
ACTIVE_STAKE_EPOCH2 = {"dividends": {0: 36044, 1: 29490},
                       "emission": {0: 274999999, 1: 224999999},
                       "bonds": {0: 65535, 1: 53619}}
ACTIVE_STAKE_EPOCH3 = {"dividends": {0: 35716, 1: 29818},
                       "emission": {0: 272501132, 1: 227498866},
                       "bonds": {0: 65535, 1: 54712}}
ACTIVE_STAKE_LEGACY_CUTOFF = 5000  # get_activity_cutoff (u16 ActivityCutoff) in the test

# --- B3 test_outdated_weights: n = 4, stake 1 each, tempo 0
OUTDATED_WEIGHTS = [2 * (U16_MAX // 3), U16_MAX // 3]
OUTDATED_EXPECTED = {"dividends0": 32767, "emission0": 250000000, "bond02": 65535,
                     "bond03": 65535}
OUTDATED_TRACE_EPOCH1 = {"emission": [250000000, 250000000, 333331637, 166668361]}

# --- B4 test_zero_weights: n = 2, validator uid 0 (stake 1), server uid 1
ZERO_WEIGHTS_EMISSION = [
    [1_000_000_000, 0],  # no weights
    [1_000_000_000, 0],  # server self-weight only
    [1_000_000_000, 0],  # validator weight outdated by the server's re-registration
    [500_000_000, 500_000_000],  # validator weight set after the registration
]

# --- B5 test_10_graph, B6 test_1_graph, B8 single staker
GRAPH10_EMISSION = 99_999_999
SINGLE_STAKER_PENDING = 1_000_000_000
SINGLE_STAKER_EPSILON = 1_000

# --- C: Yuma 3 scenarios (setup_yuma_3_scenario)
# The targets are yuma3_trajectories' (C1..C5, stable miner, bonds reset); here they are
# laid out for replaying the chain tests: u16 weight rows keyed by the epoch in which
# set_weights is called.
MAX = U16_MAX
S1, S2 = _traj.S1, _traj.S2
_C_NAMES = {
    "C1_kappa_moves_first": "kappa_moves_first",
    "C2_kappa_moves_second": "kappa_moves_second",
    "C3_kappa_moves_last": "kappa_moves_last",
    "C4_one_epoch_switch": "one_epoch_switch",
    "C5_liquid_alpha_disabled": "liquid_alpha_disabled",
}


def _replay(sc: dict) -> dict:
    out = {
        "stakes": [int(v) for v in sc["stakes"]],
        "weights": {e: rows for e, rows in enumerate(sc["weights"]) if rows is not None},
        "dividends": sc["dividends"],
        "bonds": sc["bonds"],
    }
    if not sc["liquid_alpha"]:
        out["liquid_alpha_off"] = True
    return out


YUMA3_SCENARIOS = {short: _replay(_traj.YUMA3_SCENARIOS[long]) for long, short in _C_NAMES.items()}
YUMA3_SCENARIOS["stable_miner"] = {
    "stakes": [8, 1, 1, 0, 0, 0],
    "indices": [3, 4, 5],
    "weights": {
        0: [[MAX // 2, 0, MAX // 2]] * 3,
        1: [[MAX // 2, 0, MAX // 2], [0, MAX // 2, MAX // 2], [MAX // 2, 0, MAX // 2]],
        2: [[0, MAX // 2, MAX // 2], [0, MAX // 2, MAX // 2], [MAX // 2, 0, MAX // 2]],
        3: [[0, MAX // 2, MAX // 2]] * 3,
    },
    "dividends": _traj.STABLE_MINER_DIVIDENDS,
    "bonds": _traj.STABLE_MINER_BONDS,
}

# test_yuma_3_bonds_reset: 41 epochs, BondsResetOn, do_reset_bonds(uid 3) at epoch 20.
BONDS_RESET = {
    "stakes": [8, 1, 1, 0, 0],
    "dividends": _traj.BONDS_RESET_DIVIDENDS,
    "bonds": _traj.BONDS_RESET_BONDS,
}
YUMA3_EPSILON = 1e-3
