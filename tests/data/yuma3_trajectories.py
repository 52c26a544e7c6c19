"""Two more of the chain's Yuma 3 trajectories, as plain literals.

From the Yuma 3 epoch tests of ``opentensor/subtensor`` (``test_yuma_3_stable_miner`` and
``test_yuma_3_bonds_reset``, same setup as ``spec_vectors.YUMA3_SCENARIOS``:
``setup_yuma_3_scenario``), in ``pallets/subtensor/src/tests/epoch.rs`` at HEAD
``14bc6f9f9`` (lines 3317 and 3431; checked against that file). The spec's section 7.C
does not quote them. Nothing here was produced by running ``yuma``.
As in ``spec_vectors``, the chain asserts the dividends (epsilon 1e-3); the bond targets
are the authors' expected values on the server columns.
"""

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
