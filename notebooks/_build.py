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

VARIANTS_ON_CATALOGUE = [
    ("md", """# Yuma 2, Yuma 3 and Yuma 3 + liquid alpha on the scenario catalogue

Every scenario of `yuma.list_scenarios()` under the three variants. The table gives each
validator's share of all dividends paid over the run divided by its average stake share
(1 = paid in proportion to stake); the figures show a few scenarios epoch by epoch."""),
    ("code", """import numpy as np
import pandas as pd
import yuma
from yuma.sim import metrics
from yuma.sim.plot import plot_simulations, run_variants

VARIANTS = ["yuma2", "yuma3", "yuma3+la"]
rows = []
for name in yuma.list_scenarios():
    sims = run_variants(yuma.get_scenario(name), VARIANTS)
    for label, sim in sims.items():
        paid, staked = sim.dividends.sum(axis=0), sim.stake.sum(axis=0)
        for uid in metrics.validator_rows(sim):
            rel = (paid[uid] / paid.sum()) / (staked[uid] / staked.sum()) if staked[uid] > 0 else np.nan
            rows.append({"scenario": name, "uid": uid, "role": sim.roles[uid], "variant": label,
                         "D/S": rel})
table = pd.DataFrame(rows).pivot_table(index=["scenario", "uid", "role"], columns="variant",
                                       values="D/S")
assert np.isfinite(table.to_numpy()).all()
table.round(3)"""),
    ("md", """Who pays for disagreeing: in `kappa_delayed` the small validators move before the
big one and are clipped for ten epochs; in `yuma2_frozen_bonds` Yuma 2 keeps the bonds of
a miner nobody weights frozen, Yuma 3 lets them decay."""),
    ("code", """%matplotlib inline
for name in ["kappa_delayed", "yuma2_frozen_bonds"]:
    fig = plot_simulations(run_variants(yuma.get_scenario(name), VARIANTS))"""),
]

WEIGHT_COPIER = [
    ("md", """# The weight copier: G against the liquid alpha range and the copying delay

A copier sets the consensus of `lag` epochs ago as its weights, with the median honest
stake. `G = (D_copier / S_copier) / median_i (D_i / S_i)` over the honest validators:
below 1, copying earns less per unit of stake than honest work."""),
    ("code", """import dataclasses
import numpy as np
import pandas as pd
import yuma
from yuma.sim import metrics
from yuma.sim.plot import preset_params

base = yuma.get_scenario("weight_copier")
copier = base.copiers[0]

def g(variant, lag, alpha_low=0.7, alpha_high=0.9):
    scenario = dataclasses.replace(base, copiers=(dataclasses.replace(copier, lag=lag),))
    params = dataclasses.replace(preset_params(variant, base.params),
                                 alpha_low=alpha_low, alpha_high=alpha_high)
    return metrics.copier_ratio(yuma.simulate(scenario, params), start=5)

lags = [1, 2, 3, 5]
by_variant = pd.DataFrame({v: [g(v, lag) for lag in lags] for v in ["yuma2", "yuma3", "yuma3+la"]},
                          index=pd.Index(lags, name="lag"))
by_variant.round(3)"""),
    ("code", """ranges = [(0.1, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.9), (0.85, 0.95)]
grid = pd.DataFrame(
    {f"{lo}-{hi}": [g("yuma3+la", lag, lo, hi) for lag in lags] for lo, hi in ranges},
    index=pd.Index(lags, name="lag"),
)
grid.columns.name = "alpha range"
assert np.isfinite(grid.to_numpy()).all()
grid.round(3)"""),
    ("code", """%matplotlib inline
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(6, 3.5))
for col in grid.columns:
    ax.plot(grid.index, grid[col], marker="o", label=f"alpha {col}")
ax.axhline(1.0, color="grey", lw=0.8)
ax.set_xlabel("copying delay (epochs)"); ax.set_ylabel("G"); ax.legend(fontsize=8)
ax.set_title("weight copier, Yuma 3 + liquid alpha");"""),
]

GUARANTEES = [
    ("md", """# Consensus guarantees: retention maps against a cabal

The Monte Carlo study of the chain's document (`docs/consensus.md` in opentensor/subtensor,
"Consensus guarantees"), with this library's epoch (`yuma.guarantees`). An honest team
holds stake share $S_H$ and sets self-weight $W_H$ (its true utility) on its own servers; a
cabal holds $1 - S_H$ and sets any self-weight $W_C$. Weights carry Gaussian noise
$\\sigma_W$. The honest side keeps its share when its emission $E_H \\ge S_H$; the
retention line of a stake is where $E_H = S_H$, and the honest utility needed is its
largest $W_H$ over the cabal's choices of $W_C$.

The document's network (512 UIDs, 64 validators), but an 11 x 11 weight grid and four
stakes so that this notebook runs in seconds; `yuma guarantees --grid 51` draws the full
maps."""),
    ("code", """import time
import numpy as np
import pandas as pd
import yuma
from yuma.analysis import guarantees as g

STAKES, GRID = [0.51, 0.6, 0.7, 0.9], 11
start = time.perf_counter()
panels = {name: g.panel(name, values, STAKES, GRID, n_workers=1)
          for name, values in g.PANELS.items()}
print(f"{sum(len(p) for p in panels.values())} maps in {time.perf_counter() - start:.1f} s")"""),
    ("md", """## Honest utility needed, against the document's readings

Per panel value (the others at the document's baseline: $\\kappa = 0.5$, $\\beta = 1$,
$\\xi = 0.5$, $\\sigma_W = 0.4$): the $W_H$ needed at the stake the document's figure
highlights (0.6; 0.51 for $\\kappa$) and the cabal's best $W_C$, next to the document's
numbers (`g.DOC_REQUIRED_UTILITY`). On an 11-point grid the cabal's $W_C$ moves in steps
of 0.1."""),
    ("code", """rows = []
for (name, value), (s_h, doc_need, doc_wc) in g.DOC_REQUIRED_UTILITY.items():
    need, wc = panels[name][value].required_utility(s_h)
    rows.append({"panel": name, "value": value, "S_H": s_h, "W_H needed": need,
                 "cabal W_C": wc, "document W_H": doc_need, "document W_C": doc_wc})
table = pd.DataFrame(rows)
assert (table["W_H needed"] > 0.5).all()
table.round(3)"""),
    ("md", """## The panels
Top: honest emission over $(W_H, W_C)$ at $S_H = 0.6$ with its retention line (red) and
the cabal's best point; bottom: the retention lines of every stake."""),
    ("code", """%matplotlib inline
for name, maps in panels.items():
    fig = g.plot_panel(maps, name, s_h=0.6)"""),
    ("md", """## At scale
The same maps for the full 51 x 51 grid and the eleven stakes run in worker processes or on a
Dask cluster, with a tidy table that does not depend on the number of workers:

```bash
yuma guarantees --kappa 0.5 --beta 1 --xi 0.5 --sigma 0.4 --grid 51 --workers 2 \\
    --out kappa50.parquet --plot kappa50.png
yuma guarantees --grid 51 --scheduler tcp://scheduler:8786 --out map.parquet
```

In Python, `yuma.analysis.guarantees.panel("xi", grid=51, client=client)` or any function of your
own through `yuma.analysis.sweep.sweep(fn, grid, client=client)`."""),
]

COMPARE_VARIANTS = [
    ("md", """# Validating a consensus change: define it, check it, compare it

A change to Yuma is a `yuma.Variant`: the chain's epoch with one or more steps swapped.
Here the change is **no bonds penalty**: bonds are built from the weights a validator set,
not from its weights clipped at consensus (what `bonds_penalty = 0` does, made a variant
of its own). The recipe:

1. define it with `yuma.variant(name, base=..., step=function)`;
2. run the invariant suite on it: `yuma.testing.check_variant(variant)`;
3. compare it with the chain's Yuma 3 on the invariants and the scenario catalogue:
   `yuma.analysis.compare.compare(variant, against="yuma3")` (or `yuma compare module:attribute`)."""),
    ("code", """import time
import numpy as np
import yuma
from yuma.core import variants
from yuma.testing import check_variant

start = time.perf_counter()

def raw_weights(weights, clipped_weights, bonds_penalty):
    \"\"\"Bonds from the unclipped weights: no penalty for weighting above consensus.\"\"\"
    return weights

NO_PENALTY = yuma.variant("yuma3_no_penalty", base=yuma.YUMA3, weights_for_bonds=raw_weights)
NO_PENALTY"""),
    ("md", """## 1. Check: the invariant catalogue

Each invariant of `yuma.testing.invariants` is a documented property with its math
(`yuma.testing.INVARIANTS[name].doc`). `check_variant` draws random and adversarial
epochs with Hypothesis (hyperparameters too), and shrinks every failure to a small
counterexample."""),
    ("code", """report = check_variant(NO_PENALTY)
print(report)
report.to_frame()[["invariant", "holds", "kind"]]"""),
    ("md", """The change keeps every invariant Yuma 3 keeps, and fails the one Yuma 3 fails:
**split invariance**. Yuma 3's bonds belong to a validator whatever its stake, and its
dividends divide by column sums of bonds, so splitting a validator into two hotkeys
changes what the pair earns. The counterexample is small enough to read:"""),
    ("code", """print(report["split_invariance"].explain())
assert report.kinds == {"split_invariance": "split_changes_dividends"}"""),
    ("md", """## 2. Compare: invariants and scenarios side by side

The invariants say what cannot happen; the scenarios show what does. `D/S` is a
validator's share of the run's dividends over its share of stake (1: paid in proportion
to stake), `G` the weight copier's ratio, `max |dD|` the largest change of a validator's
dividend share between the two."""),
    ("code", """result = yuma.compare.compare(NO_PENALTY, against="yuma3", max_examples=20, keep_bonds=True)
print(result)"""),
    ("code", """table = result.to_frame().set_index("scenario")
moved = table.sort_values("max |dD|", ascending=False)
# The chain's own Yuma 3 trajectories run with bonds_penalty = 0 already: nothing moves.
assert (table.loc[[n for n in table.index if n.startswith("yuma3_")], "max |dD|"] < 1e-12).all()
moved.head(6).round(3)"""),
    ("md", """Reading it: without the penalty, weighting above consensus costs a validator
nothing in bonds. The validators the majority clips keep more of their dividends: the
lowest D/S rises in `clipping_demo` and `kappa_delayed` (checked below). The weight
copier's G rises too (from about 0.78 to 0.85 here): copying stays unprofitable, by a
smaller margin. The chain's `yuma3_*` trajectories do not move at all, since they run
with `bonds_penalty = 0` already: the variant is exactly that setting. Whether the
change is worth it is a judgement on these numbers; the invariant table only says that
nothing that held before breaks."""),
    ("code", """low = {label: table[f"{label} D/S min"] for label in ("yuma3_no_penalty", "yuma3")}
assert (low["yuma3_no_penalty"][["clipping_demo", "kappa_delayed"]]
        > low["yuma3"][["clipping_demo", "kappa_delayed"]]).all()
assert table.loc["weight_copier", "yuma3_no_penalty G"] > table.loc["weight_copier", "yuma3 G"]
table.loc[["clipping_demo", "kappa_delayed", "weight_copier"]].round(3)"""),
    ("code", """%matplotlib inline
from yuma.sim.plot import plot_simulations
fig = plot_simulations(result.sims["clipping_demo"])"""),
    ("md", """## 3. A change the suite rejects

Store Yuma 3's bonds the way Yuma 2 does (column max-upscaled, read column-normalized)
and the old frozen-bonds defect comes back: a miner that nobody weights keeps its bonds.
`compare` marks it as a new failure."""),
    ("code", """COLUMN_BONDS = yuma.variant("yuma3_column_bonds", load_bonds=variants.yuma2_load_bonds,
                            store_bonds=variants.yuma2_store_bonds)
bad = yuma.analysis.compare.compare(COLUMN_BONDS, against="yuma3", max_examples=20, simulate=False)
print(bad.format_invariants())
assert bad.regressions == ["bonds_decay"]
print(bad.reports["yuma3_column_bonds"]["bonds_decay"].explain())"""),
    ("md", """## In a test suite, and on the command line

```python
def test_no_penalty_keeps_the_invariants():
    check_variant(NO_PENALTY).assert_all(allow=["split_invariance"])
```

```bash
yuma compare mypackage.variants:NO_PENALTY --against yuma3 --plot figures/
yuma compare mypackage.variants:NO_PENALTY --against yuma3 --strict   # exit 1 on a regression
```"""),
    ("code", """check_variant(NO_PENALTY, max_examples=10).assert_all(allow=["split_invariance"])
print(f"notebook ran in {time.perf_counter() - start:.1f} s")"""),
]

VALIDATOR_INFLUENCE = [
    ("md", """# The validator's side on real data: stored weights, removal, Shapley values

Subnet 15 at block 4,769,998 (Finney, February 2025; `tests/data/real/`, read by
`yuma.io.read_simulator_dump`). Three questions, each answered by running the epoch again
on changed inputs (`yuma.analysis.influence`, `yuma.analysis.weight_setting`):

1. what a validator's scores become on the chain (the stored u16 row);
2. what happens to consensus, incentive and dividends when one UID is removed, or when
   one validator moves its weights toward the consensus;
3. which validators shape the outcome, by Shapley value and by leave-one-out removal,
   and why the two rankings differ."""),
    ("code", """import time
from pathlib import Path

import numpy as np
import pandas as pd
import yuma
from yuma.analysis import influence
from yuma.analysis.weight_setting import scores_to_weights

start = time.perf_counter()
root = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "tests/data/real").is_dir())
snap = yuma.io.read_simulator_dump(root / "tests/data/real/sn15_block4769998.pt")
kw = snap.epoch_kwargs()
weights, stake = kw.pop("weights"), kw.pop("stake")
setters = np.flatnonzero(weights.sum(axis=1) > 0)
print(f"SN15 at block {snap.block}: {snap.n} UIDs, {setters.size} weight rows, "
      f"{int((stake > 0).sum())} UIDs with stake")"""),
    ("md", """## 1. Scores to stored weights

The dump holds each validator's row as float32 proportions. Take validator 2's row as its
scores and send it as bittensor 10.x and 11.x would, through the chain's `set_weights`:
both store exactly the u16 row the dump's proportions stand for (the row max-upscaled to
65535). A `max_weight_limit` of 10% (6553) changes the picture: the SDK caps every large
score at the same weight, and the chain stores that."""),
    ("code", """uid = 2
row = weights[uid]
scored = np.flatnonzero(row > 0)
for sdk in ("10", "11"):
    stored = scores_to_weights(scored, row[scored], sdk=sdk, n=snap.n, validator_uid=uid)
    assert np.array_equal(stored.values, snap.weights_u16[uid, stored.uids])
    print(f"bittensor {sdk}.x: {stored.uids.size} uids stored, first values {stored.values[:5]}")
capped = scores_to_weights(scored, row[scored], sdk="10", n=snap.n, validator_uid=uid,
                           max_weight_limit=6553)
top = np.argsort(row, kind="stable")[::-1][:6]
pd.DataFrame({"score": row[top], "stored u16": snap.weights_u16[uid, top],
              "capped u16": np.round(capped.row[top] * 65535).astype(int),
              "capped share": capped.row[top] / capped.row.sum()},
             index=pd.Index(top, name="miner")).round(4)"""),
    ("md", """## 2. Removing one UID

Removing UID `u` runs the epoch as if `u` were not registered: row and column `u` dropped
(square form), stake renormalized, and validator permits recomputed from the stake left
(`permits="recompute"`, the state one epoch later; `"given"` keeps the permits passed in).
All 256 removals take one call. `*_shift` is how far the removal moves everyone else
(sum of absolute changes over the other UIDs; a removed validator's dividends go to the
others, so its `dividends_shift` is its own dividends). With `value="incentive-l1"`,
`value_after` is the L1 distance of the new incentive vector to the unchanged one."""),
    ("code", """impact = influence.removal_impact(weights, stake, value="incentive-l1", **kw)
frame = impact.to_frame()
cols = ["dividends", "consensus_shift", "incentive_shift", "emission_shift"]
validators = frame.loc[setters].sort_values("incentive_shift", ascending=False)
validators[cols].head(8).round(4)"""),
    ("code", """# Check one removal against an explicit epoch without validator 2
keep = np.delete(np.arange(snap.n), 2)
w2 = weights[np.ix_(keep, keep)]
s2 = stake[keep]
permit2 = yuma.validator_permits(yuma.stake_weights(s2), kw["params"].max_allowed_validators)
r2 = yuma.epoch(w2, s2, **{**kw, "validator_permit": permit2})
row2 = list(impact.uids).index(2)
assert np.array_equal(np.delete(impact.after["incentive"][row2], 2), r2.incentive)
# the miners whose removal moves the incentive most
frame.drop(index=setters).sort_values("incentive_shift", ascending=False)[
    ["consensus", "incentive", "incentive_shift"]].head(5).round(4)"""),
    ("md", """### Moving toward the consensus

Each validator's row replaced by `(1 - t) w + t c` (`c`: the consensus, normalized): what
the validator itself gains in dividends, and how far the whole incentive vector moves."""),
    ("code", """inputs = yuma.core.check_inputs(weights, stake, **kw)
players = influence.default_players(inputs)
big8 = np.sort(players[np.argsort(-stake[players], kind="stable")[:8]])
sens = influence.consensus_sensitivity(weights, stake, uids=big8, fractions=[0.1, 0.5, 1.0],
                                       **kw)
assert (sens.own("dividends")[:, -1] >= 0).all()
pd.concat({"own dividends gain": pd.DataFrame(sens.own("dividends"), index=big8,
                                              columns=sens.fractions),
           "incentive shift": pd.DataFrame(sens.shift("incentive"), index=big8,
                                           columns=sens.fractions)}, axis=1).round(4)"""),
    ("md", """## 3. Shapley values

The players are the 8 largest of the 12 validators that hold a permit, stake and a weight
row (the other 4 always take part); a coalition runs the epoch with the players outside
it removed as above. `v(none)` is the epoch without any player. Exact enumeration runs
`2**8 = 256` epochs; the sampled estimator draws permutations in antithetic pairs and
reuses every coalition it has run."""),
    ("code", """exact = influence.shapley(weights, stake, value="incentive-l1", players=big8, **kw)
sampled = influence.shapley(weights, stake, value="incentive-l1", players=big8,
                            method="sampled", max_permutations=512, seed=1, **kw)
assert abs(exact.efficiency_gap) < 1e-12 and abs(sampled.efficiency_gap) < 1e-12
assert np.all(np.abs(sampled.values - exact.values) <= 4 * sampled.standard_errors + 1e-12)
print(f"v(all) = {exact.value_all:.4f}, v(none) = {exact.value_none:.4f}, "
      f"sum = {exact.values.sum():.4f}; epochs run: exact {exact.evaluations}, "
      f"sampled {sampled.evaluations} for {sampled.permutations} permutations")
pd.DataFrame({"exact": exact.values, "sampled": sampled.values,
              "standard error": sampled.standard_errors}, index=big8).round(4)"""),
    ("md", """### Shapley value against removal impact

For the same value function, leave-one-out is the marginal contribution of a validator
as the *last* to join, `v(all) - v(all without u)`; the Shapley value averages its
marginal contribution over every position. With `v` the distance of the incentive vector
to the full epoch's, a negative value means "brings the incentive where it ends"."""),
    ("code", """cmp_l1 = influence.compare_influence(exact, impact)
dividends = influence.validator_dividends(2)
cmp_div = influence.compare_influence(
    influence.shapley(weights, stake, value=dividends, players=big8, **kw),
    influence.removal_impact(weights, stake, uids=big8, value=dividends, **kw))
print(f"incentive-l1: top 3 by Shapley {cmp_l1.top(3).tolist()}, by removal "
      f"{cmp_l1.top(3, 'removal').tolist()}, Spearman {cmp_l1.spearman:.2f}")
print(f"dividends[2]: top 3 by Shapley {cmp_div.top(3).tolist()}, by removal "
      f"{cmp_div.top(3, 'removal').tolist()}, Spearman {cmp_div.spearman:.2f}")
assert cmp_div.spearman > cmp_l1.spearman
cmp_l1.to_frame().round(4)"""),
    ("md", """Why they differ: the marginal contribution by position (the mean over the coalitions
a validator joins as the k-th). Joining first, next to the four small validators that
always take part, every validator pulls the incentive *away* from where the full set
ends, and 57, 112 and 206 by far the most; once most others are present they pull it
toward it. Leave-one-out sees the last position alone and ranks 206 and 57 second and
third; Shapley averages the positions and puts them last. For validator 2's dividends the rankings coincide: every validator's
stake takes the same share away from validator 2 whatever the order."""),
    ("code", """p = big8.size
codes = np.arange(2**p)
masks = ((codes[:, None] >> np.arange(p)) & 1).astype(bool)
v = influence.coalition_values(weights, stake, value="incentive-l1", players=big8,
                               coalitions=masks, **kw)
size = masks.sum(axis=1)

def mean_marginal(i, k):
    # mean of v(T + i) - v(T) over the coalitions T of k players without player i
    without = codes[(size == k) & ((codes >> i) & 1 == 0)]
    return np.mean(v[without | (1 << i)] - v[without])

by_position = pd.DataFrame([[mean_marginal(i, k) for k in range(p)] for i in range(p)],
                           index=pd.Index(big8, name="uid"),
                           columns=[f"joins {k + 1}." for k in range(p)])
# the Shapley value weighs every position alike; leave-one-out is the last column
assert np.allclose(by_position.mean(axis=1), exact.values, atol=1e-12)
assert np.allclose(by_position.iloc[:, -1], cmp_l1.leave_one_out, atol=1e-12)
first = by_position["joins 1."]
assert first.min() > 0 and first[[57, 112, 206]].min() > first.drop([57, 112, 206]).max()
by_position.round(4)"""),
    ("code", """%matplotlib inline
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(5, 4))
ax.scatter(-cmp_l1.leave_one_out, -cmp_l1.shapley)
for u, x, y in zip(cmp_l1.uids, -cmp_l1.leave_one_out, -cmp_l1.shapley):
    ax.annotate(str(u), (x, y), textcoords="offset points", xytext=(4, 2))
ax.set_xlabel("leave-one-out: incentive distance when removed")
ax.set_ylabel("Shapley: share of building the incentive")
ax.set_title("SN15, 8 validators, value = incentive-l1");"""),
    ("md", """## On the command line

```bash
yuma influence tests/data/real/sn15_block4769998.pt                  # 12 validators, exact
yuma influence tests/data/real/sn15_block4769998.pt --value dividends:2 --method sampled \\
    --permutations 256 --tolerance 0.005 --out report.json
yuma influence tests/data/real/sn15_block4769998.pt --sdk 10 --top 8  # rows through the SDK first
```"""),
    ("code", """print(f"notebook ran in {time.perf_counter() - start:.1f} s")"""),
]


REAL_SUBNET = [
    ("md", """# A real subnet: one epoch, a replay, the copy risk

SN15 at block 4769998, as the `bactensor/yuma-simulation` dump holds it (256 UIDs, 20 weight
rows, stake in TAO; `tests/data/real/README.md` says where it comes from). The same three
steps take a metagraph from the Bittensor SDK: `yuma.io.read_metagraph(metagraph)`."""),
    ("code", """import dataclasses
import time
from pathlib import Path

import numpy as np
import yuma
from yuma.sim.copy_risk import drifted_series
from yuma.sim.replay import uid_roles

start = time.perf_counter()
root = next(p for p in [Path.cwd(), *Path.cwd().parents] if (p / "tests/data/real").is_dir())
dump = root / "tests/data/real/sn15_block4769998.pt"
snap = yuma.io.read_simulator_dump(dump)   # read without running anything from the file
setters = snap.weights.sum(axis=1) > 0
print(f"SN{snap.netuid} at block {snap.block}: {snap.n} UIDs, {setters.sum()} weight rows, "
      f"{snap.stake_tao.sum():,.0f} TAO staked; permits derived: {snap.permits_derived}")"""),
    ("md", """## 1. One epoch

`snap.epoch_kwargs()` are the epoch's inputs: stake in rao, weights as proportions, and the
permits the chain would have handed out from this stake (the dump carries none). The table:
the UIDs with the most emission, with hotkeys and roles."""),
    ("code", """result = yuma.epoch(**snap.epoch_kwargs())
table = result.to_frame()
table["hotkey"] = [h[:12] + "..." for h in snap.hotkeys]
table["stake_tao"] = snap.stake_tao
table["role"] = uid_roles(result)
table.sort_values("emission", ascending=False)[
    ["hotkey", "role", "stake_tao", "validator_trust", "incentive", "dividends", "emission"]
].head(10).round(4)"""),
    ("md", """Reading the missing permits as "every UID permitted" (what `yuma.epoch` does when
it is given none) would count weight rows the chain ignores:"""),
    ("code", """kw = snap.epoch_kwargs()
everyone = yuma.epoch(**{**kw, "validator_permit": np.ones(snap.n, bool)})
print(f"weight setters without a permit by stake: {(setters & ~kw['validator_permit']).sum()}")
print(f"largest emission change if all were permitted: "
      f"{np.abs(everyone.emission - result.emission).max():.1e}")"""),
    ("md", """## 2. A replay: yuma2 against yuma3 with liquid alpha

A replay runs snapshots of one subnet, one per tempo, with bonds, permits and consensus
carried. With a single real snapshot we build a short history by letting each miner's
standing drift 10 % per tempo (`drifted_series`), and give UID 126 (the top miner) to a new
neuron at the fourth tempo: its bonds are reset and the weights set to it before are dropped,
as the chain does."""),
    ("code", """series = drifted_series(snap, 6, 0.1, seed=1)
keys = list(snap.hotkeys)
keys[126] = "5NewNeuron"
series = series[:3] + [dataclasses.replace(s, hotkeys=tuple(keys)) for s in series[3:]]
history = yuma.replay(series, ["yuma2", "yuma3+la"])
print(history.format(top=5))"""),
    ("code", """%matplotlib inline
fig = history.plot()"""),
    ("md", """## 3. Copy risk

A copier with the median validator's stake sets the consensus of `delay` tempos ago. Its
ratio `G` to the median validator's dividends per stake, over commit-reveal delays and
liquid-alpha ranges (a small grid here; `yuma diagnose FILE --drift 0.1` runs the full one
in seconds): below 1 nominators leave the copier, below 0.82 copying stops paying."""),
    ("code", """risk = yuma.copy_risk(snap, drift=0.1, epochs=20, delays=[0, 2, 4, 8],
                      alpha_lows=[0.1, 0.5, 0.9], alpha_highs=[0.9])
print(risk.format())
fig = risk.plot()"""),
    ("code", """# with the weights drifting, the longer the delay the less the copier earns
assert (np.diff(risk.g, axis=0) < 0).all()
still = yuma.copy_risk(snap, drift=0.0, epochs=12, delays=[0, 4], alpha_lows=[0.7],
                       alpha_highs=[0.9])
print(f"weights still: G = {still.g[:, 0].round(3).tolist()} (delays 0 and 4): "
      "no delay hides weights that do not change")
print(f"notebook ran in {time.perf_counter() - start:.1f} s")"""),
]


if __name__ == "__main__":
    table = {
        "01_one_epoch.ipynb": ONE_EPOCH,
        "02_variants_on_catalogue.ipynb": VARIANTS_ON_CATALOGUE,
        "03_weight_copier.ipynb": WEIGHT_COPIER,
        "04_guarantees.ipynb": GUARANTEES,
        "05_compare_variants.ipynb": COMPARE_VARIANTS,
        "06_real_subnet.ipynb": REAL_SUBNET,
        "07_validator_influence.ipynb": VALIDATOR_INFLUENCE,
    }
    names = sys.argv[1:] or list(table)
    for name in names:
        print(build(name, table[name]))
