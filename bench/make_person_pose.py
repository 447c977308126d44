#!/usr/bin/python3
"""The bench models with a pose network that finds a person, for benchmarks of
the whole request (masks, PNGs, storage): the random-weight pose network of
bench/make_random_models.py finds nobody, so `serve` would answer 422 after the
three networks.

  python3 bench/make_person_pose.py BENCH_MODELS OUT_DIR

OUT_DIR/humanparsing/* link to BENCH_MODELS' parsing networks; OUT_DIR's pose
network is BENCH_MODELS' random-weight network (every operation of it still
runs) whose two outputs are scaled by 1e-3 and added to the constant maps of the
test models' pose fixture (tests/models/make_test_models.py) for the golden
figure's keypoints (tests/golden/male_pants/keypoints.json): the decoder finds
that person. The extra Mul and Add on the 38 + 19 x 23 x 18 outputs cost next
to nothing beside the network.
"""
import json
import os
import sys

import onnx
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "models"))
import make_test_models  # noqa: E402  (pose_maps: the fixture's PAF and heatmap constants)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, out = sys.argv[1], sys.argv[2]
    with open(os.path.join(HERE, "..", "tests", "golden", "male_pants", "keypoints.json")) as f:
        person = [tuple(p) if p[0] > 0 or p[1] > 0 else None for p in json.load(f)["pose_keypoints_2d"]]
    paf, heat = make_test_models.pose_maps([person])

    model = onnx.load(os.path.join(source, "openpose", "ckpts", "body_pose_model.onnx"))
    graph = model.graph
    outputs = [o.name for o in graph.output]  # paf, heatmap (the order PoseNetwork reads)
    constants = dict(zip(outputs, (paf, heat)))
    for node in graph.node:
        node.output[:] = [name + "_network" if name in constants else name for name in node.output]
    graph.initializer.append(numpy_helper.from_array(make_test_models.np.array(1e-3, make_test_models.np.float32),
                                                     "person_scale"))
    for name, constant in constants.items():
        graph.initializer.append(numpy_helper.from_array(constant[None], name + "_person"))
        graph.node.append(helper.make_node("Mul", [name + "_network", "person_scale"], [name + "_scaled"]))
        graph.node.append(helper.make_node("Add", [name + "_scaled", name + "_person"], [name]))
    pose_dir = os.path.join(out, "openpose", "ckpts")
    os.makedirs(pose_dir, exist_ok=True)
    onnx.save(model, os.path.join(pose_dir, "body_pose_model.onnx"))

    parsing_dir = os.path.join(out, "humanparsing")
    os.makedirs(parsing_dir, exist_ok=True)
    for name in ("parsing_atr.onnx", "parsing_lip.onnx"):
        link = os.path.join(parsing_dir, name)
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(os.path.abspath(os.path.join(source, "humanparsing", name)), link)
    print(f"{out}: the parsing networks of {source}, its pose network finding the golden figure's person")


if __name__ == "__main__":
    main()
