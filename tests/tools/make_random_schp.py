#!/usr/bin/python3
"""For the SCHP parity test: a random-weight SCHP export (bench/make_random_models.py's
network, as AugmentCE2P.py defines it), an input blob and PyTorch's three outputs
for it (raw float32 files).

  make_random_schp.py OUT_DIR CLASSES SIZE
writes OUT_DIR/schp.onnx, OUT_DIR/input.f32 and OUT_DIR/parsing.f32,
OUT_DIR/fusion.f32, OUT_DIR/edge.f32 (declared output order: parsing, fusion, edge).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
from make_random_models import SCHP, inline_shared_weights  # noqa: E402


def main():
    out, classes, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(11)
    network = SCHP(classes).eval()
    with torch.no_grad():
        # Batch norm with statistics of its own, so that folding it into the
        # convolutions (ONNX Runtime's graph optimisation) is exercised.
        for module in network.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)
                module.weight.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.1, 0.1)
        blob = torch.randn(1, 3, size, size)
        outputs = network(blob)
        path = os.path.join(out, "schp.onnx")
        torch.onnx.export(network, torch.zeros(1, 3, size, size), path, input_names=["input.1"],
                          opset_version=11, do_constant_folding=True)
    inline_shared_weights(path)
    blob.numpy().tofile(os.path.join(out, "input.f32"))
    for name, tensor in zip(("parsing", "fusion", "edge"), outputs):
        tensor.numpy().tofile(os.path.join(out, f"{name}.f32"))
        print(name, list(tensor.shape))


if __name__ == "__main__":
    main()
