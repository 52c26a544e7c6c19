"""yuma.guarantees: the chain document's honest-vs-cabal model, its maps and `yuma guarantees`."""

from __future__ import annotations

import dataclasses
import functools
import math

import matplotlib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import yuma
from yuma.analysis import guarantees as g
from yuma.cli.commands import main

matplotlib.use("Agg")


SMALL = {"n_uids": 48, "n_validators": 8}
unit = st.floats(0.0, 1.0)
stake_share = st.floats(0.05, 0.95)
variants = st.sampled_from(["yuma2", "yuma3"])


def test_team_sizes_follow_the_chain_test():
    assert g.team_sizes(0.6) == (38, 268)
    assert g.team_sizes(0.51) == (32, 228)
    assert g.team_sizes(0.99) == (63, 443)
    assert g.team_sizes(0.001) == (1, 1)  # each team keeps a validator and a server
    assert g.team_sizes(0.9999, 10, 4) == (3, 5)
    with pytest.raises(ValueError, match="n_validators >= 2"):
        g.team_sizes(0.6, 10, 9)


@settings(max_examples=25)
@given(s_h=stake_share, w_h=unit, w_c=unit, sigma_w=st.floats(0.0, 1.0), seed=st.integers(0, 9))
def test_sampled_network_has_the_documents_shares(s_h, w_h, w_c, sigma_w, seed):
    net = g.sample_network(s_h, w_h, w_c, sigma_w=sigma_w, seed=seed, **SMALL)
    hv, hs = net.n_honest_validators, net.n_honest_servers
    assert net.weights.shape == (8, 40) and (net.weights >= 0).all()
    assert net.stake[:hv].sum() == pytest.approx(s_h, abs=1e-12)
    assert net.stake.sum() == pytest.approx(1.0, abs=1e-12)
    quadrant = net.weights[:hv, :hs].sum(axis=1)
    # a quadrant's row sums to its share (or to 0 when every noisy draw was clamped)
    assert np.all(np.isclose(quadrant, w_h, atol=1e-12) | (quadrant == 0))
    cabal_self = net.weights[hv:, hs:].sum(axis=1)
    assert np.all(np.isclose(cabal_self, w_c, atol=1e-12) | (cabal_self == 0))


def test_common_noise_is_shared_and_seeded():
    a = g.sample_network(0.6, 0.3, 0.9, seed=1, **SMALL)
    b = g.sample_network(0.6, 0.7, 0.2, seed=1, **SMALL)
    hv, hs = a.n_honest_validators, a.n_honest_servers
    np.testing.assert_array_equal(a.stake, b.stake)
    np.testing.assert_allclose(a.weights[:hv, :hs] / 0.3, b.weights[:hv, :hs] / 0.7)
    c = g.sample_network(0.6, 0.3, 0.9, seed=2, **SMALL)
    assert not np.array_equal(a.weights, c.weights)
    ss = np.random.SeedSequence(5)
    np.testing.assert_array_equal(
        g.sample_network(0.6, 0.3, 0.9, seed=ss, **SMALL).weights,
        g.sample_network(0.6, 0.3, 0.9, seed=np.random.SeedSequence(5), **SMALL).weights,
    )


@settings(max_examples=30)
@given(
    s_h=stake_share, w_h=unit, w_c=unit, kappa=unit, beta=unit, xi=unit,
    sigma_w=st.floats(0.0, 0.6), variant=variants,
)
def test_honest_and_cabal_emission_sum_to_one(s_h, w_h, w_c, kappa, beta, xi, sigma_w, variant):
    r = g.honest_emission(s_h, w_h, w_c, kappa=kappa, bonds_penalty=beta, xi=xi,
                          sigma_w=sigma_w, variant=variant, **SMALL)
    assert r["e_h"] + r["e_c"] == pytest.approx(1.0, abs=1e-12)
    assert 0.0 <= r["e_h"] <= 1.0 + 1e-12
    assert 0.0 <= r["i_h"] <= 1.0 + 1e-12 and 0.0 <= r["d_h"] <= 1.0 + 1e-12


@settings(max_examples=25)
@given(w=unit, kappa=unit, beta=unit, xi=unit, variant=variants)
def test_symmetric_teams_split_evenly(w, kappa, beta, xi, variant):
    # S_H = 0.5, the same self-weight on both sides, no noise: a mirror image.
    r = g.honest_emission(0.5, w, w, kappa=kappa, bonds_penalty=beta, xi=xi, sigma_w=0.0,
                          sigma_s=0.0, variant=variant, n_uids=64, n_validators=16)
    assert r["e_h"] == pytest.approx(0.5, abs=1e-12)


@settings(max_examples=25)
@given(s_h=stake_share, w_h=unit, kappa=unit, beta=unit, xi=unit, variant=variants)
def test_agreement_pays_stake_and_utility(s_h, w_h, kappa, beta, xi, variant):
    # Everyone sets the same weights (W_C = 1 - W_H, no weight noise): nothing is clipped,
    # bonds follow stake and incentive follows the weights: E_H = xi S_H + (1 - xi) W_H.
    r = g.honest_emission(s_h, w_h, 1.0 - w_h, kappa=kappa, bonds_penalty=beta, xi=xi,
                          sigma_w=0.0, variant=variant, **SMALL)
    assert r["i_h"] == pytest.approx(w_h, abs=1e-9)
    assert r["d_h"] == pytest.approx(s_h, abs=1e-9)
    assert r["e_h"] == pytest.approx(xi * s_h + (1 - xi) * w_h, abs=1e-9)


@pytest.mark.parametrize("variant", ["yuma2", "yuma3"])
def test_one_epoch_is_converged_without_liquid_alpha(variant):
    one = g.honest_emission(0.6, 0.7, 0.9, variant=variant, **SMALL)
    many = g.honest_emission(0.6, 0.7, 0.9, variant=variant, epochs=6, **SMALL)
    assert many["e_h"] == pytest.approx(one["e_h"], abs=1e-12)
    la = g.honest_emission(0.6, 0.7, 0.9, variant="yuma3", liquid_alpha=True, epochs=6, **SMALL)
    assert 0.0 < la["e_h"] < 1.0


def test_full_size_point_matches_the_documents_reading():
    # docs/consensus.md: sigma = 0.4, kappa = 0.5, beta = 1, xi = 0.5: 60% stake needs 73%
    # utility against the cabal's optimal self-weight 80%.
    r = g.honest_emission(0.6, 0.73, 0.8)
    assert r["e_h"] == pytest.approx(0.6, abs=0.01)


@pytest.fixture(scope="module")
def doc_map():
    """The document's network at the S_H = 0.6 and 0.9 stakes, on an 11 x 11 grid."""
    return g.emission_map([0.6, 0.9], 11, n_workers=1)


def test_more_honest_utility_means_more_honest_emission(doc_map):
    assert (np.diff(doc_map.e_h, axis=1) > 0).all()


def test_retention_needs_more_utility_for_more_stake(doc_map):
    need_60, _ = doc_map.required_utility(0.6)
    need_90, _ = doc_map.required_utility(0.9)
    assert 0.65 < need_60 < 0.8 < need_90 <= 1.0


def test_map_frame_round_trip(doc_map, tmp_path):
    frame = doc_map.to_frame()
    assert len(frame) == 2 * 11 * 11 and {"s_h", "w_h", "w_c", "e_h", "kappa"} <= set(frame)
    frame.to_parquet(tmp_path / "m.parquet")
    back = g.RetentionMap.from_frame(pd.read_parquet(tmp_path / "m.parquet"))
    np.testing.assert_array_equal(back.e_h, doc_map.e_h)
    assert back.params["kappa"] == 0.5 and back.params["variant"] == "yuma2"


def test_panels_follow_the_documents_trends():
    # beta: 78% / 73% and xi: 82% / 73% in the document; sigma: 60% / 73%.
    need = {}
    for parameter, values in [("bonds_penalty", (0.0, 1.0)), ("xi", (0.0, 0.5)),
                              ("sigma_w", (0.0, 0.4))]:
        maps = g.panel(parameter, values, [0.6], 11, n_workers=1)
        need[parameter] = [maps[v].required_utility(0.6)[0] for v in values]
    assert need["bonds_penalty"][0] > need["bonds_penalty"][1]
    assert need["xi"][0] > need["xi"][1]
    assert need["sigma_w"][0] < need["sigma_w"][1]
    assert need["sigma_w"][0] == pytest.approx(0.6, abs=0.02)


def test_kappa_above_the_honest_stake_gives_no_protection():
    maps = g.panel("kappa", [0.5, 0.6], [0.55], 6, n_workers=1, **SMALL)
    assert math.isfinite(maps[0.5].required_utility(0.55)[0])
    # kappa = 0.6 > S_H: only full honest utility (or nothing) keeps the stake share
    assert maps[0.6].required_utility(0.55)[0] >= 0.99 > maps[0.5].required_utility(0.55)[0]


def test_independent_noise_depends_on_the_seed():
    kw = dict(stakes=[0.6], grid=3, n_workers=1, noise="independent", **SMALL)
    a, b = g.grid_frame(seed=1, **kw), g.grid_frame(seed=1, **kw)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    c = g.grid_frame(seed=2, **kw)
    assert not np.array_equal(a["e_h"].to_numpy(), c["e_h"].to_numpy())


def test_retention_line_interpolates_the_uppermost_crossing():
    w = np.linspace(0, 1, 5)
    e = np.stack([w, w - 1, w + 1, np.array([0.7, 0.5, 0.7, 0.5, 0.7])], axis=1)
    line = g.retention_line(e, w, 0.6)
    assert line[0] == pytest.approx(0.6)
    assert math.isnan(line[1])  # never retained
    assert line[2] == 0.0  # always retained
    assert line[3] == pytest.approx(0.75 + 0.25 * 0.5)  # last crossing, interpolated
    with pytest.raises(ValueError, match="increasing"):
        g.retention_line(e, w[::-1], 0.6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kappa": 1.5}, "kappa"),
        ({"xi": -0.1}, "xi"),
        ({"sigma_w": -1.0}, "sigma_w"),
        ({"epochs": 0}, "epochs"),
        ({"variant": "yuma9"}, "variant"),
        ({"noise": "pink"}, "noise"),
        ({"grid": 1}, "grid"),
        ({"stakes": [1.0]}, "stakes"),
        ({"gamma": 1.0}, "unknown parameters"),
    ],
)
def test_bad_map_arguments(kwargs, message):
    args = {"stakes": [0.6], "grid": 3, "n_workers": 1, **SMALL, **kwargs}
    with pytest.raises(ValueError, match=message):
        g.grid_frame(**args)


@pytest.mark.parametrize(("target", "message"), [
    ("no/such/folder/t.parquet", "out: folder .* does not exist"),
    ("/proc/t.parquet", "out: cannot create a file in '/proc'"),
    ("DIR", "is a folder, not a file"),
])
def test_map_output_is_checked_before_any_point_runs(tmp_path, monkeypatch, target, message):
    def no_sweep(*args, **kwargs):
        raise AssertionError("the sweep started")

    monkeypatch.setattr("yuma.analysis.sweep.sweep", no_sweep)
    out = tmp_path if target == "DIR" else (
        target if target.startswith("/") else tmp_path / target)
    with pytest.raises(ValueError, match=message):
        g.grid_frame(stakes=[0.6], grid=3, n_workers=1, out=out, **SMALL)


def test_figures(doc_map):
    import matplotlib.pyplot as plt

    fig = g.plot_panel({0.5: doc_map, 0.6: doc_map}, "kappa", s_h=0.6)
    assert len(fig.axes) >= 4
    assert "W_H" in fig.axes[0].get_title()
    single = g.plot_panel({"one": doc_map}, s_h=0.9)
    assert len(single.axes) >= 2
    fig2, axes = plt.subplots(2, 2)
    assert g.plot_panel({0.5: doc_map, 0.6: doc_map}, "kappa", s_h=0.6, ax=axes) is fig2
    with pytest.raises(ValueError, match="ax must hold 2 x 2"):
        g.plot_panel({0.5: doc_map, 0.6: doc_map}, "kappa", ax=axes[0])
    fig3, ax = plt.subplots()
    assert g.plot_emission_map(doc_map, 0.6, ax=ax) is fig3
    assert g.plot_retention_lines(doc_map, ax=ax) is fig3
    assert "W_H" in ax.get_xlabel()
    plt.close("all")


# ---------------------------------------------------------------------------- the CLI


def test_cli_prints_needs_and_writes_outputs(tmp_path, capsys):
    out, fig = tmp_path / "r.parquet", tmp_path / "map.png"
    args = ["guarantees", "--kappa", "0.5", "--beta", "1", "--xi", "0.5", "--sigma", "0",
            "--grid", "5", "--stakes", "0.6,0.7", "--uids", "48", "--validators", "8",
            "--epochs", "1", "--workers", "1", "--out", str(out), "--plot", str(fig)]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "W_H needed" in text and str(out) in text and str(fig) in text
    table = pd.read_parquet(out)
    assert len(table) == 2 * 5 * 5 and (table["sigma_w"] == 0).all()
    rmap = g.RetentionMap.from_frame(table)
    need, wc = rmap.required_utility(0.6)
    row = next(line.split() for line in text.splitlines() if line.split()[:1] == ["0.60"])
    assert row == ["0.60", f"{need:.3f}", f"{wc:.2f}"]
    assert fig.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png", "r.parquet"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--kappa", "1.5"], "kappa must be in"),
        (["--beta", "-1"], "bonds_penalty must be in"),
        (["--sigma", "-0.1"], "sigma_w"),
        (["--grid", "1"], "--grid must be >= 2"),
        (["--epochs", "0"], "epochs must be"),
        (["--workers", "0"], "--workers must be >= 1"),
        (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], "not both"),
        (["--stakes", "0.6,abc"], "--stakes must be"),
        (["--stakes", "0.6,1.0"], "stakes must be in"),
        (["--out", "table.csv"], "--out must name"),
        (["--plot", "map.txt"], "--plot must name"),
        (["--out", "no/such/dir/t.parquet"], "does not exist"),
        (["--highlight", "0.9"], "--highlight 0.9 is not among"),
        (["--validators", "1"], "n_validators >= 2"),
    ],
)
def test_cli_bad_arguments(tmp_path, monkeypatch, capsys, extra, message):
    monkeypatch.chdir(tmp_path)
    base = ["guarantees", "--grid", "3", "--stakes", "0.6", "--uids", "48", "--validators",
            "8", "--workers", "1", "--out", "t.parquet", "--plot", "m.png"]
    assert main(base + extra) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
    assert not any(tmp_path.iterdir())


def test_cli_unparsable_numbers_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["guarantees", "--grid", "many"])
    assert info.value.code == 2
    assert "invalid int value" in capsys.readouterr().err


def test_cli_unreachable_scheduler(tmp_path, monkeypatch, capsys):
    from yuma.analysis import sweep as sweep_module

    monkeypatch.setattr(sweep_module, "CONNECT_TIMEOUT", "1s")
    monkeypatch.chdir(tmp_path)
    args = ["guarantees", "--grid", "3", "--stakes", "0.6", "--scheduler", "tcp://127.0.0.1:1",
            "--out", "t.parquet"]
    assert main(args) == 2
    assert "cannot connect" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_exports():
    assert yuma.guarantees is g and callable(yuma.analysis.sweep.sweep)
    assert {"guarantees", "sweep"} <= set(yuma.__all__)


# --------------------------------------------------------------------------------------
# The batched grid (one epoch_batch per (S_H, W_C)) is the point-by-point loop, bit for bit
# --------------------------------------------------------------------------------------


def loop_frame(stakes, grid, *, axes=None, seed=0, noise="common", **params):
    """The grid as a sweep of ``_grid_point`` over every point: the reference loop path."""
    from yuma.analysis.sweep import sweep

    defaults = {"n_uids": 512, "n_validators": 64, "kappa": 0.5, "bonds_penalty": 1.0,
                "xi": 0.5, "sigma_w": 0.4, "sigma_s": 0.3, "epochs": 1, "variant": "yuma2",
                "liquid_alpha": False}
    fixed = {**defaults, **params}
    for k in axes or {}:
        fixed.pop(k)
    w = g._axis(grid)
    full = {**(axes or {}), "s_h": list(stakes), "w_c": w.tolist(), "w_h": w.tolist()}
    point = functools.partial(g._grid_point, base_seed=seed, noise=noise, **fixed)
    table = sweep(point, full, seed=seed, n_workers=1)
    for k, v in fixed.items():
        table[k] = v.name if isinstance(v, yuma.Variant) else v
    table.attrs.update({"model": "yuma.guarantees", "noise": noise, "seed": seed})
    return table


def assert_same_table(got, want):
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs == want.attrs
    for column in want.columns:
        if want[column].dtype.kind == "f":
            assert got[column].to_numpy().tobytes() == want[column].to_numpy().tobytes(), column


TWIN_YUMA3 = dataclasses.replace(yuma.VARIANTS["yuma3"], name="twin-yuma3")


@pytest.mark.parametrize(
    "settings_",
    [
        {},
        {"noise": "independent", "seed": 3},
        {"variant": "yuma3", "liquid_alpha": True, "epochs": 3, "bonds_penalty": 0.5},
        {"variant": "yuma2_liquid_alpha_v1", "liquid_alpha": True, "epochs": 2,
         "noise": "independent"},
        {"variant": TWIN_YUMA3, "epochs": 2, "sigma_w": 0.0},
        {"axes": {"kappa": [0.4, 0.6]}, "xi": 0.0},
        {"axes": {"epochs": [1, 2], "sigma_s": [0.0, 0.3]}, "variant": "yuma3",
         "liquid_alpha": True, "noise": "independent", "seed": 1},
    ],
)
def test_batched_grid_is_the_point_loop(settings_):
    kw = dict(settings_)
    axes = kw.pop("axes", None)
    want = loop_frame([0.55, 0.9], 5, axes=axes, **{**SMALL, **kw})
    got = g.grid_frame([0.55, 0.9], 5, axes=axes, n_workers=1, **{**SMALL, **kw})
    assert_same_table(got, want)


def test_batched_grid_in_worker_processes_is_the_point_loop():
    kw = {"noise": "independent", "variant": "yuma3", "liquid_alpha": True, "epochs": 2}
    want = loop_frame([0.6], 4, **SMALL, **kw)
    got = g.grid_frame([0.6], 4, n_workers=2, **SMALL, **kw)
    assert_same_table(got, want)


@settings(max_examples=20)
@given(
    s_h=stake_share, w_h=st.lists(unit, min_size=1, max_size=6), w_c=unit,
    kappa=st.sampled_from([0.0, 0.3, 0.5, 1.0]), beta=st.sampled_from([0.0, 0.5, 1.0]),
    xi=unit, sigma_w=st.sampled_from([0.0, 0.4, 3.0]), epochs=st.integers(1, 3),
    variant=st.sampled_from(["yuma2", "yuma2_liquid_alpha_v1", "yuma3"]),
    liquid_alpha=st.booleans(), independent=st.booleans(),
)
def test_honest_emissions_are_honest_emission(s_h, w_h, w_c, kappa, beta, xi, sigma_w,
                                              epochs, variant, liquid_alpha, independent):
    kw = dict(kappa=kappa, bonds_penalty=beta, xi=xi, sigma_w=sigma_w, epochs=epochs,
              variant=variant, liquid_alpha=liquid_alpha, **SMALL)
    seeds = [np.random.SeedSequence(7, spawn_key=(k,)) for k in range(len(w_h))]
    seed = seeds if independent else 5
    got = g.honest_emissions(s_h, w_h, w_c, seed=seed, **kw)
    for k, h in enumerate(w_h):
        want = g.honest_emission(s_h, h, w_c, seed=seeds[k] if independent else 5, **kw)
        assert got[k] == want  # every value, exactly
        for name, value in want.items():
            assert math.copysign(1.0, got[k][name]) == math.copysign(1.0, value), name


@settings(max_examples=200)
@given(
    n_rows=st.integers(1, 140), n_cols=st.integers(1, 300), seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([1e-3, 1.0, 1e6]),
)
def test_deviation_sums_are_numpys(n_rows, n_cols, seed, scale):
    rng = np.random.default_rng(seed)
    w = rng.random((n_rows, n_cols)) * (rng.random((n_rows, n_cols)) < 0.7)
    stake = rng.random(n_rows) * scale * (rng.random(n_rows) < 0.9)
    mean = stake @ w
    got = g._deviation_sums(stake, mean, w)
    want = (stake[:, None] * np.abs(mean[None, :] - w)).sum(axis=0)
    assert got.tobytes() == want.tobytes()
