"""yuma.sweep: grids, per-point seeds, local processes and Dask give the same table."""

from __future__ import annotations

import dataclasses
import doctest
import functools

import distributed  # the Dask test must run, not skip: needs yuma[test] with dask
import numpy as np
import pandas as pd
import pytest

import yuma
from yuma.analysis import guarantees as g
from yuma.analysis import sweep as sweep_module
from yuma.analysis.sweep import SweepError, grid_points, point_seed, read_parquet, sweep, to_parquet

# Module level, so that worker processes can import them (see yuma.sweep's docstring).


def noisy(x, scale, seed):
    rng = np.random.default_rng(seed)
    return {"y": x * scale + rng.normal(), "z": float(rng.integers(1 << 30))}


def plain(x):
    return x * 2


def fails_at_three(x):
    if x == 3:
        raise ArithmeticError("three")
    return {"y": x}


def echo(**point):
    return point


def no_clip(weights, consensus):
    """A user's step: no clipping at consensus (the cabal's self-weight counts in full)."""
    return np.array(weights, dtype=np.float64)


NO_CLIP = dataclasses.replace(yuma.YUMA2, name="yuma2_no_clip", clip=no_clip)
SMALL = {"n_uids": 48, "n_validators": 8}


def test_grid_points_product_and_list():
    pts = grid_points({"a": [1, 2], "b": ["x", "y", "z"]})
    assert [idx for idx, _ in pts] == [(i, j) for i in range(2) for j in range(3)]
    assert pts[4][1] == {"a": 2, "b": "y"}
    assert grid_points([{"a": 1}, {"a": 5, "b": 2}])[1] == ((1,), {"a": 5, "b": 2})


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ({}, "at least one axis"),
        ({"a": []}, "is empty"),
        ({"a": 3}, "must be a list"),
        ({"a": "abc"}, "must be a list"),
        ([], "at least one point"),
        ([1, 2], "must be a dict"),
        ("a", "dict of lists"),
    ],
)
def test_bad_grids(grid, message):
    with pytest.raises(ValueError, match=message):
        sweep(plain, grid, n_workers=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"n_workers": 0}, "n_workers"),
        ({"chunksize": 0}, "chunksize"),
        ({"scheduler": ""}, "scheduler"),
        ({"progress": "yes"}, "progress"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sweep(plain, {"x": [1]}, **kwargs)


def test_table_layout_seeds_and_scalar_results():
    t = sweep(noisy, {"x": [1.0, 2.0], "scale": [10, 20]}, seed=3, n_workers=1)
    assert t.columns.tolist() == ["x", "scale", "y", "z"]
    assert t[["x", "scale"]].to_numpy().tolist() == [[1, 10], [1, 20], [2, 10], [2, 20]]
    rng = np.random.default_rng(point_seed(3, (1, 0)))
    assert t["y"][2] == 2.0 * 10 + rng.normal()
    assert t.attrs["seed"] == 3 and t.attrs["fn"].endswith("noisy")
    assert sweep(plain, [{"x": 1}, {"x": 4}], n_workers=1)["result"].tolist() == [2, 8]


def test_same_seed_same_table_other_seed_other_noise():
    grid = {"x": [0.0, 1.0, 2.0], "scale": [1.0]}
    a = sweep(noisy, grid, seed=1, n_workers=1)
    pd.testing.assert_frame_equal(a, sweep(noisy, grid, seed=1, n_workers=1))
    b = sweep(noisy, grid, seed=2, n_workers=1)
    assert (a["y"] != b["y"]).all()


def test_a_grid_seed_column_is_passed_through():
    t = sweep(noisy, [{"x": 1.0, "scale": 1.0, "seed": 7}], seed=0, n_workers=1)
    assert t["y"][0] == 1.0 + np.random.default_rng(7).normal()


def test_errors_name_the_point():
    with pytest.raises(SweepError, match=r"point 2 \{'x': 3\} raised ArithmeticError"):
        sweep(fails_at_three, {"x": [1, 2, 3, 4]}, n_workers=1)
    with pytest.raises(ValueError, match="repeat grid columns"):
        sweep(echo, {"y": [1]}, n_workers=1)


def test_unpicklable_functions_are_refused_for_processes():
    with pytest.raises(TypeError, match="picklable"):
        sweep(lambda x: x, {"x": [1, 2]}, n_workers=2)
    # ... but run in this process.
    assert sweep(lambda x: x + 1, {"x": [1, 2]}, n_workers=1)["result"].tolist() == [2, 3]


def test_local_processes_match_serial_bit_for_bit():
    grid = {"x": list(np.linspace(0, 1, 7)), "scale": [1.0, 3.0]}
    serial = sweep(noisy, grid, seed=5, n_workers=1)
    pool = sweep(noisy, grid, seed=5, n_workers=2, chunksize=3)
    pd.testing.assert_frame_equal(serial, pool, check_exact=True)
    with pytest.raises(SweepError, match="ArithmeticError"):
        sweep(fails_at_three, {"x": [1, 2, 3, 4]}, n_workers=2, chunksize=1)


def test_dask_cluster_matches_one_worker_bit_for_bit():
    grid_kwargs = dict(stakes=[0.55, 0.8], grid=4, noise="independent", seed=11, **SMALL)
    serial = g.grid_frame(n_workers=1, **grid_kwargs)
    user = sweep(noisy, {"x": [0.5, 1.5], "scale": [2.0]}, seed=4, n_workers=1)
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        on_client = g.grid_frame(client=client, **grid_kwargs)
        by_address = g.grid_frame(scheduler=cluster.scheduler_address, **grid_kwargs)
        user_dask = sweep(noisy, {"x": [0.5, 1.5], "scale": [2.0]}, seed=4, client=client)
    pd.testing.assert_frame_equal(serial, on_client, check_exact=True)
    pd.testing.assert_frame_equal(serial, by_address, check_exact=True)
    pd.testing.assert_frame_equal(user, user_dask, check_exact=True)


def test_unreachable_scheduler_is_a_value_error(monkeypatch):
    monkeypatch.setattr(sweep_module, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(ValueError, match="cannot connect"):
        sweep(plain, {"x": [1]}, scheduler="tcp://127.0.0.1:1")


def test_user_variant_runs_through_sweep_in_processes():
    # Without clipping, a cabal's self-weight pays: the honest side gets less.
    t = g.grid_frame(
        stakes=[0.6], grid=[0.5, 1.0], axes={"variant": ["yuma2", NO_CLIP]}, n_workers=2,
        sigma_w=0.0, **SMALL,
    )
    assert t["variant"].unique().tolist() == ["yuma2", "yuma2_no_clip"]
    clipped = t[t["variant"] == "yuma2"]["e_h"].to_numpy()
    unclipped = t[t["variant"] == "yuma2_no_clip"]["e_h"].to_numpy()
    at_full_cabal_self_weight = (t[t["variant"] == "yuma2"]["w_c"] == 1.0).to_numpy()
    assert (unclipped[at_full_cabal_self_weight] < clipped[at_full_cabal_self_weight] - 0.01).all()
    # and a direct epoch with the same Variant gives the same number
    net = g.sample_network(0.6, 0.5, 1.0, sigma_w=0.0, **SMALL)
    r = yuma.epoch(net.weights, net.stake, variant=NO_CLIP,
                   params=yuma.YumaParams(max_allowed_validators=8))
    hv, hs = net.n_honest_validators, net.n_honest_servers
    expect = 0.5 * r.dividends[:hv].sum() + 0.5 * r.incentive[:hs].sum()
    row = t[(t["variant"] == "yuma2_no_clip") & (t["w_h"] == 0.5) & (t["w_c"] == 1.0)]
    assert row["e_h"].iloc[0] == pytest.approx(expect, abs=1e-12)


def test_parquet_round_trip(tmp_path):
    t = sweep(noisy, {"x": [1.0, 2.0], "scale": [1.0]}, seed=2, n_workers=1,
              out=tmp_path / "a.parquet")
    back = read_parquet(tmp_path / "a.parquet")
    pd.testing.assert_frame_equal(t, back, check_exact=True)
    assert back.attrs["seed"] == 2
    to_parquet(t, tmp_path / "b.parquet")
    pd.testing.assert_frame_equal(read_parquet(tmp_path / "b.parquet"), t)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet", "b.parquet"]


def test_nothing_written_when_a_point_fails(tmp_path):
    with pytest.raises(SweepError):
        sweep(fails_at_three, {"x": [1, 3]}, n_workers=1, out=tmp_path / "t.parquet")
    assert not any(tmp_path.iterdir())


def test_progress_bar_without_tqdm(monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name == "tqdm":
            raise ImportError("no tqdm")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    sweep(plain, {"x": [1, 2, 3]}, n_workers=1, progress=True)
    err = capsys.readouterr().err
    assert "3/3 points" in err and "#" in err


def test_partial_functions_get_seeds():
    fn = functools.partial(noisy, scale=2.0)
    t = sweep(fn, {"x": [1.0]}, seed=9, n_workers=1)
    assert t["y"][0] == 2.0 + np.random.default_rng(point_seed(9, (0,))).normal()


def test_module_doctest():
    result = doctest.testmod(sweep_module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
