"""The oracle's sweep over several devices: JAX splits each block of points over them.

JAX reads `XLA_FLAGS` when it starts, so the two-device run is a subprocess with
`--xla_force_host_platform_device_count=2` (two CPU devices, as two GPUs would be)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys
import numpy as np
from derive import Network
from verify import jax_oracle, sampling
from verify.run import Code, verify_network

from verify import numpy_backprop


def doubled_dW1(*args, **kwargs):  # a slip planted in the backward: dL/dW1 twice too large
    grads = numpy_backprop.backward(*args, **kwargs)
    return {**grads, "dL/dW1": 2 * grads["dL/dW1"]}


points = sampling.sample(Network(), 300, 7)
forward, grads = jax_oracle.gradients(points.z1, points.W, points.b, points.y, "sigmoid", "mse")
split = jax_oracle.sharding()
run = verify_network(Network(), points=5000, implementation=Code(backward=doubled_dW1))
print(json.dumps({
    "devices": len(split.device_set) if split is not None else 1,
    "spec": str(split.spec) if split is not None else None,
    "values": {k: v.tolist() for k, v in {**forward, **grads}.items()},
    "claims": [r.verdict.value for r in run.claims],
    "W1": [run.implementation.gradients[k].disagreeing for k in ("dL/dW1", "dL/db1")],
}))
"""


def _child(devices: int | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    if devices is not None:
        env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    out = subprocess.run(
        [sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_oracle_shards_points_over_several_devices():
    one, two = _child(None), _child(2)
    assert one["devices"] == 1 and one["spec"] is None  # one device: no sharding
    assert two["devices"] == 2 and "points" in two["spec"]  # split along the points axis
    assert one["values"].keys() == two["values"].keys()
    for name, values in one["values"].items():  # the same values, point by point
        np.testing.assert_allclose(two["values"][name], values, rtol=1e-15, atol=1e-300, err_msg=name)
    # the whole check over two devices: claims proved, a planted slip caught at every point
    assert one["claims"] == two["claims"] == ["proved"] * len(one["claims"])
    assert two["W1"] == one["W1"] == [5000, 0]
