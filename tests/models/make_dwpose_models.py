#!/usr/bin/python3
"""Makes small ONNX stand-ins for DWPose's two networks, with the official files' interface.

Writes, under --out, the layout CHECKPOINTS_DIR has with POSE_MODEL=dwpose:
  dwpose/yolox_l.onnx          input "images" [1, 3, 640, 640] (raw 0..255 pixels in the
                               channel order given), output "output" [1, 8400, 85]: YOLOX's
                               grid predictions before decoding (x, y offsets and log w, h
                               per cell at strides 8, 16, 32; objectness and 80 class
                               probabilities after their sigmoid), as the official export
  dw-ll_ucoco_384.onnx         input "input" [1, 3, 384, 288] (normalised crop), outputs
                               "simcc_x" [1, 133, 576] and "simcc_y" [1, 133, 768]

The weights are constructed so that what the decoders must get right shows:
 - the detector pools each cell's pixels: a cell with a high first channel has high
   objectness, a high third channel makes it a person (class 0) and a high second
   channel another class, and the pooled colours set the box's offsets and size. So a
   blob of strong first channel is a detection, several blobs several, a blob at the
   edge a box partly out of frame, no blob no detection; only the stride-32 cells can
   reach the score threshold, so NMS leaves about one box per blob.
 - the pose network's simcc_x for keypoint k is the column profile of a per-keypoint
   mix of the crop's channels (simcc_y the row profile), linearly upsampled 2x (the
   SimCC split ratio), scaled and offset per keypoint so that the maxima straddle
   DWPose's visibility threshold 0.3 and the arg-max moves with the picture.
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

DET_SIZE = 640
STRIDES = (8, 16, 32)
CLASSES = 80
POSE_W, POSE_H = 288, 384
KEYPOINTS = 133
SPLIT = 2


def detector(path):
    nodes, inits, heads = [], [], []
    for stride in STRIDES:
        weight = np.zeros((5 + CLASSES, 3, 1, 1), np.float32)
        bias = np.full(5 + CLASSES, -8.0, np.float32)  # class logits: improbable unless set below
        scale = 1.0 / 255.0
        weight[0, 1, 0, 0], bias[0] = 0.6 * scale, 0.2   # x offset from the second channel
        weight[1, 2, 0, 0], bias[1] = 0.6 * scale, 0.2   # y offset from the third
        weight[2, 1, 0, 0], bias[2] = 0.6 * scale, np.log(192.0 / stride)  # log w: 192..350 px
        weight[3, 2, 0, 0], bias[3] = 0.5 * scale, np.log(300.0 / stride)  # log h: 300..495 px
        # Objectness: only the coarsest level can pass; the finer ones stay well below.
        weight[4, 0, 0, 0], bias[4] = 9.0 * scale, -5.5 if stride == 32 else -12.0
        weight[5, 2, 0, 0], weight[5, 1, 0, 0], bias[5] = 6.0 * scale, -3.0 * scale, -0.5  # person
        weight[6, 1, 0, 0], weight[6, 2, 0, 0], bias[6] = 6.0 * scale, -3.0 * scale, -1.5  # bicycle
        name = f"s{stride}"
        inits += [numpy_helper.from_array(weight, name + "_w"), numpy_helper.from_array(bias, name + "_b")]
        nodes += [
            helper.make_node("AveragePool", ["images"], [name + "_pool"], kernel_shape=[stride, stride],
                             strides=[stride, stride]),
            helper.make_node("Conv", [name + "_pool", name + "_w", name + "_b"], [name + "_raw"]),
            helper.make_node("Slice", [name + "_raw", "c0", "c4", "axis1"], [name + "_box"]),
            helper.make_node("Slice", [name + "_raw", "c4", "c85", "axis1"], [name + "_logit"]),
            helper.make_node("Sigmoid", [name + "_logit"], [name + "_prob"]),
            helper.make_node("Concat", [name + "_box", name + "_prob"], [name + "_cat"], axis=1),
            helper.make_node("Reshape", [name + "_cat", "flat_shape"], [name + "_flat"]),
            helper.make_node("Transpose", [name + "_flat"], [name + "_head"], perm=[0, 2, 1]),
        ]
        heads.append(name + "_head")
    inits += [
        numpy_helper.from_array(np.array([0], np.int64), "c0"),
        numpy_helper.from_array(np.array([4], np.int64), "c4"),
        numpy_helper.from_array(np.array([5 + CLASSES], np.int64), "c85"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        numpy_helper.from_array(np.array([1, 5 + CLASSES, -1], np.int64), "flat_shape"),
    ]
    nodes.append(helper.make_node("Concat", heads, ["output"], axis=1))
    anchors = sum((DET_SIZE // s) ** 2 for s in STRIDES)
    graph = helper.make_graph(
        nodes, "yolox_fixture",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, DET_SIZE, DET_SIZE])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, anchors, 5 + CLASSES])], inits)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def pose(path, seed):
    rng = np.random.default_rng(seed)
    mix = rng.normal(0.0, 1.0, (KEYPOINTS, 3, 3, 3)).astype(np.float32)
    gain = rng.uniform(0.3, 1.0, KEYPOINTS).astype(np.float32)
    offset = rng.uniform(0.0, 0.4, KEYPOINTS).astype(np.float32)
    # The shoulders (COCO 5 and 6) straddle 0.3 from picture to picture, so that DWPose's
    # neck rule (visible when both shoulders score > 0.3) goes both ways.
    offset[5] += 0.38
    offset[6] -= 0.02
    nodes = [
        helper.make_node("Conv", ["input", "mix"], ["features"], pads=[1, 1, 1, 1]),
        helper.make_node("Tanh", ["features"], ["bounded"]),
        helper.make_node("ReduceMean", ["bounded"], ["columns"], axes=[2], keepdims=1),  # [1, K, 1, 288]
        helper.make_node("ReduceMean", ["bounded"], ["rows"], axes=[3], keepdims=1),     # [1, K, 384, 1]
        helper.make_node("Resize", ["columns", "", "scale_x"], ["columns_up"], mode="linear"),
        helper.make_node("Resize", ["rows", "", "scale_y"], ["rows_up"], mode="linear"),
    ]
    for axis, source, length in (("x", "columns_up", POSE_W * SPLIT), ("y", "rows_up", POSE_H * SPLIT)):
        nodes += [
            helper.make_node("Reshape", [source, "shape_" + axis], [axis + "_flat"]),
            helper.make_node("Mul", [axis + "_flat", "gain"], [axis + "_scaled"]),
            helper.make_node("Add", [axis + "_scaled", "offset"], ["simcc_" + axis]),
        ]
    inits = [
        numpy_helper.from_array(mix, "mix"),
        numpy_helper.from_array(np.array([1, 1, 1, SPLIT], np.float32), "scale_x"),
        numpy_helper.from_array(np.array([1, 1, SPLIT, 1], np.float32), "scale_y"),
        numpy_helper.from_array(np.array([1, KEYPOINTS, POSE_W * SPLIT], np.int64), "shape_x"),
        numpy_helper.from_array(np.array([1, KEYPOINTS, POSE_H * SPLIT], np.int64), "shape_y"),
        numpy_helper.from_array(gain[None, :, None], "gain"),
        numpy_helper.from_array(offset[None, :, None], "offset"),
    ]
    graph = helper.make_graph(
        nodes, "rtmpose_fixture",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, POSE_H, POSE_W])],
        [helper.make_tensor_value_info("simcc_x", TensorProto.FLOAT, [1, KEYPOINTS, POSE_W * SPLIT]),
         helper.make_tensor_value_info("simcc_y", TensorProto.FLOAT, [1, KEYPOINTS, POSE_H * SPLIT])], inits)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def save(model, path):
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(model, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="the checkpoint folder (dwpose/ is made in it)")
    parser.add_argument("--seed", type=int, default=30)
    args = parser.parse_args()
    detector(os.path.join(args.out, "dwpose", "yolox_l.onnx"))
    pose(os.path.join(args.out, "dwpose", "dw-ll_ucoco_384.onnx"), args.seed)


if __name__ == "__main__":
    main()
