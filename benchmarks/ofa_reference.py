"""Once-for-All's own figures for random MobileNetV3 sub-networks: tests/reference/ofa/ofa_mbv3.json.

Not run by the tests. Needs torch and the once-for-all source (not installed, not vendored: a
checkout of github.com/mit-han-lab/once-for-all on PYTHONPATH), never weights:

    PYTHONPATH=/path/to/once-for-all python benchmarks/ofa_reference.py [COUNT] [SEED]

For each random configuration `{"ks": [20], "e": [20], "d": [5], "r": [1]}` (OFA's own sampler,
OFAMobileNetV3.sample_active_subnet, seeded, with a resolution drawn from 160..224 step 16) it
records:

- `macs`: OFA's `Mbv3FLOPsModel(ofa_net).get_efficiency(...)` (ofa/nas/efficiency_predictor,
  which calls `MBv3LatencyTable.count_flops_given_config`), in MFLOPs as OFA returns them, x 1e6
  (OFA's "flops" are multiply-accumulates of the convs and the classifier, mncost's MACs);
- `params`: sum of p.numel() over `ofa_net.get_active_subnet()` (batch-norm gamma and beta
  included: mncost `--bn-params affine`).

The network is `OFAMobileNetV3(width_mult=1.0, ks_list=[3, 5, 7], expand_ratio_list=[3, 4, 6],
depth_list=[2, 3, 4])` with random weights.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

RESOLUTIONS = [160, 176, 192, 208, 224]
OUT = Path(__file__).resolve().parent.parent / "tests" / "reference" / "ofa" / "ofa_mbv3.json"


def main(count: int = 50, seed: int = 2026) -> None:
    import ofa
    import torch
    from ofa.imagenet_classification.elastic_nn.networks import OFAMobileNetV3
    from ofa.nas.efficiency_predictor import Mbv3FLOPsModel

    random.seed(seed)
    net = OFAMobileNetV3(width_mult=1.0, ks_list=[3, 5, 7], expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4])
    flops = Mbv3FLOPsModel(net)
    rows = []
    for _ in range(count):
        arch = net.sample_active_subnet()
        config = {"ks": arch["ks"], "e": arch["e"], "d": arch["d"], "r": [random.choice(RESOLUTIONS)]}
        macs = flops.get_efficiency({"ks": config["ks"], "e": config["e"], "d": config["d"],
                                     "image_size": config["r"][0]})
        net.set_active_subnet(ks=config["ks"], e=config["e"], d=config["d"])
        params = sum(p.numel() for p in net.get_active_subnet(preserve_weight=False).parameters())
        rows.append({"config": config, "macs": round(macs * 1e6), "params": params})
    source = Path(ofa.__file__).resolve().parent.parent
    commit = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=False).stdout.strip() or "f03b2673db313b9167e2a1c2b7a5cad540cc1313"
    document = {
        "framework": "once-for-all", "commit": commit, "torch": torch.__version__,
        "builder": "OFAMobileNetV3(width_mult=1.0, ks_list=[3, 5, 7], expand_ratio_list=[3, 4, 6], "
                   "depth_list=[2, 3, 4])",
        "macs": "Mbv3FLOPsModel(net).get_efficiency(...) * 1e6 (MBv3LatencyTable.count_flops_given_config)",
        "params": "sum(p.numel() for p in net.get_active_subnet().parameters()) (--bn-params affine)",
        "seed": seed, "configs": rows,
    }
    head = json.dumps({k: v for k, v in document.items() if k != "configs"}, indent=1)[:-2]
    OUT.write_text(head + ',\n "configs": [\n' + ",\n".join("  " + json.dumps(r) for r in rows) + "\n ]\n}\n")
    print(f"wrote {len(rows)} configurations to {OUT}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
