import dataclasses
import subprocess
import sys

import numpy as np
import pytest

import yuma
from yuma.cli.commands import demo_inputs, main


def test_to_frame_square_lists_each_uid_once():
    w = np.array([[0.0, 1.0, 3.0], [1.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    r = yuma.epoch(w, np.array([2.0, 1.0, 0.0]))
    frame = r.to_frame()
    assert list(frame.index) == [0, 1, 2]
    assert frame.index.name == "uid"
    for column in ("stake", "consensus", "incentive", "dividends", "emission"):
        np.testing.assert_array_equal(frame[column].to_numpy(), getattr(r, column))
    # UID 2 holds no stake and sets no weights: no dividends, no permit.
    assert frame.loc[2, "dividends"] == 0.0
    assert not frame.loc[2, "validator_permit"]


def test_to_frame_rectangular_puts_validators_then_miners():
    w = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    r = yuma.epoch(w, np.array([1.0, 1.0, 2.0]))
    frame = r.to_frame()
    assert len(frame) == 5 == r.n_uids
    assert not r.square
    # validators (0..2) receive no incentive, miners (3..4) earn no dividends
    np.testing.assert_array_equal(frame["incentive"].to_numpy()[:3], 0.0)
    np.testing.assert_array_equal(frame["dividends"].to_numpy()[3:], 0.0)
    np.testing.assert_array_equal(frame["incentive"].to_numpy()[3:], r.incentive)
    np.testing.assert_array_equal(frame["dividends"].to_numpy()[:3], r.dividends)
    assert frame["emission"].sum() == pytest.approx(1.0, abs=1e-12)
    # Half the emission goes to each side when both incentive and dividends exist.
    assert frame["emission"].to_numpy()[:3].sum() == pytest.approx(0.5, abs=1e-12)


def test_result_is_frozen():
    r = yuma.epoch(np.array([[1.0]]), np.array([1.0]))
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.consensus = np.zeros(1)


def test_demo_inputs_shape_and_cabal():
    w, s = demo_inputs(4, 8, seed=1)
    assert w.shape == (12, 12) and s.shape == (12,)
    r = yuma.epoch(w, s)
    # The last validator puts everything on the last miner and is clipped hard.
    assert r.validator_trust[3] < 0.5 < r.validator_trust[:3].min()


def test_cli_demo_prints_a_table(capsys):
    assert main(["demo", "--validators", "3", "--miners", "5", "--epochs", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line[:3].strip().isdigit()]
    assert [int(line[:3]) for line in rows] == list(range(8))
    assert out[-1].split() == ["sum", "1.000000", "1.000000", "1.000000"]


def test_cli_rejects_bad_arguments(capsys):
    assert main(["demo", "--validators", "0"]) == 2
    assert capsys.readouterr().err.strip() == "yuma demo: error: --validators must be >= 1, got 0"
    with pytest.raises(SystemExit):
        main(["demo", "--variant", "nope"])


def test_python_dash_m_yuma_demo_runs():
    done = subprocess.run(
        [sys.executable, "-m", "yuma", "demo", "--miners", "3"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "variant=yuma3" in done.stdout
