"""YumaParams: defaults, immutability and conversion from the chain's integer units."""

from __future__ import annotations

import dataclasses

import pytest

import yuma
from yuma import YumaParams


def test_defaults():
    p = YumaParams()
    assert p.kappa == 32767 / 65535
    assert p.bonds_moving_average == 0.9
    assert p.bonds_penalty == 1.0
    assert p.liquid_alpha is False
    assert p.alpha_low == 0.7
    assert p.alpha_high == 0.9
    assert p.alpha_sigmoid_steepness == 10.0
    assert p.variant == "yuma3"
    assert p.max_allowed_validators == 64


def test_default_ema_rate():
    assert YumaParams().ema_alpha == 1.0 - 0.9
    assert YumaParams(bonds_moving_average=0.975).ema_alpha == 1.0 - 0.975


def test_fields_are_exactly_the_documented_ones():
    names = [f.name for f in dataclasses.fields(YumaParams)]
    assert names == [
        "kappa",
        "bonds_moving_average",
        "bonds_penalty",
        "liquid_alpha",
        "alpha_low",
        "alpha_high",
        "alpha_sigmoid_steepness",
        "variant",
        "max_allowed_validators",
        "liquid_alpha_consensus_mode",
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [("kappa", 0.1), ("variant", "yuma2"), ("liquid_alpha", True), ("max_allowed_validators", 3)],
)
def test_frozen(name, value):
    p = YumaParams()
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(p, name, value)
    assert getattr(p, name) == getattr(YumaParams(), name)


def test_no_new_attributes():
    p = YumaParams()
    with pytest.raises((AttributeError, TypeError)):
        p.rho = 10


def test_equal_and_hashable():
    assert YumaParams() == YumaParams()
    assert hash(YumaParams()) == hash(YumaParams())
    assert YumaParams(kappa=0.25) != YumaParams()
    assert len({YumaParams(), YumaParams(), YumaParams(variant="yuma2")}) == 2


def test_replace_validates():
    p = dataclasses.replace(YumaParams(), kappa=0.25)
    assert p.kappa == 0.25
    with pytest.raises(ValueError, match="kappa"):
        dataclasses.replace(YumaParams(), kappa=1.5)


@pytest.mark.parametrize("value", [0.0, 1.0])
def test_boundary_values_accepted(value):
    p = YumaParams(
        kappa=value,
        bonds_moving_average=value,
        bonds_penalty=value,
        alpha_low=value,
        alpha_high=value,
    )
    assert (p.kappa, p.bonds_moving_average, p.bonds_penalty) == (value, value, value)
    assert (p.alpha_low, p.alpha_high) == (value, value)


@pytest.mark.parametrize("variant", ["yuma2", "yuma2_liquid_alpha_v1", "yuma3"])
def test_builtin_variants_accepted(variant):
    assert YumaParams(variant=variant).variant == variant
    assert variant in yuma.VARIANTS


# --------------------------------------------------------------------------------------
# from_chain
# --------------------------------------------------------------------------------------


def test_from_chain_defaults_match_natural_defaults():
    p = YumaParams.from_chain()
    assert p.kappa == 32767 / 65535
    assert p.bonds_moving_average == 0.9
    assert p.bonds_penalty == 1.0
    assert p.liquid_alpha is False
    assert p.alpha_low == 45875 / 65535
    assert p.alpha_high == 58982 / 65535
    assert abs(p.alpha_low - 0.7) < 1e-4 and abs(p.alpha_high - 0.9) < 1e-4
    assert p.alpha_sigmoid_steepness == 10.0
    assert p.variant == "yuma3"
    assert p.max_allowed_validators == 64


@pytest.mark.parametrize("kappa", [0, 1, 32767, 32768, 65534, 65535])
def test_from_chain_kappa(kappa):
    assert YumaParams.from_chain(kappa=kappa).kappa == kappa / 65535


def test_from_chain_kappa_examples():
    assert YumaParams.from_chain(kappa=0).kappa == 0.0
    assert YumaParams.from_chain(kappa=65535).kappa == 1.0
    assert YumaParams.from_chain(kappa=32767).kappa < 0.5 < YumaParams.from_chain(kappa=32768).kappa


@pytest.mark.parametrize("bma", [0, 1, 500_000, 900_000, 975_000, 999_999, 1_000_000])
def test_from_chain_bonds_moving_average_per_million(bma):
    p = YumaParams.from_chain(bonds_moving_average=bma)
    assert p.bonds_moving_average == bma / 1_000_000
    assert p.ema_alpha == 1.0 - bma / 1_000_000


def test_from_chain_ema_rate_example():
    # 975_000 per million keeps 97.5% per epoch: the EMA learning rate is 0.025.
    assert round(YumaParams.from_chain(bonds_moving_average=975_000).ema_alpha, 12) == 0.025


@pytest.mark.parametrize("penalty", [0, 1, 32767, 65535])
def test_from_chain_bonds_penalty_u16(penalty):
    assert YumaParams.from_chain(bonds_penalty=penalty).bonds_penalty == penalty / 65535


def test_from_chain_bonds_penalty_ends():
    assert YumaParams.from_chain(bonds_penalty=0).bonds_penalty == 0.0
    assert YumaParams.from_chain(bonds_penalty=65535).bonds_penalty == 1.0


@pytest.mark.parametrize("pair", [(0, 0), (0, 65535), (1638, 1638), (45875, 58982), (65535, 65535)])
def test_from_chain_alpha_values_u16_pair(pair):
    p = YumaParams.from_chain(alpha_values=pair)
    assert (p.alpha_low, p.alpha_high) == (pair[0] / 65535, pair[1] / 65535)


def test_from_chain_alpha_values_as_list():
    p = YumaParams.from_chain(alpha_values=[100, 200])
    assert (p.alpha_low, p.alpha_high) == (100 / 65535, 200 / 65535)


@pytest.mark.parametrize("steepness", [-32768, -1000, 0, 1, 1000, 32767])
def test_from_chain_steepness_per_hundred(steepness):
    assert YumaParams.from_chain(alpha_sigmoid_steepness=steepness).alpha_sigmoid_steepness == (
        steepness / 100
    )


def test_from_chain_steepness_default_is_slope_ten():
    assert YumaParams.from_chain(alpha_sigmoid_steepness=1000).alpha_sigmoid_steepness == 10.0


@pytest.mark.parametrize("on", [False, True])
def test_from_chain_liquid_alpha_on(on):
    p = YumaParams.from_chain(liquid_alpha_on=on)
    assert p.liquid_alpha is on


@pytest.mark.parametrize(("on", "variant"), [(True, "yuma3"), (False, "yuma2")])
def test_from_chain_yuma3_on(on, variant):
    assert YumaParams.from_chain(yuma3_on=on).variant == variant


@pytest.mark.parametrize("mav", [0, 1, 64, 128, 65535])
def test_from_chain_max_allowed_validators(mav):
    assert YumaParams.from_chain(max_allowed_validators=mav).max_allowed_validators == mav


def test_from_chain_is_keyword_only():
    with pytest.raises(TypeError):
        YumaParams.from_chain(32767)


def test_from_chain_all_at_once():
    p = YumaParams.from_chain(
        kappa=6554,
        bonds_moving_average=975_000,
        bonds_penalty=0,
        alpha_values=(32768, 52428),
        alpha_sigmoid_steepness=-250,
        liquid_alpha_on=True,
        yuma3_on=False,
        max_allowed_validators=12,
    )
    assert p == YumaParams(
        kappa=6554 / 65535,
        bonds_moving_average=0.975,
        bonds_penalty=0.0,
        liquid_alpha=True,
        alpha_low=32768 / 65535,
        alpha_high=52428 / 65535,
        alpha_sigmoid_steepness=-2.5,
        variant="yuma2",
        max_allowed_validators=12,
    )
    assert isinstance(p, YumaParams)


def test_epoch_uses_params_variant_and_variant_argument_overrides():
    import numpy as np

    w = np.array([[0.0, 1.0], [1.0, 0.0]])
    s = np.array([1.0, 1.0])
    assert yuma.epoch(w, s).variant == "yuma3"
    assert yuma.epoch(w, s, params=YumaParams(variant="yuma2")).variant == "yuma2"
    r = yuma.epoch(w, s, params=YumaParams(variant="yuma2"), variant="yuma2_liquid_alpha_v1")
    assert r.variant == "yuma2_liquid_alpha_v1"
