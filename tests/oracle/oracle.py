#!/usr/bin/python3
"""The mask algorithm of the reference (docs/mask-engine.md, "The reference
calls"), written with the libraries the reference uses: Pillow for the resizes
and the arm drawing, OpenCV for dilation, flood fill, morphology and contours,
numpy for the set algebra. The C++ tests (tests/oracle/oracle_test.cpp) compare
the project's masks and single steps with this.

Run with Debian's python3 (python3-pil, python3-opencv, python3-numpy):

    /usr/bin/python3 tests/oracle/oracle.py jobs.json

jobs.json is {"jobs": [{"kind": ..., ...}, ...]}; each job writes PNG files.
Kinds: masks, resize, line, arm, clean_up, largest_region, parsing_input,
parsing_labels (see run_job).
"""

import json
import sys

import cv2
import numpy as np
from PIL import Image, ImageDraw

WORK_SIZE = (384, 512)  # (width, height) of the category masks
FULL_SIZE = (768, 1024)
NECK_FRACTION = 0.4
ARM_WIDTH = 60

# Section 5: mask type -> (male parts, female parts, union); a part is
# (category, radius, mask_shoes).
RECIPES = {
    "upper_body": ([("upper_body", 2, False)], [("upper_body", 3, False), ("lower_body", 2, False)], True),
    "upper_body_tshirts": (
        [("upper_body", 2, False), ("lower_body", 2, False)],
        [("upper_body", 3, False), ("lower_body", 2, False)],
        True,
    ),
    "upper_body_coat": (
        [("upper_body", 2, False), ("lower_body", 2, False)],
        [("upper_body", 3, False), ("lower_body", 2, False)],
        True,
    ),
    "lower_body": ([("lower_body", 2, False)], [("lower_body", 2, False)], False),
    "ethnic_combined": (
        [("upper_body", 1, False), ("lower_body", 10, True)],
        [("upper_body", 5, False), ("lower_body", 13, True)],
        True,
    ),
    "baggy_lower": ([("lower_body", 7, True)], [("lower_body", 7, True)], False),
    "dress": ([("dresses", 2, False)], [("dresses", 2, False)], False),
}


def to_uint16(values):
    """The reference casts to numpy uint16 (truncation); the project clips
    negative and too large values instead of wrapping them (spec quirk)."""
    return np.clip(np.trunc(np.asarray(values, dtype=np.float64)), 0, 65535).astype(np.uint16)


def draw_arm(draw, shoulder, elbow, wrist, left):
    """Section 4 step 3 for a present wrist: polyline of width 60 with the
    "curve" joint, then a 30 wide ring in the 60 x 60 box of the shoulder."""
    wrist = elbow + 1.2 * (wrist - elbow)
    points = (wrist, elbow, shoulder) if left else (shoulder, elbow, wrist)
    draw.line(to_uint16(np.concatenate(points)).tolist(), "white", ARM_WIDTH, "curve")
    half = ARM_WIDTH // 2
    draw.arc([shoulder[0] - half, shoulder[1] - half, shoulder[0] + half, shoulder[1] + half], 0, 360, "white", half)


def arm_image(shoulder, elbow, wrist, left):
    image = Image.new("L", WORK_SIZE)
    draw_arm(ImageDraw.Draw(image), shoulder, elbow, wrist, left)
    return image


def hole_fill(img):
    """Step 8, first half: zero border, flood fill from (0, 0), OR the holes."""
    img = np.pad(img[1:-1, 1:-1], 1, "constant", constant_values=0)
    h, w = img.shape
    mask = np.zeros((h + 2, w + 2), np.uint8)
    flooded = img.copy()
    cv2.floodFill(flooded, mask, (0, 0), 255)
    holes = cv2.bitwise_not(flooded)
    return img | holes


def clean_up(img):
    """Step 8: holes filled, then close (2) and open (1) with a 3 x 3 ellipse."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    dst = hole_fill(img)
    dst = cv2.morphologyEx(dst, cv2.MORPH_CLOSE, kernel, iterations=2)
    return cv2.morphologyEx(dst, cv2.MORPH_OPEN, kernel, iterations=1)


def largest_region(mask):
    """Step 9: the first contour of largest absolute area, drawn filled."""
    contours, _ = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_TC89_L1)
    areas = [abs(cv2.contourArea(c, True)) for c in contours]
    out = np.zeros_like(mask)
    if areas:
        cv2.drawContours(out, contours, areas.index(max(areas)), color=255, thickness=-1)
    return out


def category_mask(parse_full, keypoints, category, radius, mask_shoes, neck_fraction=NECK_FRACTION):
    """Section 4, steps 1 to 10: a 768 x 1024 0/255 mask."""
    width, height = WORK_SIZE
    parse = np.array(parse_full.resize(WORK_SIZE, Image.NEAREST))

    def labels(*ids):
        return np.isin(parse, ids)

    # Step 1.
    head = labels(1, 3, 11)
    fixed = labels(1, 3, 16)
    if not mask_shoes:
        fixed |= labels(9, 10)
    changeable = labels(0)
    # Step 2.
    if category == "dresses":
        target = labels(4, 5, 6, 7)
    elif category == "upper_body":
        target = labels(4, 7)
        fixed |= labels(5, 6)
    elif category == "lower_body":
        target = labels(5, 6, 12, 13)
        if mask_shoes:
            target |= labels(9, 10)
        fixed |= labels(4, 14, 15)
    else:
        raise ValueError(category)
    changeable |= (parse != 0) & ~fixed

    # Step 3.
    arms = category in ("upper_body", "dresses")
    arm_images = []
    if arms:
        scale = height / 512.0
        for shoulder_id, elbow_id, wrist_id, arm_label, left in ((2, 3, 4, 15, False), (5, 6, 7, 14, True)):
            shoulder = np.multiply(tuple(keypoints[shoulder_id]), scale)
            elbow = np.multiply(tuple(keypoints[elbow_id]), scale)
            wrist = np.multiply(tuple(keypoints[wrist_id]), scale)
            parsed_arm = parse == arm_label
            if wrist[0] <= 1.0 and wrist[1] <= 1.0:
                image = parsed_arm
            else:
                image = np.array(arm_image(shoulder, elbow, wrist, left)) > 0
            arm_images.append(image)
            fixed |= parsed_arm & ~image
    # Step 4.
    fixed |= head

    # Step 5.
    target = cv2.dilate(target.astype(np.float32), np.ones((radius, radius), np.uint16), iterations=5) > 0

    # Step 6.
    if arms:
        if neck_fraction > 0:
            neck = cv2.dilate((parse == 18).astype(np.float32), np.ones((radius, radius), np.uint16), iterations=1) > 0
            neck &= ~head
            rows = np.flatnonzero(neck.any(axis=1))
            if rows.size:
                y0, y1 = int(rows[0]), int(rows[-1])
                neck[: y0 + int((y1 - y0) * (1 - neck_fraction))] = False
            target |= neck
        arm_union = (arm_images[0] | arm_images[1]).astype(np.float32)
        target |= cv2.dilate(arm_union, np.ones((5, 5), np.uint16), iterations=4) > 0

    # Step 7.
    keep = (changeable & ~target) | fixed
    mask = np.where(keep, 0, 255).astype(np.uint8)

    # Steps 8 to 10.
    mask = largest_region(clean_up(mask))
    return np.array(Image.fromarray(mask).resize(FULL_SIZE, Image.NEAREST))


def masks(parse_full, keypoints, gender):
    """Section 5: every mask type, 768 x 1024 0/255."""
    male = gender.upper() in ("M", "MALE")
    ellipse5 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    ellipse7 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
    parts = {}
    out = {}
    for mask_type, (male_parts, female_parts, union) in RECIPES.items():
        results = []
        for part in male_parts if male else female_parts:
            if part not in parts:
                part_mask = category_mask(parse_full, keypoints, *part)
                part_mask = cv2.morphologyEx(part_mask, cv2.MORPH_CLOSE, ellipse5, iterations=2)
                parts[part] = cv2.morphologyEx(part_mask, cv2.MORPH_OPEN, ellipse5, iterations=1)
            results.append(parts[part])
        if union:
            combined = results[0] > 0
            for result in results[1:]:
                combined = np.logical_or(combined, result)
            combined = (combined * 255).astype(np.uint8)
            out[mask_type] = cv2.morphologyEx(combined, cv2.MORPH_CLOSE, ellipse7, iterations=3)
        else:
            out[mask_type] = results[0]
    return out


# --- Human parsing pre- and post-processing (SCHP), for the parsing tests ---


def schp_affine(width, height, input_size, inv):
    """The affine transform of the parsing models: box [0, 0, w-1, h-1] made
    square, its centre to the centre of S x S, float32 points as SCHP's
    get_affine_transform builds them."""
    w, h = width - 1, height - 1
    center = np.array([w * 0.5, h * 0.5], dtype=np.float32)
    if w > h:
        h = w
    elif w < h:
        w = h
    src_w = np.float32(w)
    size = input_size
    src_dir = np.array([0, src_w * -0.5], np.float32)
    dst_dir = np.array([0, (size - 1) * -0.5], np.float32)
    src = np.zeros((3, 2), dtype=np.float32)
    dst = np.zeros((3, 2), dtype=np.float32)
    src[0, :] = center
    src[1, :] = center + src_dir
    dst[0, :] = [(size - 1) * 0.5, (size - 1) * 0.5]
    dst[1, :] = np.array([(size - 1) * 0.5, (size - 1) * 0.5]) + dst_dir

    def third(a, b):
        direct = a - b
        return b + np.array([-direct[1], direct[0]], dtype=np.float32)

    src[2, :] = third(src[0, :], src[1, :])
    dst[2, :] = third(dst[0, :], dst[1, :])
    if inv:
        return cv2.getAffineTransform(np.float32(dst), np.float32(src))
    return cv2.getAffineTransform(np.float32(src), np.float32(dst))


def parsing_input(bgr, input_size):
    """Warp (bilinear, black border), then (pixel / 255 - mean) / std per B, G, R channel."""
    h, w = bgr.shape[:2]
    warped = cv2.warpAffine(bgr, schp_affine(w, h, input_size, False), (input_size, input_size),
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    mean = np.array([0.406, 0.456, 0.485])
    std = np.array([0.225, 0.224, 0.229])
    normalized = (warped / 255.0 - mean) / std
    return normalized.transpose(2, 0, 1).astype(np.float32)


def parsing_labels(logits, input_size, width, height):
    """Upsample [C, s, s] logits with align_corners=True (PyTorch), warp every
    channel back (cv2, bilinear, border 0), argmax (first maximum)."""
    import torch  # pylint: disable=import-outside-toplevel

    upsample = torch.nn.Upsample(size=(input_size, input_size), mode="bilinear", align_corners=True)
    up = upsample(torch.from_numpy(logits).unsqueeze(0))[0].permute(1, 2, 0).numpy()
    back = schp_affine(width, height, input_size, True)
    channels = [
        cv2.warpAffine(up[:, :, c], back, (width, height), flags=cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        for c in range(up.shape[2])
    ]
    return np.argmax(np.stack(channels, axis=2), axis=2).astype(np.uint8)


def read_gray(path):
    return cv2.imread(path, cv2.IMREAD_UNCHANGED)


def write_gray(path, image):
    if not cv2.imwrite(path, np.ascontiguousarray(image, dtype=np.uint8)):
        raise OSError("cannot write " + path)


def run_job(job):
    kind = job["kind"]
    if kind == "masks":
        parse = Image.open(job["parse"])
        parse.load()
        with open(job["keypoints"], encoding="utf-8") as f:
            keypoints = json.load(f)["pose_keypoints_2d"]
        for mask_type, mask in masks(parse, keypoints, job["gender"]).items():
            write_gray(f'{job["out"]}/{mask_type}_mask.png', mask)
    elif kind == "resize":
        image = Image.open(job["in"])
        write_gray(job["out"], np.array(image.resize(tuple(job["size"]), Image.NEAREST)))
    elif kind == "line":
        image = Image.new("L", tuple(job["size"]))
        ImageDraw.Draw(image).line(job["points"], "white", job["width"], job.get("joint"))
        write_gray(job["out"], np.array(image))
    elif kind == "arm":
        shoulder, elbow, wrist = (np.array(job[name], dtype=np.float64) for name in ("shoulder", "elbow", "wrist"))
        write_gray(job["out"], np.array(arm_image(shoulder, elbow, wrist, job["left"])))
    elif kind == "clean_up":
        write_gray(job["out"], clean_up(read_gray(job["in"])))
    elif kind == "largest_region":
        write_gray(job["out"], largest_region(read_gray(job["in"])))
    elif kind == "parsing_input":
        parsing_input(cv2.imread(job["in"], cv2.IMREAD_COLOR), job["input_size"]).tofile(job["out"])
    elif kind == "parsing_labels":
        logits = np.fromfile(job["in"], dtype=np.float32).reshape(job["shape"])
        write_gray(job["out"], parsing_labels(logits, job["input_size"], *job["image"]))
    else:
        raise ValueError("unknown job kind " + kind)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        jobs = json.load(f)["jobs"]
    for job in jobs:
        run_job(job)
    print(f"oracle: {len(jobs)} jobs done")


if __name__ == "__main__":
    main()
