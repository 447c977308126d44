#!/usr/bin/python3
"""Makes the small ONNX models the tests run instead of the users' checkpoints.

Writes a checkpoint folder laid out like CHECKPOINTS_DIR:
  humanparsing/parsing_atr.onnx   colour-keyed ATR parser (18 classes, input 512)
  humanparsing/parsing_lip.onnx   colour-keyed LIP parser (20 classes, input 473)
  openpose/ckpts/body_pose_model.onnx   pose fixture encoding known keypoints
  palette.json                    the RGB colour to paint for each final label 0..18

The colour-keyed parsers classify each pixel by its nearest palette colour: a
1x1 convolution with weights 2c and bias -|c|^2 in the normalised input space
(docs/algorithm.md section 2 step 1), made one-hot by a steep softmax and average-pooled to
ceil(S/4), so each output cell holds the share of each class in its 4 x 4
window (a blend of two colours at a boundary never reads as a third class, as
raw nearest-colour logits would). So a figure painted in palette
colours has a known parse map, and a service that gets the channel order, the
mean, the std, the warp or the output choice wrong sees other labels:
 - every ATR colour has R != B and its R/B swap is another palette colour;
 - the big regions use colours that a mean given in R, G, B order moves to a
   neighbouring palette colour;
 - the first declared output ("parsing") is the fusion logits with the classes
   rotated by one, and the output names sort differently from their declared order.
Face and neck are painted in two colours either side of the ATR face colour, so
ATR says face for both and LIP says face (13) only for the face: the neck.

The pose fixture ignores the picture: its PAF and heatmap outputs are constants
sized for the 768 x 1024 person image (network input 144 x 184), with a Gaussian
peak at each known keypoint and unit vectors along each limb, so the decoder
must recover the keypoints. --extra-person adds a smaller, partial second person.
"""
import argparse
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

MEAN_BGR = np.array([0.406, 0.456, 0.485])
STD_BGR = np.array([0.225, 0.224, 0.229])
LEVELS = (92, 128, 164)
FACE_OFFSET = 14
STEEPNESS = 50.0  # softmax(50 * logits) is one-hot for pixels of palette colours  # face and neck colours sit this far either side of the ATR face colour (in G)

# Final labels (docs/algorithm.md section 2) that cover large areas get colours a wrong mean moves.
BIG_LABELS = [0, 4, 5, 6, 7, 11, 14, 15, 2]
OTHER_LABELS = [1, 3, 8, 9, 10, 12, 13, 16, 17]

# Pose: image and network geometry (docs/algorithm.md section 3).
WORK_W, WORK_H = 384, 512
SCALED_W, SCALED_H = int(WORK_W * 0.359375), int(WORK_H * 0.359375)  # 138 x 184
PADDED_W, PADDED_H = (SCALED_W + 7) // 8 * 8, (SCALED_H + 7) // 8 * 8  # 144 x 184
GRID_W, GRID_H = PADDED_W // 8, PADDED_H // 8
LIMBS = [(1, 2, 12, 13), (1, 5, 20, 21), (2, 3, 14, 15), (3, 4, 16, 17), (5, 6, 22, 23), (6, 7, 24, 25),
         (1, 8, 0, 1), (8, 9, 2, 3), (9, 10, 4, 5), (1, 11, 6, 7), (11, 12, 8, 9), (12, 13, 10, 11),
         (1, 0, 28, 29), (0, 14, 30, 31), (14, 16, 34, 35), (0, 15, 32, 33), (15, 17, 36, 37),
         (2, 16, 18, 19), (5, 17, 26, 27)]


def atr_palette():
    """RGB colour per ATR class 0..17 (R != B for all)."""
    flip_prone = [(r, g, b) for g in LEVELS for r in LEVELS[:2] for b in LEVELS[1:] if r < b]
    others = [(r, g, b) for g in LEVELS for r in LEVELS for b in LEVELS if r != b and (r, g, b) not in flip_prone]
    assert len(flip_prone) == len(BIG_LABELS) and len(others) == len(OTHER_LABELS)
    palette = {}
    for label, colour in zip(BIG_LABELS, flip_prone):
        palette[label] = colour
    for label, colour in zip(OTHER_LABELS, others):
        palette[label] = colour
    return palette


def paint_palette(atr):
    """RGB colour to paint for each final label 0..18."""
    paint = dict(atr)
    r, g, b = atr[11]
    paint[11] = (r, g + FACE_OFFSET, b)  # face
    paint[18] = (r, g - FACE_OFFSET, b)  # neck
    return paint


def lip_palette(paint):
    """LIP channel -> RGB colour: face colour on 13, every other painted colour elsewhere."""
    colours = [paint[label] for label in range(19) if label != 11]
    channels = [c for c in range(20) if c != 13]
    palette = dict(zip(channels, colours))
    palette[13] = paint[11]
    return palette


def normalised(rgb):
    r, g, b = rgb
    return (np.array([b, g, r]) / 255.0 - MEAN_BGR) / STD_BGR


def classifier(palette, classes):
    weights = np.zeros((classes, 3, 1, 1), np.float32)
    bias = np.full((classes,), -1e4, np.float32)
    for channel, rgb in palette.items():
        x = normalised(rgb)
        weights[channel, :, 0, 0] = 2 * x
        bias[channel] = -np.dot(x, x)
    return weights, bias


def parser_model(palette, classes, size, path):
    weights, bias = classifier(palette, classes)
    weights, bias = weights * STEEPNESS, bias * STEEPNESS
    rotated = np.roll(np.arange(classes), -1)  # "parsing": classes rotated by one
    init = [numpy_helper.from_array(weights, "fusion_w"), numpy_helper.from_array(bias, "fusion_b"),
            numpy_helper.from_array(weights[rotated], "parsing_w"), numpy_helper.from_array(bias[rotated], "parsing_b"),
            numpy_helper.from_array(weights[:2], "edge_w"), numpy_helper.from_array(bias[:2], "edge_b")]
    pool = dict(kernel_shape=[4, 4], strides=[4, 4], ceil_mode=1)
    nodes = []
    # Declared order parsing, fusion, edge; sorted by name it is edge, parsing, fusion.
    for branch, name in (("parsing", "1187"), ("fusion", "1191"), ("edge", "1160")):
        nodes.append(helper.make_node("Conv", ["input.1", branch + "_w", branch + "_b"], [branch + "_logits"],
                                      kernel_shape=[1, 1]))
        nodes.append(helper.make_node("Softmax", [branch + "_logits"], [branch + "_onehot"], axis=1))
        nodes.append(helper.make_node("AveragePool", [branch + "_onehot"], [name], **pool))
    out = (size + 3) // 4
    outputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, c, out, out])
               for name, c in (("1187", classes), ("1191", classes), ("1160", 2))]
    graph = helper.make_graph(nodes, "colour_keyed_schp", [helper.make_tensor_value_info(
        "input.1", TensorProto.FLOAT, [1, 3, size, size])], outputs, init)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def grid_coordinates(x, y):
    """Keypoint in 384 x 512 pixels to the pose output grid (inverse of docs/algorithm.md section 3 step 3)."""
    scale = SCALED_W / WORK_W
    return (x + 0.5) * scale / 8 - 0.5, (y + 0.5) * scale / 8 - 0.5


def pose_maps(people):
    heat = np.zeros((19, GRID_H, GRID_W), np.float32)
    paf = np.zeros((38, GRID_H, GRID_W), np.float32)
    gy, gx = np.mgrid[0:GRID_H, 0:GRID_W].astype(np.float64)
    for keypoints in people:
        grid = {i: grid_coordinates(*p) for i, p in enumerate(keypoints) if p is not None}
        for part, (cx, cy) in grid.items():
            heat[part] = np.maximum(heat[part], np.exp(-((gx - cx) ** 2 + (gy - cy) ** 2) / 2.0))
        for a, b, px, py in LIMBS:
            if a not in grid or b not in grid:
                continue
            (ax, ay), (bx, by) = grid[a], grid[b]
            length = max(np.hypot(bx - ax, by - ay), 1e-6)
            ux, uy = (bx - ax) / length, (by - ay) / length
            t = np.clip(((gx - ax) * ux + (gy - ay) * uy) / length, 0.0, 1.0)
            distance = np.hypot(gx - (ax + t * (bx - ax)), gy - (ay + t * (by - ay)))
            band = distance <= 1.0
            paf[px][band] = ux
            paf[py][band] = uy
    heat[18] = np.clip(1.0 - heat[:18].max(axis=0), 0.0, 1.0)
    return paf, heat


def pose_model(people, path):
    paf, heat = pose_maps(people)
    init = [numpy_helper.from_array(np.zeros((38, 3, 1, 1), np.float32), "paf_w"),
            numpy_helper.from_array(np.zeros((19, 3, 1, 1), np.float32), "heat_w"),
            numpy_helper.from_array(paf[None], "paf_const"), numpy_helper.from_array(heat[None], "heat_const")]
    nodes = [helper.make_node("AveragePool", ["input"], ["pooled"], kernel_shape=[8, 8], strides=[8, 8]),
             helper.make_node("Conv", ["pooled", "paf_w"], ["paf_zero"], kernel_shape=[1, 1]),
             helper.make_node("Conv", ["pooled", "heat_w"], ["heat_zero"], kernel_shape=[1, 1]),
             helper.make_node("Add", ["paf_zero", "paf_const"], ["paf"]),
             helper.make_node("Add", ["heat_zero", "heat_const"], ["heatmap"])]
    graph = helper.make_graph(
        nodes, "pose_fixture", [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, PADDED_H, PADDED_W])],
        [helper.make_tensor_value_info("paf", TensorProto.FLOAT, [1, 38, GRID_H, GRID_W]),
         helper.make_tensor_value_info("heatmap", TensorProto.FLOAT, [1, 19, GRID_H, GRID_W])], init)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)]), path)


def save(model, path):
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(model, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="checkpoint folder to write")
    parser.add_argument("--keypoints", required=True, help='JSON {"pose_keypoints_2d": [[x, y] x 18]} in 384 x 512 pixels, or "none" for a pose '
                        'network that finds nobody')
    parser.add_argument("--extra-person", action="store_true",
                        help="add a second, smaller person with 8 parts at the top right")
    args = parser.parse_args()

    atr = atr_palette()
    paint = paint_palette(atr)
    parser_model(atr, 18, 512, os.path.join(args.out, "humanparsing", "parsing_atr.onnx"))
    parser_model(lip_palette(paint), 20, 473, os.path.join(args.out, "humanparsing", "parsing_lip.onnx"))
    with open(os.path.join(args.out, "palette.json"), "w") as f:
        json.dump({"rgb_by_label": [list(paint[label]) for label in range(19)]}, f, indent=1)

    people = []
    if args.keypoints != "none":
        with open(args.keypoints) as f:
            people.append([tuple(p) if p[0] > 0 or p[1] > 0 else None for p in json.load(f)["pose_keypoints_2d"]])
    if args.extra_person:
        kept = {0, 1, 2, 3, 5, 6, 14, 15}
        people.append([(300 + 0.35 * p[0], 10 + 0.35 * p[1]) if p is not None and i in kept else None
                       for i, p in enumerate(people[0])])
    pose_model(people, os.path.join(args.out, "openpose", "ckpts", "body_pose_model.onnx"))


if __name__ == "__main__":
    main()
