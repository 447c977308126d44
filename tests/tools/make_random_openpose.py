#!/usr/bin/python3
"""For the converter test: a random-weight body_pose_model.pth with the real key
names, an input blob and PyTorch's outputs for it (raw float32 files).

  make_random_openpose.py OUT_DIR HEIGHT WIDTH [HEIGHT WIDTH ...]
writes OUT_DIR/openpose/ckpts/body_pose_model.pth and, for each size,
OUT_DIR/HxW/input.f32, OUT_DIR/HxW/paf.f32 and OUT_DIR/HxW/heatmap.f32.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from convert_openpose import BodyPoseNetwork  # noqa: E402


def main():
    out = sys.argv[1]
    sizes = [(int(h), int(w)) for h, w in zip(sys.argv[2::2], sys.argv[3::2])]
    torch.manual_seed(7)
    network = BodyPoseNetwork().eval()
    with torch.no_grad():
        # Keep activations alive through 6 stages of random weights.
        for parameter in network.parameters():
            if parameter.dim() == 4:
                fan_in = parameter.shape[1] * parameter.shape[2] * parameter.shape[3]
                parameter.normal_(0.0, (2.0 / fan_in) ** 0.5)
            else:
                parameter.uniform_(-0.1, 0.1)
        for height, width in sizes:
            blob = torch.rand(1, 3, height, width) - 0.5
            paf, heatmap = network(blob)
            folder = os.path.join(out, f"{height}x{width}")
            os.makedirs(folder, exist_ok=True)
            blob.numpy().tofile(os.path.join(folder, "input.f32"))
            paf.numpy().tofile(os.path.join(folder, "paf.f32"))
            heatmap.numpy().tofile(os.path.join(folder, "heatmap.f32"))
    ckpts = os.path.join(out, "openpose", "ckpts")
    os.makedirs(ckpts, exist_ok=True)
    torch.save(network.state_dict(), os.path.join(ckpts, "body_pose_model.pth"))


if __name__ == "__main__":
    main()
