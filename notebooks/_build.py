"""Write the notebooks in this folder from their cell sources (run: python notebooks/_build.py).

Keeping the sources here makes reviews readable; CI executes the .ipynb files (nbmake).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent


def build(name: str, cells: list[tuple[str, str]]) -> Path:
    nb = new_notebook()
    nb.cells = [new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = HERE / name
    nbformat.write(nb, path)
    return path


ONE_EPOCH = [
    ("md", """# One Yuma epoch, step by step

Each cell computes one field of `yuma.epoch` again from its formula and checks it against the
library's result. The subnet is in the chain's square form: 3 validators (UIDs 0-2) and
4 miners (UIDs 3-6); row *i* and column *i* are the same UID."""),
    ("code", """import numpy as np
import yuma

np.set_printoptions(precision=4, suppress=True)
n_val, n = 3, 7
W_raw = np.zeros((n, n))
W_raw[0, 3:] = [0.4, 0.3, 0.2, 0.1]
W_raw[1, 3:] = [0.5, 0.3, 0.2, 0.0]
W_raw[2, 3:] = [0.0, 0.0, 0.0, 1.0]   # a validator that backs only the last miner
W_raw[1, 1] = 0.5                      # a self-weight: masked by the chain
stake = np.array([600.0, 300.0, 100.0, 0, 0, 0, 0])
bonds = np.zeros((n, n))
params = yuma.YumaParams(variant="yuma3", liquid_alpha=False, kappa=0.5)
r = yuma.epoch(W_raw, stake, bonds, params=params)
r.to_frame().round(4)"""),
    ("md", """## Stake and active stake
$S = N(\\text{stake})$ (chain: `stake`, stored as `StakeWeight`);
$S^{act} = N(S \\odot \\text{active} \\odot \\text{permit}_{old})$."""),
    ("code", """S = stake / stake.sum()
assert np.allclose(r.stake, S) and np.allclose(r.active_stake, S)
S"""),
    ("md", """## Weights
Self-weights are masked (square form), then each row is normalized:
$W_{ij} \\leftarrow W_{ij} / \\sum_k W_{ik}$."""),
    ("code", """W = W_raw.copy()
np.fill_diagonal(W, 0.0)
sums = W.sum(axis=1, keepdims=True)
W = np.divide(W, sums, out=np.zeros_like(W), where=sums > 0)
assert np.allclose(r.weights, W)
r.weights[:n_val, n_val:]"""),
    ("md", """## Consensus: the stake-weighted median with kappa
$C_j$ = the largest value that validators holding at least $\\kappa$ of the active stake
meet or exceed (chain: `weighted_median_col_sparse`)."""),
    ("code", """def kappa_value(col, s, kappa):
    best = 0.0
    for v in sorted(set(col)):
        if s[col >= v].sum() >= kappa * s.sum():
            best = v
    return best

C = np.array([kappa_value(W[:, j], S, params.kappa) for j in range(n)])
assert np.allclose(r.consensus, C)
r.consensus"""),
    ("md", """## Clipping, validator trust, rank and incentive
$\\bar W_{ij} = \\min(W_{ij}, C_j)$; $V_i = \\sum_j \\bar W_{ij}$ (`ValidatorTrust`);
$R_j = \\sum_i S^{act}_i \\bar W_{ij}$; $I = N(R)$ (`Incentive`)."""),
    ("code", """Wc = np.minimum(W, C)
V = Wc.sum(axis=1)
R = S @ Wc
I = R / R.sum()
assert np.allclose(r.clipped_weights, Wc) and np.allclose(r.validator_trust, V)
assert np.allclose(r.rank, R) and np.allclose(r.incentive, I)
print("validator trust", r.validator_trust[:n_val])
print("incentive      ", r.incentive[n_val:])"""),
    ("md", """## Bonds (Yuma 3) and dividends
$W_b = W + \\beta(\\bar W - W)$ (here $\\beta = 1$, so $W_b = \\bar W$);
$B' = \\alpha W_b + (1 - \\alpha) B$ with $\\alpha = 1 - $ `bonds_moving_average`;
$D = N\\bigl(S^{act} \\odot (\\mathrm{colnorm}(B')\\, I)\\bigr)$ (`Dividends`)."""),
    ("code", """alpha = 1 - params.bonds_moving_average
B_new = alpha * Wc + (1 - alpha) * bonds
col = B_new.sum(axis=0)
B_norm = np.divide(B_new, col, out=np.zeros_like(B_new), where=col > 0)
D = S * (B_norm @ I)
D = D / D.sum()
assert np.allclose(r.ema_bonds, B_new) and np.allclose(r.dividends, D)
r.dividends[:n_val]"""),
    ("md", """## Emission
$E = N(I + D)$: miners earn their incentive and validators their dividends, half each."""),
    ("code", """E = (I + D) / (I + D).sum()
assert np.allclose(r.emission, E) and np.isclose(r.emission.sum(), 1.0)
print("validators", r.emission[:n_val].sum(), "miners", r.emission[n_val:].sum())"""),
]

if __name__ == "__main__":
    names = sys.argv[1:] or ["01_one_epoch.ipynb"]
    table = {"01_one_epoch.ipynb": ONE_EPOCH}
    for name in names:
        print(build(name, table[name]))
