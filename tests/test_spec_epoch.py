"""Spec section 7, group B: the chain's epoch tests with Yuma3 off (``tests/epoch.rs``).

Each test replays the chain test's setup on a small model of the subnet's storage
(:class:`Subnet`): u16 weights rows as ``set_weights`` stores them (max-upscaled), the
``LastUpdate`` and ``BlockAtRegistration`` blocks, the validator permits stored by the
previous epoch and the bonds stored as u16. Every epoch runs :func:`yuma.epoch` in the
chain's square form with those inputs; ``last_tempo`` is ``block - tempo`` (the test
wrapper ``epoch()`` never writes ``LastMechansimStepBlock``) and ``active`` comes from the
HEAD activity cutoff ``max(1, 13889 * tempo / 1000)``.

Tolerances. The chain computes in I32F32 fixed point, where every division truncates and
every product floors; ``yuma`` computes in float64. Bit-exact results are the work of the
fixed-point backend (a later issue), so:

* stored bonds and dividends (u16, ``floor(x * 65535)``) are compared within +-1 u16
  unit: a value within ~1e-9 of an integer boundary may floor either way, and the
  chain's stored bonds lose up to one unit per epoch to truncation;
* emissions (rao, ``floor(x * 1e9)``) are compared within +-2 rao: one I32F32 unit is
  2**-32 (0.23 rao per 1e9), and a share passes through a few truncating divisions
  (normalized stake, normalized emission) before it is floored (e.g. a stake share of
  1/10 is 0.0999999999 in I32F32, hence 99_999_999 rao on chain and 100_000_000 here).
"""

from __future__ import annotations

import numpy as np
import pytest
from data import spec_vectors as sv

import yuma

BOND_TOL_U16 = 1
DIVIDEND_TOL_U16 = 1
EMISSION_TOL_RAO = 2


def to_u16(x) -> np.ndarray:
    """``fixed_proportion_to_u16``: floor(x * 65535)."""
    return np.floor(np.asarray(x) * sv.U16_MAX).astype(np.int64)


def to_rao(x) -> np.ndarray:
    """Share of the epoch's emission in rao: floor(x * 1e9)."""
    return np.floor(np.asarray(x) * sv.EPOCH_EMISSION_RAO).astype(np.int64)


def assert_within(got, expected, tol):
    got = np.asarray(got, dtype=np.int64)
    expected = np.asarray(expected, dtype=np.int64)
    msg = f"got {got.tolist()}, expected {expected.tolist()}"
    assert np.all(np.abs(got - expected) <= tol), msg


def chain_params(max_allowed_validators: int, *, yuma3: bool = False) -> yuma.YumaParams:
    """The mock's defaults: Kappa 32767, BondsMovingAverage 900_000, BondsPenalty 65535."""
    return yuma.YumaParams.from_chain(
        kappa=sv.MOCK_KAPPA,
        bonds_moving_average=sv.MOCK_BONDS_MOVING_AVERAGE,
        bonds_penalty=sv.MOCK_BONDS_PENALTY,
        yuma3_on=yuma3,
        max_allowed_validators=max_allowed_validators,
    )


class Subnet:
    """The storage an epoch reads, for one subnet with ``n`` uids registered at ``block``."""

    def __init__(self, n, stake, *, tempo, block, params):
        self.n = n
        self.stake = np.array(stake, dtype=np.float64)
        self.tempo = tempo
        self.block = block
        self.params = params
        self.weights = np.zeros((n, n))  # u16 as stored by set_weights
        self.last_update = np.full(n, block, dtype=np.int64)  # append_neuron sets it
        self.block_at_registration = np.full(n, block, dtype=np.int64)
        self.permit = np.zeros(n, dtype=bool)  # append_neuron pushes `false`
        self.bonds_u16 = np.zeros((n, n), dtype=np.int64)

    @property
    def activity_cutoff(self) -> int:
        return max(1, sv.ACTIVITY_CUTOFF_FACTOR_MILLI * self.tempo // 1000)

    def set_weights(self, uid, dests, values):
        """``set_weights`` replaces the row and stamps ``LastUpdate``."""
        self.weights[uid, :] = 0.0
        self.weights[uid, list(dests)] = values
        self.last_update[uid] = self.block

    def run_to_block(self, block):
        self.block = block

    def next_block(self):
        self.block += 1

    def replace_neuron(self, uid, *, clear_incoming=True):
        """A new hotkey (no stake) takes ``uid``: ``replace_neuron`` + ``clear_neuron``.

        ``clear_incoming=False`` leaves other validators' weights on ``uid`` in place
        (then only the outdated-weights mask removes them).
        """
        self.stake[uid] = 0.0
        self.block_at_registration[uid] = self.block
        self.last_update[uid] = self.block
        self.permit[uid] = False
        self.weights[uid, :] = 0.0
        if clear_incoming:
            self.weights[:, uid] = 0.0
        self.bonds_u16[uid, :] = 0

    def epoch(self) -> yuma.EpochResult:
        active = yuma.activity_mask(self.last_update, self.block, self.activity_cutoff)
        result = yuma.epoch(
            self.weights,
            self.stake,
            self.bonds_u16 / sv.U16_MAX,  # stored u16, read back (Yuma 2 col-normalizes)
            params=self.params,
            active=active,
            validator_permit=self.permit,
            last_update=self.last_update,
            block_at_registration=self.block_at_registration,
            last_tempo=max(0, self.block - self.tempo),
        )
        self.permit = result.validator_permit.copy()
        self.bonds_u16 = to_u16(result.bonds)
        return result


# --------------------------------------------------------------------------------------
# B1 test_bonds
# --------------------------------------------------------------------------------------


def test_b1_bonds():
    n = sv.BONDS_N
    net = Subnet(
        n, sv.BONDS_STAKES, tempo=1, block=1, params=chain_params(sv.BONDS_MAX_ALLOWED_VALIDATORS)
    )
    validators, servers = range(4), range(4, 8)

    net.epoch()  # first epoch: hands out the permits (non-zero stake only)
    assert net.permit.tolist() == [True] * 4 + [False] * 4
    net.next_block()
    for uid in validators:
        net.set_weights(uid, servers, sv.BONDS_WEIGHTS_U16)

    actions = [
        lambda: None,  # 1. epoch right after the weights
        lambda: (net.set_weights(0, [0], [sv.U16_MAX]), net.next_block()),  # 2.
        lambda: (net.set_weights(1, [1], [sv.U16_MAX]), net.next_block()),  # 3.
        lambda: (net.set_weights(2, [2], [sv.U16_MAX]), net.next_block()),  # 4.
        lambda: (net.set_weights(2, [7], [sv.U16_MAX]), net.next_block()),  # 5.
        net.next_block,  # 6.
        net.next_block,  # 7.
    ]
    for step, (action, (col, expected)) in enumerate(
        zip(actions, sv.BONDS_STEPS, strict=True), start=1
    ):
        action()
        result = net.epoch()
        if step == 1:
            np.testing.assert_allclose(
                result.stake, sv.BONDS_STEP1_TRACE_STAKE, rtol=0, atol=1e-9
            )
            np.testing.assert_allclose(
                result.consensus, sv.BONDS_STEP1_TRACE_CONSENSUS, rtol=0, atol=1e-9
            )
            assert_within(
                to_rao(result.emission), sv.BONDS_STEP1_TRACE_EMISSION_RAO, EMISSION_TOL_RAO
            )
        got = net.bonds_u16[: len(expected), col]
        assert np.all(np.abs(got - np.array(expected)) <= BOND_TOL_U16), (
            f"step {step}: bonds[0..4][{col}] = {got.tolist()}, expected {expected}"
        )
        # No bond toward validators (nobody weights them) and no row for the servers
        # (no permit).
        assert np.all(net.bonds_u16[:, :4] == 0)
        assert np.all(net.bonds_u16[4:, :] == 0)


# --------------------------------------------------------------------------------------
# B2 test_active_stake
# --------------------------------------------------------------------------------------


def test_b2_active_stake():
    n = sv.ACTIVE_STAKE_N
    net = Subnet(n, [1.0] * n, tempo=1, block=0, params=chain_params(n))
    servers = [2, 3]
    w = [sv.ACTIVE_STAKE_WEIGHT_U16] * 2

    net.epoch()  # hands out the permits
    assert net.permit.all()
    net.next_block()
    for uid in (0, 1):
        net.set_weights(uid, servers, w)

    def check(result, expected, uids):
        assert_within(to_u16(result.dividends[:2]), expected["dividends_u16"], DIVIDEND_TOL_U16)
        assert_within(to_rao(result.emission[uids]), expected["emission_rao"], EMISSION_TOL_RAO)
        for i, bond in enumerate(expected["bonds_u16_to_servers"]):
            assert_within(net.bonds_u16[i, servers], [bond, bond], BOND_TOL_U16)
        assert np.all(net.bonds_u16[:, :2] == 0)  # no bonds toward the validators

    result = net.epoch()
    assert result.active.all()
    check(result, sv.ACTIVE_STAKE_EPOCH1, slice(0, 4))

    # Validator 1's weights grow older than the cutoff; only validator 0 refreshes them.
    net.run_to_block(sv.LEGACY_ACTIVITY_CUTOFF + 2)
    net.set_weights(0, servers, w)
    result = net.epoch()
    assert result.active.tolist() == [True, False, False, False]
    check(result, sv.ACTIVE_STAKE_EPOCH2, slice(0, 2))

    net.set_weights(1, servers, w)
    net.run_to_block(sv.LEGACY_ACTIVITY_CUTOFF + 3)
    result = net.epoch()
    assert result.active.tolist() == [True, True, False, False]
    check(result, sv.ACTIVE_STAKE_EPOCH3, slice(0, 2))


# --------------------------------------------------------------------------------------
# B3 test_outdated_weights
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("clear_incoming", [True, False], ids=["cleared", "outdated-only"])
def test_b3_outdated_weights(clear_incoming):
    n = sv.OUTDATED_N
    net = Subnet(n, [1.0] * n, tempo=0, block=1, params=chain_params(n))

    net.epoch()  # hands out the permits
    net.next_block()
    for uid in (0, 1):
        net.set_weights(uid, [2, 3], sv.OUTDATED_WEIGHTS_U16)
    for uid in (2, 3):
        net.set_weights(uid, [uid], [sv.U16_MAX])  # server self-weights
    result = net.epoch()
    # In-code trace of epoch 1 (I32F32 values printed to 10 digits).
    np.testing.assert_allclose(result.consensus, sv.OUTDATED_EPOCH1_CONSENSUS, rtol=0, atol=1e-9)
    assert_within(to_rao(result.emission), sv.OUTDATED_EPOCH1_EMISSION_RAO, EMISSION_TOL_RAO)

    # A new key registers over uid 3 (the least emission); only uid 0 re-sets its weights.
    net.replace_neuron(3, clear_incoming=clear_incoming)
    net.next_block()
    net.set_weights(0, [2, 3], sv.OUTDATED_WEIGHTS_U16)
    result = net.epoch()
    expected = sv.OUTDATED_EPOCH2
    assert_within(to_u16(result.dividends[0]), expected["dividend_u16_uid0"], DIVIDEND_TOL_U16)
    assert_within(to_rao(result.emission[0]), expected["emission_rao_uid0"], EMISSION_TOL_RAO)
    assert_within(net.bonds_u16[0, 2], expected["bond_u16_0_2"], BOND_TOL_U16)
    assert_within(net.bonds_u16[0, 3], expected["bond_u16_0_3"], BOND_TOL_U16)


# --------------------------------------------------------------------------------------
# B4 test_zero_weights
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("clear_incoming", [True, False], ids=["cleared", "outdated-only"])
def test_b4_zero_weights(clear_incoming):
    net = Subnet(
        2,
        [1.0, 0.0],
        tempo=sv.HIGH_TEMPO,
        block=1,
        params=chain_params(sv.NEW_NETWORK_MAX_ALLOWED_VALIDATORS),
    )
    no_effect = sv.ZERO_WEIGHTS_NO_EFFECT_EMISSION_RAO

    # No weights at all.
    assert_within(to_rao(net.epoch().emission), no_effect, EMISSION_TOL_RAO)

    # Self-weight only (the server; run_to_block(1) is already block 1).
    net.set_weights(1, [1], [sv.U16_MAX])
    assert_within(to_rao(net.epoch().emission), no_effect, EMISSION_TOL_RAO)

    # The validator weights the server, then the server's uid is re-registered in the
    # same block: the weight is outdated (last_update <= block_at_registration).
    net.run_to_block(2)
    net.set_weights(0, [1], [sv.U16_MAX])
    net.replace_neuron(1, clear_incoming=clear_incoming)
    assert_within(to_rao(net.epoch().emission), no_effect, EMISSION_TOL_RAO)

    # New weights after the registration count.
    net.run_to_block(3)
    net.set_weights(0, [1], [sv.U16_MAX])
    result = net.epoch()
    assert_within(to_rao(result.emission), sv.ZERO_WEIGHTS_FINAL_EMISSION_RAO, EMISSION_TOL_RAO)


# --------------------------------------------------------------------------------------
# B5 test_10_graph, B6 test_1_graph
# --------------------------------------------------------------------------------------


def test_b5_10_graph():
    n = sv.GRAPH10_N
    # add_node: append_neuron at block 0; weights set at block 1.
    net = Subnet(
        n,
        [1.0] * n,
        tempo=sv.HIGH_TEMPO,
        block=0,
        params=chain_params(sv.NEW_NETWORK_MAX_ALLOWED_VALIDATORS),
    )
    net.run_to_block(1)
    for uid in range(n):
        net.set_weights(uid, [uid], [sv.U16_MAX])
    result = net.epoch()
    assert np.all(to_u16(result.consensus) == 0)
    assert np.all(to_u16(result.incentive) == 0)
    assert np.all(to_u16(result.dividends) == 0)
    assert_within(to_rao(result.emission), [sv.GRAPH10_EMISSION_RAO] * n, EMISSION_TOL_RAO)


def test_b6_1_graph():
    net = Subnet(
        1,
        [1_000_000_000.0],
        tempo=sv.HIGH_TEMPO,
        block=1,
        params=chain_params(sv.NEW_NETWORK_MAX_ALLOWED_VALIDATORS),
    )
    net.set_weights(0, [0], [sv.U16_MAX])
    result = net.epoch()
    assert to_u16(result.consensus).tolist() == [0]
    assert to_u16(result.incentive).tolist() == [0]
    assert to_u16(result.dividends).tolist() == [0]


# --------------------------------------------------------------------------------------
# B8 test_epoch_outputs_single_staker_registered_no_weights
# --------------------------------------------------------------------------------------


def test_b8_single_staker_no_weights():
    # add_network -> init_new_network turns Yuma3 on for the subnet.
    net = Subnet(
        1,
        [1.0],
        tempo=sv.HIGH_TEMPO,
        block=1,
        params=chain_params(sv.NEW_NETWORK_MAX_ALLOWED_VALIDATORS, yuma3=True),
    )
    result = net.epoch()
    pending = sv.SINGLE_STAKER_PENDING_RAO
    server = np.floor(result.server_emission * pending).astype(np.int64)
    validator = np.floor(result.validator_emission * pending).astype(np.int64)
    total = int(server.sum() + validator.sum())
    assert abs(total - pending) <= sv.SINGLE_STAKER_EPSILON_RAO
