#!/usr/bin/python3
"""Converts the users' OpenPose body checkpoint (a PyTorch state dict) to ONNX.

OpenCV cannot read a .pth file. This rebuilds the network that the users'
Python service runs (the CMU COCO body model: VGG-19 front end and six stages,
docs/algorithm.md section 3), loads the state dict into it, and exports ONNX that
maskcomponent reads:

  python3 tools/convert_openpose.py \\
      checkpoints/openpose/ckpts/body_pose_model.pth \\
      checkpoints/openpose/ckpts/body_pose_model.onnx

Input "input" [1, 3, H, W] with dynamic H and W (multiples of 8); outputs
"paf" [1, 38, H/8, W/8] then "heatmap" [1, 19, H/8, W/8]. Like the PyTorch
network (and unlike the Caffe original) the heatmap passes through a ReLU.
Needs Debian's python3-torch and python3-onnx.
"""
import argparse
import sys
from collections import OrderedDict

import torch
from torch import nn

# Layers without a ReLU after them in the users' PyTorch network.
NO_RELU = {"conv5_5_CPM_L1", "conv5_5_CPM_L2", "Mconv7_stage6_L1"} | {
    f"Mconv7_stage{t}_L{b}" for t in range(2, 6) for b in (1, 2)}


def front_end():
    """(name, in, out, kernel, padding) or ("pool", ...), in order."""
    layers = [("conv1_1", 3, 64), ("conv1_2", 64, 64), "pool1_stage1", ("conv2_1", 64, 128), ("conv2_2", 128, 128),
              "pool2_stage1", ("conv3_1", 128, 256), ("conv3_2", 256, 256), ("conv3_3", 256, 256),
              ("conv3_4", 256, 256), "pool3_stage1", ("conv4_1", 256, 512), ("conv4_2", 512, 512),
              ("conv4_3_CPM", 512, 256), ("conv4_4_CPM", 256, 128)]
    return [layer if isinstance(layer, str) else (*layer, 3, 1) for layer in layers]


def stage_one(branch, channels):
    return [(f"conv5_1_CPM_L{branch}", 128, 128, 3, 1), (f"conv5_2_CPM_L{branch}", 128, 128, 3, 1),
            (f"conv5_3_CPM_L{branch}", 128, 128, 3, 1), (f"conv5_4_CPM_L{branch}", 128, 512, 1, 0),
            (f"conv5_5_CPM_L{branch}", 512, channels, 1, 0)]


def refinement_stage(stage, branch, channels):
    layers = [(f"Mconv1_stage{stage}_L{branch}", 185, 128, 7, 3)]
    layers += [(f"Mconv{i}_stage{stage}_L{branch}", 128, 128, 7, 3) for i in range(2, 6)]
    layers += [(f"Mconv6_stage{stage}_L{branch}", 128, 128, 1, 0), (f"Mconv7_stage{stage}_L{branch}", 128, channels, 1, 0)]
    return layers


class BodyPoseNetwork(nn.Module):
    """Parameters are named exactly as the checkpoint's keys (conv1_1.weight ...)."""

    def __init__(self):
        super().__init__()
        self.blocks = OrderedDict()
        self.blocks["front"] = front_end()
        self.blocks["stage1_L1"] = stage_one(1, 38)
        self.blocks["stage1_L2"] = stage_one(2, 19)
        for t in range(2, 7):
            self.blocks[f"stage{t}_L1"] = refinement_stage(t, 1, 38)
            self.blocks[f"stage{t}_L2"] = refinement_stage(t, 2, 19)
        for layers in self.blocks.values():
            for layer in layers:
                if not isinstance(layer, str):
                    name, cin, cout, kernel, padding = layer
                    setattr(self, name, nn.Conv2d(cin, cout, kernel, 1, padding))

    def run(self, block, x):
        for layer in self.blocks[block]:
            if isinstance(layer, str):
                x = nn.functional.max_pool2d(x, 2, 2)
                continue
            x = getattr(self, layer[0])(x)
            if layer[0] not in NO_RELU:
                x = torch.relu(x)
        return x

    def forward(self, x):
        features = self.run("front", x)
        paf = self.run("stage1_L1", features)
        heatmap = self.run("stage1_L2", features)
        for t in range(2, 7):
            joined = torch.cat([paf, heatmap, features], 1)
            paf, heatmap = self.run(f"stage{t}_L1", joined), self.run(f"stage{t}_L2", joined)
        return paf, heatmap


def load_state_dict(path):
    state = torch.load(path, map_location="cpu")
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    # Some copies were saved from nn.DataParallel.
    return {key[len("module."):] if key.startswith("module.") else key: value for key, value in state.items()}


def export(network, path):
    network.eval()
    dummy = torch.zeros(1, 3, 184, 144)
    torch.onnx.export(network, dummy, path, input_names=["input"], output_names=["paf", "heatmap"],
                      dynamic_axes={"input": {2: "height", 3: "width"}, "paf": {2: "h8", 3: "w8"},
                                    "heatmap": {2: "h8", 3: "w8"}},
                      opset_version=11, do_constant_folding=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pth", help="body_pose_model.pth (PyTorch state dict with the Caffe layer names)")
    parser.add_argument("onnx", help="where to write body_pose_model.onnx")
    args = parser.parse_args()
    network = BodyPoseNetwork()
    try:
        state = load_state_dict(args.pth)
        missing, unexpected = network.load_state_dict(state, strict=False)
    except Exception as error:  # a clear message, not a traceback
        sys.exit(f"convert_openpose: {args.pth}: cannot be read as a PyTorch state dict: {error}")
    if missing or unexpected:
        sys.exit(f"convert_openpose: {args.pth}: not the OpenPose body model "
                 f"(missing keys: {sorted(missing)[:5]}, unexpected keys: {sorted(unexpected)[:5]})")
    with torch.no_grad():
        export(network, args.onnx)
    print(args.onnx)


if __name__ == "__main__":
    main()
