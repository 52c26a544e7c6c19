"""The invariant catalogue (yuma.testing.invariants) and check_variant.

Every invariant must be able to fail: each one is run on a variant broken on purpose for
it. The built-in presets hold what the catalogue says they hold, and fail the rest with
the stated kind. Known failures are also pinned on hand-written cases.
"""

from __future__ import annotations

import dataclasses
import zlib

import numpy as np
import pytest

import yuma
from yuma import ops
from yuma.core import variants
from yuma.testing import check_variant
from yuma.testing.invariants import (
    INVARIANTS,
    PRESETS,
    InvariantViolation,
    format_case,
)
from yuma.testing.simplify import candidates, simplify

FAST = {"max_examples": 30, "max_shrinks": 30, "seed": 0}


# --------------------------------------------------------------------------------------
# Variants broken on purpose, one (or two) per invariant
# --------------------------------------------------------------------------------------


def half_emission(incentive, dividends, stake, active_stake, square):
    server, validator, emission = variants.chain_emission_split(
        incentive, dividends, stake, active_stake, square
    )
    return server, validator, emission * 0.5


def doubled_consensus(active_stake, weights, kappa):
    return 2.0 * variants.stake_weighted_median(active_stake, weights, kappa)


def uid0_dictates(active_stake, weights, kappa):
    return np.array(weights[0]) if weights.shape[0] else np.zeros(weights.shape[1])


def stake_bit_dividends(ema_bonds, incentive, active_stake):
    """Depends on the last bits of the active stake: breaks stake scale invariance."""
    d = variants.yuma3_dividends(ema_bonds, incentive, active_stake)
    if zlib.crc32(np.asarray(active_stake).tobytes()) % 2:
        return ops.normalize(d + active_stake)
    return d


def weight_bit_consensus(active_stake, weights, kappa):
    """Depends on the last bits of the weights: breaks weight scale invariance."""
    c = variants.stake_weighted_median(active_stake, weights, kappa)
    return 0.5 * c if zlib.crc32(np.asarray(weights).tobytes()) % 2 else c


def generous_clip(weights, consensus):
    return np.minimum(weights, consensus) + 0.05


def mean_consensus(active_stake, weights, kappa):
    return active_stake @ weights


def no_clip(weights, consensus):
    return np.array(weights)


def squared_dividends(ema_bonds, incentive, active_stake):
    return ops.normalize(variants.yuma2_dividends(ema_bonds, incentive, active_stake) ** 2)


def growing_bonds(bonds, weights_for_bonds, active_stake, consensus, entries, params):
    return bonds + weights_for_bonds


def sticky_bonds(bonds, weights_for_bonds, active_stake, consensus, entries, params):
    new = variants.yuma3_update_bonds(
        bonds, weights_for_bonds, active_stake, consensus, entries, params
    )
    return np.maximum(bonds, new)


_NOISE = np.random.default_rng()


def noisy_dividends(ema_bonds, incentive, active_stake):
    d = variants.yuma3_dividends(ema_bonds, incentive, active_stake)
    return ops.normalize(d * (1.0 + 1e-6 * _NOISE.random(d.shape)))


BROKEN = {
    "emission_conserved": [(yuma.variant("leaky", emission_split=half_emission),
                            "emission_not_conserved")],
    "outputs_in_range": [(yuma.variant("overshoot", consensus=doubled_consensus),
                          "out_of_range")],
    "permutation_equivariance": [(yuma.variant("uid0", consensus=uid0_dictates),
                                  "not_equivariant")],
    "stake_scale_invariance": [(yuma.variant("stake_bits", dividends=stake_bit_dividends),
                                "stake_scale_dependent")],
    "weight_scale_invariance": [(yuma.variant("weight_bits", consensus=weight_bit_consensus),
                                 "weight_scale_dependent")],
    "zero_stake_no_dividends": [(yuma.variant("bonds_only",
                                              dividends=variants.yuma2_dividends),
                                 "dividends_to_zero_stake")],
    "unweighted_miner_no_incentive": [(yuma.variant("generous", clip=generous_clip),
                                       "incentive_to_unweighted_miner")],
    "kappa_clipping": [
        (yuma.variant("mean", consensus=mean_consensus), "minority_raised_consensus"),
        (yuma.variant("unclipped", clip=no_clip), "weight_above_consensus"),
    ],
    "split_invariance": [(yuma.variant("squared", base=yuma.YUMA2, dividends=squared_dividends),
                          "split_changes_dividends")],
    "bonds_bounded": [(yuma.variant("growing", update_bonds=growing_bonds),
                       "bond_out_of_range")],
    "bonds_decay": [(yuma.variant("sticky", update_bonds=sticky_bonds), "frozen_bonds")],
    "determinism": [(yuma.variant("noisy", dividends=noisy_dividends), "nondeterministic")],
}


def test_every_invariant_has_a_broken_variant():
    assert set(BROKEN) == set(INVARIANTS)


@pytest.mark.parametrize(
    ("name", "variant", "kind"),
    [(name, v, kind) for name, cases in BROKEN.items() for v, kind in cases],
    ids=lambda x: x if isinstance(x, str) else getattr(x, "name", None),
)
def test_invariant_fails_on_a_broken_variant(name, variant, kind):
    settings = dict(FAST)
    if name in ("stake_scale_invariance", "weight_scale_invariance"):
        # These variants differ from Yuma 3 only where rounding moves a last bit: it
        # takes more examples to meet such an input.
        settings["max_examples"] = 120
    report = check_variant(variant, [name], **settings)
    result = report[name]
    assert not result.held, f"{name} did not catch {variant.name}"
    assert result.kind == kind, result.message
    # The reported (shrunk) counterexample reproduces the failure.
    with pytest.raises(InvariantViolation) as err:
        INVARIANTS[name].check(variant, result.counterexample)
    assert err.value.kind == kind


# --------------------------------------------------------------------------------------
# The built-in presets: what holds, what fails and how
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def preset_reports():
    return {p: check_variant(p, **FAST) for p in PRESETS}


@pytest.mark.parametrize("preset", PRESETS)
def test_builtin_presets_hold_what_the_catalogue_says(preset_reports, preset):
    report = preset_reports[preset]
    expected = {name: inv.fails[preset] for name, inv in INVARIANTS.items() if preset in inv.fails}
    assert report.kinds == expected, report.explain()
    assert report.held == [n for n, inv in INVARIANTS.items() if preset in inv.holds]


def test_catalogue_states_the_known_failures():
    assert INVARIANTS["bonds_decay"].fails == {
        "yuma2": "frozen_bonds", "yuma2_liquid_alpha_v1": "frozen_bonds"
    }
    assert INVARIANTS["split_invariance"].holds == ("yuma2", "yuma2_liquid_alpha_v1")
    assert INVARIANTS["zero_stake_no_dividends"].holds == ("yuma3", "yuma3+la")
    for inv in INVARIANTS.values():
        assert inv.doc.strip() and inv.summary
        assert set(inv.fails) <= set(PRESETS)


def _raises(name, variant, case):
    with pytest.raises(InvariantViolation) as err:
        INVARIANTS[name].check(variant, case)
    return err.value


def test_yuma2_frozen_bonds_hand_case():
    # One validator, a bond on miner 1 that no one weights any more.
    case = {
        "weights": np.array([[1.0, 0.0]]),
        "stake": np.array([1.0]),
        "bonds": np.array([[0.5, 1.0]]),
        "params": yuma.YumaParams(),
        "unweighted": np.array([1]),
    }
    err = _raises("bonds_decay", yuma.YUMA2, case)
    assert err.kind == "frozen_bonds" and "from 1.0 to 1.0" in err.message
    INVARIANTS["bonds_decay"].check(yuma.YUMA3, case)  # 1.0 -> 0.9 -> 0.81 ...


def test_yuma2_pays_a_zero_stake_validator_from_its_old_bonds():
    case = {
        "weights": np.array([[0.0], [1.0]]),
        "stake": np.array([0.0, 1.0]),
        "bonds": np.array([[1.0], [0.0]]),
        "params": yuma.YumaParams(),
    }
    err = _raises("zero_stake_no_dividends", yuma.YUMA2, case)
    assert err.kind == "dividends_to_zero_stake" and "holds bonds" in err.message
    INVARIANTS["zero_stake_no_dividends"].check(yuma.YUMA3, case)


def test_yuma3_split_dilutes_the_pair():
    # Two validators, each alone on its miner, equal stake: each earns 1/2. Split the
    # first 1 : 1 and under Yuma 3 the pair earns 1/3; Yuma 2 pays the pair 1/2.
    case = {
        "weights": np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
        "stake": np.array([1.0, 1.0]),
        "params": yuma.YumaParams(),
        "row": 0,
        "fraction": 0.5,
    }
    err = _raises("split_invariance", yuma.YUMA3, case)
    assert err.kind == "split_changes_dividends"
    assert "earns dividends 0.5" in err.message and "0.333" in err.message
    assert "(less)" in err.message
    INVARIANTS["split_invariance"].check(yuma.YUMA2, case)
    INVARIANTS["split_invariance"].check(yuma.YUMA2_LIQUID_ALPHA_V1, case)


# --------------------------------------------------------------------------------------
# check_variant, the report, and the shrinker
# --------------------------------------------------------------------------------------


def test_a_user_variant_from_a_module(monkeypatch):
    monkeypatch.chdir(__import__("pathlib").Path(__file__).resolve().parents[1])
    report = check_variant(
        "tests.variant_helpers:NO_PENALTY", ["kappa_clipping", "split_invariance"], **FAST
    )
    assert report.label == "yuma3_no_penalty"
    assert report.held == ["kappa_clipping"]
    assert report.kinds == {"split_invariance": "split_changes_dividends"}


def test_report_table_frame_and_assertions():
    report = check_variant("yuma2", ["emission_conserved", "bonds_decay"], **FAST)
    text = str(report)
    assert "yuma2: 1/2 invariants hold" in text
    assert "FAILS frozen_bonds" in text and "emission_conserved" in text
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines()[2:]}
    assert rows["bonds_decay"] == ["FAILS", "frozen_bonds"]
    frame = report.to_frame()
    assert frame.columns.tolist() == ["invariant", "holds", "kind", "message", "seconds"]
    assert frame["holds"].tolist() == [True, False]
    assert report.failed == ["bonds_decay"] and not report.ok
    with pytest.raises(AssertionError, match="(?s)fails 1 invariant.*bonds_decay.*frozen_bonds"):
        report.assert_all()
    assert report.assert_all(allow=["bonds_decay"]) is report
    with pytest.raises(ValueError, match="unknown invariants"):
        report.assert_all(allow=["no_such"])
    assert "Minimal counterexample" in report.explain()


def test_formatted_counterexample_is_runnable_code():
    result = check_variant("yuma2", ["bonds_decay"], **FAST)["bonds_decay"]
    scope: dict = {}
    exec(format_case(result.counterexample), scope)  # noqa: S102
    with pytest.raises(InvariantViolation):
        INVARIANTS["bonds_decay"].check(yuma.YUMA2, scope["case"])


def test_check_variant_is_deterministic():
    a = check_variant("yuma3", ["split_invariance"], **FAST)
    b = check_variant("yuma3", ["split_invariance"], **FAST)
    assert a["split_invariance"].message == b["split_invariance"].message
    assert format_case(a["split_invariance"].counterexample) == format_case(
        b["split_invariance"].counterexample
    )


def test_fixed_params_and_liquid_alpha():
    fixed = yuma.YumaParams(bonds_moving_average=1.0)  # EMA rate 0: bonds never move
    report = check_variant("yuma2", ["bonds_decay"], params=fixed, vary_params=False, **FAST)
    assert report.ok  # vacuous: nothing has to decay at rate 0
    assert report.params == dataclasses.replace(fixed, variant="yuma2")
    report = check_variant("yuma3+la", ["determinism"], max_examples=3)
    assert report.params.liquid_alpha and report.label == "yuma3+la"
    report = check_variant(yuma.YUMA2_LIQUID_ALPHA_V1, ["determinism"], max_examples=3)
    assert report.params.liquid_alpha  # a built-in object stands for its preset


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"variant": "yuma9"}, "unknown variant"),
        ({"variant": "yuma3", "invariants": ["no_such"]}, "unknown invariant"),
        ({"variant": "yuma3", "max_examples": 0}, "max_examples"),
        ({"variant": "yuma3", "max_shrinks": -1}, "max_shrinks"),
        ({"variant": "yuma3", "params": {"kappa": 0.5}}, "params must be a YumaParams"),
    ],
)
def test_check_variant_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_variant(**kwargs)


def test_a_crashing_variant_is_reported_not_raised():
    def explode(weights, consensus):
        raise ZeroDivisionError("no")

    report = check_variant(yuma.variant("explodes", clip=explode), ["determinism"], **FAST)
    assert report["determinism"].kind == "error:ZeroDivisionError"
    assert "explode" in report["determinism"].message


def test_simplify_deletes_uids_and_keeps_case_keys_consistent():
    case = {
        "weights": np.ones((3, 3)),
        "stake": np.array([1.0, 2.0, 3.0]),
        "bonds": None,
        "params": yuma.YumaParams(kappa=0.3),
        "perm_rows": np.array([2, 0, 1]),
        "perm_cols": np.array([2, 0, 1]),
        "coalition": np.array([True, False, True]),
    }
    cands = list(candidates(case))
    assert cands[0]["params"] == yuma.YumaParams()
    deleted = cands[1]  # UID 2 removed (rows and columns: square form)
    assert deleted["weights"].shape == (2, 2)
    assert deleted["perm_rows"].tolist() == [0, 1]
    assert deleted["coalition"].tolist() == [True, False]

    # Keep the case failing while it has >= 2 UIDs and UID 0's stake is positive.
    def fails(c):
        return c["weights"].shape[0] >= 2 and c["stake"][0] > 0

    small, tries = simplify(case, fails, budget=100)
    assert small["weights"].shape == (2, 2) and tries < 100
    assert small["stake"].tolist() == [1.0, 0.0]
    assert np.all(small["weights"] == 0.0)
