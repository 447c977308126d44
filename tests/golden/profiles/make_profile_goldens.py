#!/usr/bin/python3
"""Makes the goldens of the mask profiles (issue 31) with the reference projects' own code.

Run with Debian's python3 (python3-numpy, python3-opencv, python3-pil: numpy 1.24,
OpenCV 4.6, Pillow 9.4), from the repository root:

    /usr/bin/python3 tests/golden/profiles/make_profile_goldens.py OOTD_CHECKOUT IDM_CHECKOUT

OOTD_CHECKOUT is a checkout of levihsu/OOTDiffusion and IDM_CHECKOUT one of
yisol/IDM-VTON, at the commits tests/golden/README names. Their code is imported
from there and never copied into this repository. Writes, per case, parse.png
(768 x 1024 labels), keypoints.json and one PNG per profile and category into
tests/golden/profiles/<case>/.
"""

import importlib.util
import json
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.dirname(HERE)
FULL = (768, 1024)

# profile -> (module, model_type, categories, final resize of the 384 x 512 mask).
# OOTDiffusion's run/run_ootd.py: hd only for upper_body, masks resized to
# 768 x 1024 with NEAREST. IDM-VTON's gradio_demo/app.py: mask.resize((768, 1024))
# with Pillow's default filter (BICUBIC for mode L).
PROFILES = {
    "ootd_hd": ("ootd", "hd", ["upper_body"], Image.NEAREST),
    "ootd_dc": ("ootd", "dc", ["upper_body", "lower_body", "dresses"], Image.NEAREST),
    "idm_hd": ("idm", "hd", ["upper_body", "lower_body", "dresses"], None),
    "idm_dc": ("idm", "dc", ["upper_body", "lower_body", "dresses"], None),
}


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def thick(draw, points, width, label):
    draw.line([tuple(float(v) * 2 for v in p) for p in points], fill=label, width=width, joint="curve")


def ellipse(draw, centre, rx, ry, label):
    x, y = centre[0] * 2, centre[1] * 2
    draw.ellipse([x - rx, y - ry, x + rx, y + ry], fill=label)


def figure(rng, index):
    """A synthetic person: a 768 x 1024 label map (ATR labels plus neck 18) and
    18 OpenPose keypoints in 384 x 512 coordinates, (0, 0) when missing."""
    scale = rng.uniform(0.6, 1.25)
    cx = rng.uniform(120, 264)
    top = rng.uniform(20, 90)
    kind = index % 8
    if kind == 5:  # partly out of frame, left or right
        cx = rng.choice([rng.uniform(-30, 40), rng.uniform(344, 410)])
    if kind == 6:  # cut at the bottom or top
        top = rng.choice([rng.uniform(-120, -40), rng.uniform(150, 260)])
    def pt(dx, dy):
        return [cx + dx * scale + rng.normal(0, 2), top + dy * scale + rng.normal(0, 2)]
    k = [None] * 18
    k[0] = pt(0, 40)
    k[1] = pt(0, 88)
    k[2], k[5] = pt(-47, 110), pt(47, 110)
    k[8], k[11] = pt(-29, 250), pt(29, 250)
    k[9], k[12] = pt(-29, 330), pt(29, 330)
    k[10], k[13] = pt(-29, 428), pt(29, 428)
    k[14], k[15], k[16], k[17] = pt(-8, 32), pt(8, 32), pt(-18, 38), pt(18, 38)
    arms = index % 4
    if arms == 0:  # hanging
        k[3], k[6] = pt(-81, 180), pt(81, 180)
        k[4], k[7] = pt(-97, 255), pt(97, 255)
    elif arms == 1:  # crossed over the chest
        k[3], k[6] = pt(-70, 190), pt(70, 190)
        k[4], k[7] = pt(40, 160), pt(-40, 165)
    elif arms == 2:  # raised
        k[3], k[6] = pt(-95, 70), pt(95, 70)
        k[4], k[7] = pt(-105, 0), pt(105, 0)
    else:  # hands on the hips, random
        k[3], k[6] = pt(-90 + rng.normal(0, 15), 170), pt(90 + rng.normal(0, 15), 170)
        k[4], k[7] = pt(-35, 245), pt(35, 245)
    img = Image.new("L", FULL, 0)
    d = ImageDraw.Draw(img)
    w = lambda v: max(2, int(v * scale * 2))
    bottom = rng.integers(0, 3)  # 0 pants, 1 skirt, 2 dress
    thick(d, [k[8], k[9], k[10]], w(26), 12)
    thick(d, [k[11], k[12], k[13]], w(26), 13)
    ellipse(d, k[10], w(14), w(6), 9)
    ellipse(d, k[13], w(14), w(6), 10)
    neck = [[k[1][0] - 12 * scale, k[0][1] + 20 * scale], [k[1][0] + 12 * scale, k[1][1] + 6 * scale]]
    d.rectangle([neck[0][0] * 2, neck[0][1] * 2, neck[1][0] * 2, neck[1][1] * 2], fill=18)
    ellipse(d, [k[0][0], k[0][1] - 14 * scale], w(27), w(25), 2)
    ellipse(d, k[0], w(21), w(28), 11)
    if rng.random() < 0.3:
        ellipse(d, [k[0][0], k[0][1] - 30 * scale], w(30), w(12), 1)
    if rng.random() < 0.3:
        d.rectangle([(k[14][0] - 6 * scale) * 2, (k[14][1] - 3 * scale) * 2, (k[15][0] + 6 * scale) * 2,
                     (k[15][1] + 4 * scale) * 2], fill=3)
    torso = [k[2], k[5], k[11], k[8]]
    if bottom == 0:
        thick(d, [[(k[8][0] + k[11][0]) / 2, k[8][1]], k[8], k[9]], w(30), 6)
        thick(d, [[(k[8][0] + k[11][0]) / 2, k[11][1]], k[11], k[12]], w(30), 6)
    elif bottom == 1:
        d.polygon([(k[8][0] * 2 - 10, k[8][1] * 2), (k[11][0] * 2 + 10, k[11][1] * 2),
                   (k[12][0] * 2 + 40 * scale, k[12][1] * 2 + 20), (k[9][0] * 2 - 40 * scale, k[9][1] * 2 + 20)],
                  fill=5)
    if bottom == 2:
        d.polygon([(k[2][0] * 2, k[2][1] * 2), (k[5][0] * 2, k[5][1] * 2), (k[12][0] * 2 + 50 * scale, k[12][1] * 2),
                   (k[9][0] * 2 - 50 * scale, k[9][1] * 2)], fill=7)
    else:
        d.polygon([(p[0] * 2, p[1] * 2) for p in torso], fill=4)
    sleeve = 4 if bottom != 2 else 7
    for s, e, h, label in ((2, 3, 4, 15), (5, 6, 7, 14)):
        thick(d, [k[s], k[e], k[h]], w(20), label)
        thick(d, [k[s], [(k[s][0] + k[e][0]) / 2, (k[s][1] + k[e][1]) / 2]], w(24), sleeve)
        ellipse(d, k[h], w(11), w(11), label)
    if rng.random() < 0.25:
        d.rectangle([(k[8][0] - 5) * 2, (k[8][1] - 4) * 2, (k[11][0] + 5) * 2, (k[8][1] + 2) * 2], fill=8)
    if rng.random() < 0.25:
        ellipse(d, [k[11][0] + 25 * scale, k[11][1]], w(20), w(26), 16)
    if rng.random() < 0.2:
        thick(d, [k[2], k[1], k[5]], w(10), 17)
    for _ in range(int(rng.integers(0, 4))):  # stray blobs: islands and holes
        ellipse(d, [rng.uniform(0, 384), rng.uniform(0, 512)], rng.uniform(4, 30), rng.uniform(4, 30),
                int(rng.integers(0, 19)))
    # Keypoints OpenPose would not report: missing wrists, elbows, shoulders,
    # and every point outside the 384 x 512 frame.
    if index % 3 == 0:
        k[4] = None
    if index % 5 == 0:
        k[7] = None
    if index % 7 == 3:
        k[6] = None
    if index % 11 == 4:
        k[2] = None
    points = []
    for p in k:
        if p is None or not (0 <= p[0] < 384 and 0 <= p[1] < 512):
            points.append([0.0, 0.0])
        else:
            # Multiples of 1/64: exact in float32, as the service holds keypoints.
            points.append([round(float(p[0]) * 64) / 64, round(float(p[1]) * 64) / 64])
    # Out-of-frame extremes: a wrist just inside the edge, whose 1.2x extension
    # leaves the frame (negative coordinates wrap in the reference's uint16 cast).
    if index % 9 == 8 and points[3] != [0.0, 0.0]:
        points[4] = [1.5, points[3][1] + 30.0]
    return img, {"pose_keypoints_2d": points}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    ootd = load(os.path.join(sys.argv[1], "run", "utils_ootd.py"), "utils_ootd")
    idm = load(os.path.join(sys.argv[2], "gradio_demo", "utils_mask.py"), "utils_mask")
    modules = {"ootd": ootd, "idm": idm}
    cases = []
    for name in sorted(os.listdir(GOLDEN)):
        source = os.path.join(GOLDEN, name)
        if os.path.isfile(os.path.join(source, "parse.png")):
            cases.append((name, Image.open(os.path.join(source, "parse.png")).copy(),
                          json.load(open(os.path.join(source, "keypoints.json")))))
    rng = np.random.default_rng(31)
    for index in range(33):
        parse, keypoints = figure(rng, index)
        cases.append((f"generated_{index:02d}", parse, keypoints))
    for name, parse, keypoints in cases:
        out = os.path.join(HERE, name)
        # Rewrites its own files in place: make_fitdit_goldens.py's stay beside them.
        os.makedirs(out, exist_ok=True)
        if name.startswith("generated_"):
            parse.save(os.path.join(out, "parse.png"), optimize=True)
            json.dump(keypoints, open(os.path.join(out, "keypoints.json"), "w"))
        for profile, (module, model_type, categories, resample) in PROFILES.items():
            for category in categories:
                mask, mask_gray = modules[module].get_mask_location(model_type, category, parse, keypoints)
                # mask_gray is mask / 255 * 127 by construction: checked, not stored.
                assert np.array_equal(np.array(mask_gray), (np.array(mask) // 255) * 127)
                mask = mask.resize(FULL, resample) if resample is not None else mask.resize(FULL)
                mask.save(os.path.join(out, f"{profile}_{category}.png"), optimize=True)
    print(f"{len(cases)} cases written to {HERE}")


if __name__ == "__main__":
    main()
