"""Regenerate the README's figures: ``python docs/make_figures.py`` (needs matplotlib)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import yuma  # noqa: E402
from yuma import economics as ec  # noqa: E402
from yuma.sim.plot import plot_simulations, run_variants  # noqa: E402

HERE = Path(__file__).parent


def issuance() -> Path:
    """Issuance and block emission over 50 years."""
    years = np.linspace(0, 50, 1001)
    p = ec.project_issuance((years * ec.BLOCKS_PER_YEAR).astype(np.int64))
    fig, ax = plt.subplots(figsize=(7, 3.2), constrained_layout=True)
    ax.plot(years, np.asarray(p.issuance, dtype=float) / 1e15, lw=1.6)
    ax.axhline(21, color="grey", lw=0.7, ls="--")
    ax.set_xlabel("years from the first block (12 s blocks)")
    ax.set_ylabel("issuance (M TAO)")
    ax2 = ax.twinx()
    ax2.step(years, np.asarray(p.emission, dtype=float) / 1e9, color="tab:orange", where="post")
    ax2.set_ylabel("TAO per block", color="tab:orange")
    ax.set_title("yuma.economics.project_issuance: 50 years")
    out = HERE / "issuance.png"
    fig.savefig(out, dpi=110)
    return out


def weight_copier() -> Path:
    """The weight copier scenario under yuma2, yuma3 and yuma3+la."""
    fig = plot_simulations(run_variants(yuma.get_scenario("weight_copier")))
    out = HERE / "weight_copier.png"
    fig.savefig(out, dpi=110)
    return out


def sn15_copy_risk() -> Path:
    """The copy-risk sweep on the SN15 dump (synthetic drift 0.1 per tempo), yuma3+la."""
    dump = HERE.parent / "tests" / "data" / "real" / "sn15_block4769998.pt"
    fig = yuma.copy_risk(dump, drift=0.1).plot()
    out = HERE / "sn15_copy_risk.png"
    fig.savefig(out, dpi=110)
    return out


if __name__ == "__main__":
    for make in (issuance, weight_copier, sn15_copy_risk):
        print(make())
