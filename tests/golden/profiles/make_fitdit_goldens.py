#!/usr/bin/python3
"""Makes the FitDiT goldens of the mask profiles (issue 31) with FitDiT's own code.

Run with Debian's python3 (python3-numpy 1.24, python3-opencv 4.6, python3-pil 9.4,
python3-skimage 0.19, which src/utils_mask.py imports), from the repository root,
after make_profile_goldens.py (whose cases it reuses):

    /usr/bin/python3 tests/golden/profiles/make_fitdit_goldens.py FITDIT_CHECKOUT

FITDIT_CHECKOUT is a checkout of BoyuanJiang/FitDiT at the commit tests/golden/README
names; src/utils_mask.py is imported from there and never copied into this repository.
For every case folder of tests/golden/profiles/ (its parse map, or the golden figure's,
and its 18 body keypoints) it writes wholebody.json: 134 DWPose points in 768 x 1024
pixels as gradio_sd3.py's generate_mask hands them to get_mask_location (OpenPose's 18
body points x 2, then feet, face and hands made here around them; a point DWPose would
not see is (0, 0) and a negative coordinate is 0, as `candidate[candidate<0]=0` makes
it) and the offsets of the case, and fitdit_{category}.png (offsets 0) and
fitdit_{category}_offsets.png (the case's offsets) for the three categories.
"""

import importlib.util
import json
import math
import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.dirname(HERE)
FULL = (768, 1024)
# get_mask_location's category names, by ours.
CATEGORIES = {"upper_body": "Upper-body", "lower_body": "Lower-body", "dresses": "Dresses"}


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def exact(v):
    # Multiples of 1/64: exact in float32, as the service holds keypoints.
    return round(float(v) * 64) / 64


def wholebody(rng, index, body18):
    """134 points (DWPose's OpenPose order): body 0..17, feet 18..23, face 24..91, left hand
    92..112, right hand 113..133; None where DWPose would not see the point."""
    body = [None if p == [0.0, 0.0] else [p[0] * 2, p[1] * 2] for p in body18]
    pts = list(body) + [None] * 116
    size = rng.uniform(0.7, 1.3)

    def near(centre, dx, dy):
        return [centre[0] + dx * size + rng.normal(0, 1.5), centre[1] + dy * size + rng.normal(0, 1.5)]

    # Feet: COCO-WholeBody's big toe, small toe, heel of the left (13) then right (10) ankle.
    for first, ankle, side in ((18, 13, 1), (21, 10, -1)):
        if body[ankle] is not None and rng.random() > 0.15:
            a = body[ankle]
            pts[first:first + 3] = [near(a, 10 * side, 26), near(a, 22 * side, 22), near(a, -4 * side, 14)]
    # Face: 68 points, the jaw (0..16) an arc below the eyes, the rest inside; none for a back view.
    nose = body[0]
    if nose is not None and index % 7 != 2:
        for i in range(17):
            t = math.pi * (i / 16.0)
            pts[24 + i] = near(nose, -34 * math.cos(t), -10 + 36 * math.sin(t))
        for i in range(17, 68):
            pts[24 + i] = near(nose, rng.uniform(-24, 24), rng.uniform(-30, 24))
    # Hands: the wrist (0) and 20 finger points pointing on from the forearm; MCPs 5, 9, 13, 17.
    for first, elbow, wrist in ((92, 6, 7), (113, 3, 4)):
        w = body[wrist]
        if w is None:
            if index % 4 != 1 or body[elbow] is None:
                continue
            # A hand DWPose sees where it lost the wrist: below the elbow.
            w = near(body[elbow], rng.normal(0, 10), 70)
        e = body[elbow] if body[elbow] is not None else [w[0], w[1] - 60]
        d = np.array(w) - np.array(e)
        d = d / (np.linalg.norm(d) + 1e-6)
        n = np.array([-d[1], d[0]])
        pts[first] = list(w)
        for finger in range(5):
            for joint in range(4):
                along = 14 + 9 * joint + (4 if finger else -6)
                across = (finger - 2) * 7
                p = np.array(w) + d * along * size + n * across * size
                pts[first + 1 + finger * 4 + joint] = [p[0] + rng.normal(0, 1), p[1] + rng.normal(0, 1)]
    # A few points DWPose misses at random.
    for i in range(18, 134):
        if pts[i] is not None and rng.random() < 0.04:
            pts[i] = None
    # Raised hands above the frame: a negative y is cut to 0 while its x stays.
    if index % 6 == 5:
        for i in range(92, 134):
            if pts[i] is not None:
                pts[i] = [pts[i][0], pts[i][1] - 400]
    out = []
    for p in pts:
        out.append([0.0, 0.0] if p is None else [max(0.0, exact(p[0])), max(0.0, exact(p[1]))])
    return out


def offsets_of(rng, index):
    if index % 5 == 4:  # the sliders' extremes, inverted rectangles included
        return [int(v) for v in rng.choice([-200, 200], 4)]
    return [int(v) for v in rng.integers(-60, 61, 4)]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    fitdit = load(os.path.join(sys.argv[1], "src", "utils_mask.py"), "utils_mask")
    rng = np.random.default_rng(3131)
    names = sorted(n for n in os.listdir(HERE) if os.path.isdir(os.path.join(HERE, n)))
    for index, name in enumerate(names):
        out = os.path.join(HERE, name)
        inputs = out if os.path.isfile(os.path.join(out, "parse.png")) else os.path.join(GOLDEN, name)
        parse = Image.open(os.path.join(inputs, "parse.png")).copy()
        body18 = json.load(open(os.path.join(inputs, "keypoints.json")))["pose_keypoints_2d"]
        points = wholebody(rng, index, body18)
        top, bottom, left, right = offsets_of(rng, index)
        json.dump({"points": points, "offsets": {"top": top, "bottom": bottom, "left": left, "right": right}},
                  open(os.path.join(out, "wholebody.json"), "w"))
        pose_data = np.array(points, dtype=np.float32)
        for ours, theirs in CATEGORIES.items():
            for suffix, offs in (("", (0, 0, 0, 0)), ("_offsets", (top, bottom, left, right))):
                mask, mask_gray = fitdit.get_mask_location(theirs, parse, pose_data.copy(), FULL[0], FULL[1], *offs)
                # mask_gray is 128 exactly where mask is 255: checked, not stored.
                assert np.array_equal(np.array(mask_gray), (np.array(mask) // 255) * 128)
                # gradio_sd3.py resizes to the photo's size, 768 x 1024 here: no change.
                mask.save(os.path.join(out, f"fitdit_{ours}{suffix}.png"), optimize=True)
    print(f"{len(names)} cases written to {HERE}")


if __name__ == "__main__":
    main()
