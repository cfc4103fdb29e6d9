"""The sweep at sweep sizes (10^5 points: two chunks, the second checked slice by slice on the
fast path with the oracle dispatched ahead of the NumPy witnesses): a slip planted in the
hand-written backward or in a claim is caught there, and memory stays flat — every sampling and
every oracle call holds at most one chunk's or one block's points, whatever the count."""

from __future__ import annotations

from derive import Network
from tests.variants import NUMPY_VARIANTS, variant_claim
from verify import Code, Verdict, check, jax_oracle, numpy_backprop, sampling, verify_network
from verify import run as pipeline

SWEEP = 100_000
LATE = sampling.CHUNK  # the first point of chunk 1: everything from there is on the fast path


def _late(name, wrong):
    """The backward with `name` wrong in the slices of chunk 1 (the fast path's: chunk 0 is
    checked whole, keeping its arrays), right elsewhere."""

    def backward(cache, weights, y, activation, loss, slope=0.01, reduction="mean"):
        grads = numpy_backprop.backward(cache, weights, y, activation, loss, slope, reduction)
        _, f_prime = numpy_backprop.activation_functions(activation, slope)
        if cache["z1"].shape[0] == pipeline.SLICE:
            grads[name] = wrong(cache, weights[0], grads["dL/db1"], f_prime)
        return grads

    return Code(backward=backward)


def test_a_slip_in_the_backward_is_caught_on_the_fast_path():
    name, slip, wrong = next(v for v in NUMPY_VARIANTS if v[1] == "missing f'")
    run = verify_network(Network(), points=SWEEP, implementation=_late(name, wrong))
    code = run.implementation
    assert run.settings.chunks == 2 and run.forward.agree and not code.agree, slip
    bad = code.gradients[name]
    # chunk 1's slices of 16,384 points (its last one, 1,696 points, is short and left right)
    assert bad.disagreeing == SWEEP - LATE - (SWEEP - LATE) % pipeline.SLICE
    assert LATE <= bad.disagreement.point < SWEEP and bad.disagreement.blamed == ("numpy",)
    assert all(a.agree for n, a in code.gradients.items() if n != name)


def test_a_wrong_claim_is_refuted_at_every_point_of_a_sweep():
    from tests.variants import FORMULA_VARIANTS

    name, slip, formula, _ = next(v for v in FORMULA_VARIANTS if v[1] == "factor 1/2")
    (r,) = check(Network(), [variant_claim(name, formula)], points=SWEEP).claims
    assert r.verdict == Verdict.REFUTED, slip
    assert r.agreement.points == SWEEP and r.agreement.disagreeing == SWEEP
    assert r.agreement.disagreement.blamed == ("sympy", "numpy")


def test_memory_stays_flat_whatever_the_count(monkeypatch):
    drawn, blocks = [], []
    sample, block = pipeline.sample, jax_oracle._model_block

    def counting_sample(network, count, *args, **kwargs):
        drawn.append(count)
        return sample(network, count, *args, **kwargs)

    def counting_block(model, arrays, padded):
        blocks.append((next(iter(arrays.values())).shape[0], padded))
        return block(model, arrays, padded)

    monkeypatch.setattr(pipeline, "sample", counting_sample)
    monkeypatch.setattr(jax_oracle, "_model_block", counting_block)
    run = verify_network(Network(), points=SWEEP)
    assert run.passed and sum(drawn) == SWEEP and max(drawn) == sampling.block(Network())
    assert len(drawn) == len(sampling.chunks(Network(), SWEEP)) == 2  # one chunk drawn at a time
    # every oracle call at most one block (padded to it), however many points the run has
    assert {padded for _, padded in blocks} == {jax_oracle.BLOCK}
    assert max(count for count, _ in blocks) <= jax_oracle.BLOCK
