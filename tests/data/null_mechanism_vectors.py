"""Null consensus with several mechanisms, and the bond cutoff by the last Yuma step.

Provenance: YUMA-SPEC-ADDENDUM.md (2.2 and 3), which copies them from the chain's Null
consensus test file (``RaoFoundation/subtensor``, ``tests/…null_consensus…``, index ids
70888915236 and 71008948339):
``null_multiple_mechanisms_cannot_multiply_miner_rounding_remainders``,
``null_fallback_whole_units_respect_each_mechanism_budget``,
``null_no_validator_fallback_excludes_recycled_root_budget``,
``null_bond_cutoff_tracks_last_yuma_epoch_not_null_epochs`` and
``null_replaced_miner_bonds_match_clean_baseline_after_return_to_yuma``. Numbers are copied
exactly; the setups are described in the comments.
"""

U64_MAX = 2**64 - 1

# setup([s0, s1]): 4 UIDs registered at block 0, UIDs 0 and 1 staked and permitted, block 1.
STAKES = [300_000_000, 100_000_000]
MECHANISM_COUNT = 4

# epoch_with_mechanism_budgets(netuid, m, 200, 300) over 4 mechanisms:
# sum(miner) == m, sum(dividend) == 500, sum(Emission) == m + 500.
MINER_BUDGETS = [0, 1, 2, 3, 5, 501, 1_000_001]
VALIDATOR_BUDGET = 200
ROOT_BUDGET = 300
DIVIDEND_TOTAL = 500

# epoch_with_mechanisms(netuid, 1_002) over 4 mechanisms: miners 501, dividends 501.
EPOCH_BUDGET = 1_002
EPOCH_MINERS = 501
EPOCH_DIVIDENDS = 501

# setup([0, 0]) with both permits removed, 4 mechanisms:
# epoch_with_mechanism_budgets(netuid, local, 0, local + 300 - local) pays miners `local`,
# no dividends, sum(Emission) == local (the root budget is not paid).
FALLBACK_LOCAL_BUDGETS = [0, 1, 2, 7, 700, U64_MAX - 300]
FALLBACK_ROOT_BUDGET = 300

# distribute_emission(netuid, 500, 200, 300, 0) with no validator: stake rises by 700.
NO_VALIDATOR_BUDGETS = (500, 200, 300)
NO_VALIDATOR_PAID = 700

# bond_cutoff_block(netuid, block, tempo) steps; "switch" marks do_set_epoch_consensus.
# Each row: (action, value) then the expected cutoff of (block, tempo) where given.
BOND_CUTOFF_STEPS = [
    ("lms", 10, (20, 5), 11),           # Yuma, LastYumaStepBlock absent
    ("switch", "null", None, None),
    ("lms", 100, (100, 5), 11),         # Null epochs advance lms, not the cutoff
    ("switch", "yuma", (101, 5), 11),
    ("lysb", 101, (102, 5), 102),
]

# null_replaced_miner_bonds_match_clean_baseline_after_return_to_yuma (Yuma3 on and off):
# setup([3e8, 3e8]); lms 10; bonds row 0 [(2, 32_767), (3, 32_768)] and row 1 [(3, 65535)]
# (stale) or row 0 [(2, 32_767)] only (clean); switch to Null; replace_neuron(3) at block 50;
# lms 100; block 110; UIDs 0 and 1 set weights {2: 65535}; switch to Yuma; block 111;
# epoch_mechanism(1_000): bond rows, dividends and validator emissions equal in both runs.
REPLACED_STAKES = [300_000_000, 300_000_000]
STALE_BONDS = {0: {2: 32_767, 3: 32_768}, 1: {3: 65_535}}
CLEAN_BONDS = {0: {2: 32_767}}
REPLACED_LMS_BEFORE = 10
REPLACED_UID = 3
REPLACED_AT = 50
REPLACED_LMS_AFTER = 100
WEIGHTS_BLOCK = 110
EPOCH_BLOCK = 111
REPLACED_BUDGET = 1_000
SETUP_TEMPO = 65_534  # add_network_disable_commit_reveal(netuid, u16::MAX - 1, 0)
