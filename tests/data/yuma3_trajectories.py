"""The chain's Yuma 3 trajectories, as plain literals: the one source every test reads.

From the Yuma 3 epoch tests of ``opentensor/subtensor`` (``setup_yuma_3_scenario`` in
``pallets/subtensor/src/tests/epoch.rs``): C1..C5 as quoted by the spec's section 7.C, and
``test_yuma_3_stable_miner`` / ``test_yuma_3_bonds_reset`` at HEAD ``14bc6f9f9`` (lines
3317 and 3431; checked against that file), which the spec does not quote. Nothing here was
produced by running ``yuma``. The chain asserts the dividends (epsilon 1e-3); the bond
targets are the authors' expected values on the server columns.
"""

U16_MAX = 65535

# tempo 1, BondsPenalty 0, AlphaSigmoidSteepness 1000, BondsMovingAverage 975_000,
# Kappa u16::MAX / 2, liquid alpha on with set_alpha_values_32(0.1, 0.3) (stored 6553 and
# 19660), Yuma3 on, MaxAllowedValidators 3; uids 0..2 validators, 3.. servers. One initial
# epoch without weights, then e0, e1, ...: set weights (if any), next block, epoch.
YUMA3_KAPPA_U16 = 32767
YUMA3_BONDS_MOVING_AVERAGE = 975_000
YUMA3_ALPHA_LOW_U16 = 6553
YUMA3_ALPHA_HIGH_U16 = 19660
YUMA3_STEEPNESS = 1000
YUMA3_MAX_ALLOWED_VALIDATORS = 3
# run_epoch_and_check_bonds_dividends: dividends compared with epsilon 1e-3. The bond
# targets are not actually asserted on chain (zip with skip(3) yields nothing); they are
# the authors' expected bonds on the server columns, usable at ~1e-3 (spec 7.C).
YUMA3_EPSILON = 1e-3

S1 = [U16_MAX, 0]  # all of the validator's weight on server 1 (uid 3)
S2 = [0, U16_MAX]  # all on server 2 (uid 4)

# Each scenario: stakes of uids 0..4; weights per epoch (rows A, B, C; None = no new
# set_weights, the stored weights stay); per epoch the dividends of uids 0..4 and the bonds
# (rows A, B, C; columns s1, s2).
YUMA3_SCENARIOS = {
    # C1: test_yuma_3_kappa_moves_first
    "C1_kappa_moves_first": {
        "stakes": [8.0, 1.0, 1.0, 0.0, 0.0],
        "liquid_alpha": True,
        "weights": [
            [S1, S1, S1],
            [S2, S1, S1],
            [S2, S2, S1],
            [S2, S2, S2],
            None,
            None,
        ],
        "dividends": [
            [0.8000, 0.1000, 0.1000, 0.0000, 0.0000],
            [1.0000, 0.0000, 0.0000, 0.0000, 0.0000],
            [0.9382, 0.0618, 0.0000, 0.0000, 0.0000],
            [0.8819, 0.0773, 0.0407, 0.0000, 0.0000],
            [0.8564, 0.0844, 0.0592, 0.0000, 0.0000],
            [0.8418, 0.0884, 0.0697, 0.0000, 0.0000],
        ],
        "bonds": [
            [[0.1013, 0.0000], [0.1013, 0.0000], [0.1013, 0.0000]],
            [[0.0908, 0.1013], [0.3697, 0.0000], [0.3697, 0.0000]],
            [[0.0815, 0.1924], [0.3170, 0.1013], [0.5580, 0.0000]],
            [[0.0731, 0.2742], [0.2765, 0.1924], [0.4306, 0.1013]],
            [[0.0656, 0.3478], [0.2435, 0.2742], [0.3589, 0.1924]],
            [[0.0588, 0.4139], [0.2157, 0.3478], [0.3089, 0.2742]],
        ],
    },
    # C2: test_yuma_3_kappa_moves_second (the spec quotes bonds at e1, e2, e5; the other
    # epochs are the same test's targets)
    "C2_kappa_moves_second": {
        "stakes": [8.0, 1.0, 1.0, 0.0, 0.0],
        "liquid_alpha": True,
        "weights": [
            [S1, S1, S1],
            [S1, S2, S1],
            [S2, S2, S1],
            [S2, S2, S2],
            None,
            None,
        ],
        "dividends": [
            [0.8000, 0.1000, 0.1000, 0.0000, 0.0000],
            [0.8446, 0.0498, 0.1056, 0.0000, 0.0000],
            [0.6868, 0.3132, 0.0000, 0.0000, 0.0000],
            [0.7421, 0.2090, 0.0489, 0.0000, 0.0000],
            [0.7625, 0.1706, 0.0669, 0.0000, 0.0000],
            [0.7730, 0.1508, 0.0762, 0.0000, 0.0000],
        ],
        "bonds": [
            [[0.1013, 0.0000], [0.1013, 0.0000], [0.1013, 0.0000]],
            [[0.1924, 0.0000], [0.0908, 0.2987], [0.1924, 0.0000]],
            [[0.1715, 0.1013], [0.0815, 0.3697], [0.4336, 0.0000]],
            [[0.1531, 0.1924], [0.0731, 0.4336], [0.3608, 0.1013]],
            [[0.1369, 0.2742], [0.0656, 0.4910], [0.3103, 0.1924]],
            [[0.1225, 0.3478], [0.0588, 0.5426], [0.2712, 0.2742]],
        ],
    },
    # test_yuma_3_kappa_moves_last (same file; not quoted in the spec's section 7)
    "C3_kappa_moves_last": {
        "stakes": [8.0, 1.0, 1.0, 0.0, 0.0],
        "liquid_alpha": True,
        "weights": [
            [S1, S1, S1],
            [S1, S2, S1],
            [S1, S2, S2],
            [S2, S2, S2],
            None,
            None,
        ],
        "dividends": [
            [0.8000, 0.1000, 0.1000, 0.0000, 0.0000],
            [0.8446, 0.0498, 0.1056, 0.0000, 0.0000],
            [0.8966, 0.0333, 0.0701, 0.0000, 0.0000],
            [0.4663, 0.3210, 0.2127, 0.0000, 0.0000],
            [0.5976, 0.2340, 0.1683, 0.0000, 0.0000],
            [0.6592, 0.1932, 0.1475, 0.0000, 0.0000],
        ],
        "bonds": [
            [[0.1013, 0.0000], [0.1013, 0.0000], [0.1013, 0.0000]],
            [[0.1924, 0.0000], [0.0908, 0.2987], [0.1924, 0.0000]],
            [[0.2742, 0.0000], [0.0815, 0.5081], [0.1715, 0.2987]],
            [[0.2416, 0.1013], [0.0731, 0.5580], [0.1531, 0.3697]],
            [[0.2141, 0.1924], [0.0656, 0.6028], [0.1369, 0.4336]],
            [[0.1903, 0.2742], [0.0588, 0.6430], [0.1225, 0.4910]],
        ],
    },
    # C4: test_yuma_3_one_epoch_switch
    "C4_one_epoch_switch": {
        "stakes": [33.0, 33.0, 34.0, 0.0, 0.0],
        "liquid_alpha": True,
        "weights": [
            [S1, S1, S1],
            [S1, S1, S1],
            [S1, S1, S2],
            [S1, S1, S1],
            [S1, S1, S1],
            [S1, S1, S1],
        ],
        "dividends": [
            [0.3300, 0.3300, 0.3400, 0.0000, 0.0000],
            [0.3300, 0.3300, 0.3400, 0.0000, 0.0000],
            [0.3782, 0.3782, 0.2436, 0.0000, 0.0000],
            [0.3628, 0.3628, 0.2745, 0.0000, 0.0000],
            [0.3541, 0.3541, 0.2917, 0.0000, 0.0000],
            [0.3487, 0.3487, 0.3026, 0.0000, 0.0000],
        ],
        "bonds": [
            [[0.1013, 0.0000], [0.1013, 0.0000], [0.1013, 0.0000]],
            [[0.1924, 0.0000], [0.1924, 0.0000], [0.1924, 0.0000]],
            [[0.2742, 0.0000], [0.2742, 0.0000], [0.1715, 0.2987]],
            [[0.3478, 0.0000], [0.3478, 0.0000], [0.2554, 0.2618]],
            [[0.4139, 0.0000], [0.4139, 0.0000], [0.3309, 0.2312]],
            [[0.4733, 0.0000], [0.4733, 0.0000], [0.3987, 0.2051]],
        ],
    },
    # C5: test_yuma_3_liquid_alpha_disabled (liquid alpha turned off after the setup).
    # The chain's target rows read [0, s1, s2]; the leading 0 is dropped here.
    "C5_liquid_alpha_disabled": {
        "stakes": [33.0, 33.0, 34.0, 0.0, 0.0],
        "liquid_alpha": False,
        "weights": [
            [S1, S1, S1],
            [S1, S1, S1],
            [S1, S1, S2],
            [S1, S1, S1],
            [S1, S1, S1],
            [S1, S1, S1],
        ],
        "dividends": [
            [0.3300, 0.3300, 0.3400, 0.0000, 0.0000],
            [0.3300, 0.3300, 0.3400, 0.0000, 0.0000],
            [0.3734, 0.3734, 0.2532, 0.0000, 0.0000],
            [0.3611, 0.3611, 0.2779, 0.0000, 0.0000],
            [0.3541, 0.3541, 0.2919, 0.0000, 0.0000],
            [0.3495, 0.3495, 0.3009, 0.0000, 0.0000],
        ],
        "bonds": [
            [[0.0250, 0.0000], [0.0250, 0.0000], [0.0250, 0.0000]],
            [[0.0494, 0.0000], [0.0494, 0.0000], [0.0494, 0.0000]],
            [[0.0731, 0.0000], [0.0731, 0.0000], [0.0481, 0.0250]],
            [[0.0963, 0.0000], [0.0963, 0.0000], [0.0719, 0.0244]],
            [[0.1189, 0.0000], [0.1189, 0.0000], [0.0951, 0.0238]],
            [[0.1409, 0.0000], [0.1409, 0.0000], [0.1178, 0.0232]],
        ],
    },
}


# test_yuma_3_stable_miner: 3 validators (stakes 8, 1, 1), 3 servers (uids 3, 4, 5).
# Weights (u16::MAX / 2 on two servers): e0 all (s1, s3); e1 B moves to (s2, s3); e2 A
# too; e3 onwards all (s2, s3).
STABLE_MINER_DIVIDENDS = [
    [0.8000, 0.1000, 0.1000, 0.0000, 0.0000, 0.0000],
    [0.8226, 0.0745, 0.1028, 0.0000, 0.0000, 0.0000],
    [0.7750, 0.1685, 0.0565, 0.0000, 0.0000, 0.0000],
    [0.7864, 0.1372, 0.0764, 0.0000, 0.0000, 0.0000],
    [0.7912, 0.1241, 0.0847, 0.0000, 0.0000, 0.0000],
    [0.7937, 0.1173, 0.0890, 0.0000, 0.0000, 0.0000],
]
STABLE_MINER_BONDS = [
    [[0.0507, 0.0000, 0.0507], [0.0507, 0.0000, 0.0507], [0.0507, 0.0000, 0.0507]],
    [[0.0962, 0.0000, 0.0962], [0.0455, 0.1000, 0.0962], [0.0962, 0.0000, 0.0962]],
    [[0.0863, 0.0507, 0.1371], [0.0408, 0.1405, 0.1371], [0.1770, 0.0000, 0.1371]],
    [[0.0774, 0.0962, 0.1739], [0.0367, 0.1770, 0.1739], [0.1579, 0.0507, 0.1739]],
    [[0.0694, 0.1371, 0.2069], [0.0329, 0.2097, 0.2069], [0.1411, 0.0962, 0.2069]],
    [[0.0623, 0.1739, 0.2366], [0.0296, 0.2391, 0.2366], [0.1263, 0.1371, 0.2366]],
]

# test_yuma_3_bonds_reset (sparse only, BondsResetOn): 3 validators (8, 1, 1), 2 servers.
# e0 all s1; e1 A s1, B and C s2; e2..e20 all s2, and before e20's epoch the bonds column
# of uid 3 (s1) is reset; e21 A s2, B and C s1; e22..e40 all s1. Targets at some epochs.
BONDS_RESET_EPOCHS = 41
BONDS_RESET_DIVIDENDS = {
    0: [0.8000, 0.1000, 0.1000, 0.0000, 0.0000],
    1: [0.8944, 0.0528, 0.0528, 0.0000, 0.0000],
    2: [0.5230, 0.2385, 0.2385, 0.0000, 0.0000],
    19: [0.7919, 0.1040, 0.1040, 0.0000, 0.0000],
    20: [0.7928, 0.1036, 0.1036, 0.0000, 0.0000],
    21: [0.8467, 0.0766, 0.0766, 0.0000, 0.0000],
    40: [0.7928, 0.1036, 0.1036, 0.0000, 0.0000],
}
BONDS_RESET_BONDS = {
    0: [[0.1013, 0.0000], [0.1013, 0.0000], [0.1013, 0.0000]],
    1: [[0.1924, 0.0000], [0.0908, 0.2987], [0.0908, 0.2987]],
    2: [[0.1715, 0.1013], [0.0815, 0.3697], [0.0815, 0.3697]],
    19: [[0.0269, 0.8539], [0.0131, 0.8975], [0.0131, 0.8975]],
    20: [[0.0000, 0.8687], [0.0000, 0.9079], [0.0000, 0.9079]],
    21: [[0.0000, 0.8820], [0.2987, 0.6386], [0.2987, 0.6386]],
    40: [[0.8687, 0.0578], [0.9079, 0.0523], [0.9079, 0.0523]],
}
