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
parsing_labels, pose_input, pose_upsample, pose_detect (see run_job).
"""

import json
import math
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
    negative and too large values instead of wrapping them (docs/algorithm.md section 4, a reference quirk not kept)."""
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


# --- Body pose (OpenPose body, 18 keypoints), for the pose tests ---
#
# The reference runs OpenPose's body.py in the controlnet_aux form (per-channel
# smart_resize, scipy-style reflect blur), on the 384 x 512 image its caller
# makes with resize_image(image, 384). Written here line by line with the same
# numpy types: the maps are float64 (body.py's heatmap_avg and paf_avg start as
# np.zeros), peak ids and parts are floats in the subset rows.

POSE_WORK = (384, 512)  # (width, height)
POSE_STRIDE = 8
POSE_PAD_VALUE = 128
POSE_THRE1 = 0.1
POSE_THRE2 = 0.05
LIMB_SEQ = [[2, 3], [2, 6], [3, 4], [4, 5], [6, 7], [7, 8], [2, 9], [9, 10], [10, 11], [2, 12], [12, 13],
            [13, 14], [2, 1], [1, 15], [15, 17], [1, 16], [16, 18], [3, 17], [6, 18]]
MAP_IDX = [[31, 32], [39, 40], [33, 34], [35, 36], [41, 42], [43, 44], [19, 20], [21, 22], [23, 24], [25, 26],
           [27, 28], [29, 30], [47, 48], [49, 50], [53, 54], [51, 52], [55, 56], [37, 38], [45, 46]]


def smart_resize(x, s):
    ht, wt = s
    if x.ndim == 2:
        ho, wo = x.shape
        co = 1
    else:
        ho, wo, co = x.shape
    if co in (3, 1):
        k = float(ht + wt) / float(ho + wo)
        return cv2.resize(x, (int(wt), int(ht)), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LANCZOS4)
    return np.stack([smart_resize(x[:, :, i], s) for i in range(co)], axis=2)


def smart_resize_k(x, fx, fy):
    if x.ndim == 2:
        ho, wo = x.shape
        co = 1
    else:
        ho, wo, co = x.shape
    ht, wt = ho * fy, wo * fx
    if co in (3, 1):
        k = float(ht + wt) / float(ho + wo)
        return cv2.resize(x, (int(wt), int(ht)), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LANCZOS4)
    return np.stack([smart_resize_k(x[:, :, i], fx, fy) for i in range(co)], axis=2)


def pad_right_down_corner(img, stride, pad_value):
    h = img.shape[0]
    w = img.shape[1]
    pad = 4 * [None]
    pad[0] = 0
    pad[1] = 0
    pad[2] = 0 if (h % stride == 0) else stride - (h % stride)
    pad[3] = 0 if (w % stride == 0) else stride - (w % stride)
    img_padded = img
    pad_up = np.tile(img_padded[0:1, :, :] * 0 + pad_value, (pad[0], 1, 1))
    img_padded = np.concatenate((pad_up, img_padded), axis=0)
    pad_left = np.tile(img_padded[:, 0:1, :] * 0 + pad_value, (1, pad[1], 1))
    img_padded = np.concatenate((pad_left, img_padded), axis=1)
    pad_down = np.tile(img_padded[-2:-1, :, :] * 0 + pad_value, (pad[2], 1, 1))
    img_padded = np.concatenate((img_padded, pad_down), axis=0)
    pad_right = np.tile(img_padded[:, -2:-1, :] * 0 + pad_value, (1, pad[3], 1))
    img_padded = np.concatenate((img_padded, pad_right), axis=1)
    return img_padded, pad


def pose_scale():
    return 0.5 * 368 / POSE_WORK[1]


def pose_input(bgr):
    """docs/algorithm.md section 3 steps 1-2: the image to 384 x 512 (area), body.py's scaling,
    padding and normalisation. Returns the [1, 3, H, W] float32 blob."""
    ori = cv2.resize(bgr, POSE_WORK, interpolation=cv2.INTER_AREA)
    scale = pose_scale()
    image = smart_resize_k(ori, fx=scale, fy=scale)
    padded, _ = pad_right_down_corner(image, POSE_STRIDE, POSE_PAD_VALUE)
    return np.transpose(np.float32(padded[:, :, :, np.newaxis]), (3, 2, 0, 1)) / 256 - 0.5


def pose_upsample(output, unpadded):
    """docs/algorithm.md section 3 step 3 as body.py does it for one output [1, C, h, w]: x8, crop
    the padding, to 384 x 512. `unpadded` is (width, height) of the scaled image."""
    _, pad = pad_right_down_corner(np.zeros((unpadded[1], unpadded[0], 1), np.uint8), POSE_STRIDE, POSE_PAD_VALUE)
    padded_shape = (unpadded[1] + pad[2], unpadded[0] + pad[3])
    m = np.transpose(np.squeeze(output, axis=0), (1, 2, 0))
    m = smart_resize_k(m, fx=POSE_STRIDE, fy=POSE_STRIDE)
    m = m[:padded_shape[0] - pad[2], :padded_shape[1] - pad[3], :]
    return smart_resize(m, (POSE_WORK[1], POSE_WORK[0]))


def body_people(heatmap_avg, paf_avg, ori_height):
    """docs/algorithm.md section 3 steps 4-6, body.py's code from the peaks to the filtered subset.
    Deviation kept from our code (docs/inference.md): a connection that
    touches a third person would make body.py index past its two-slot list
    and crash; we stop looking after two, and count it."""
    all_peaks = []
    peak_counter = 0
    for part in range(18):
        map_ori = np.ascontiguousarray(heatmap_avg[:, :, part])
        one_heatmap = cv2.GaussianBlur(map_ori, (25, 25), 3, borderType=cv2.BORDER_REFLECT)

        map_left = np.zeros(one_heatmap.shape)
        map_left[1:, :] = one_heatmap[:-1, :]
        map_right = np.zeros(one_heatmap.shape)
        map_right[:-1, :] = one_heatmap[1:, :]
        map_up = np.zeros(one_heatmap.shape)
        map_up[:, 1:] = one_heatmap[:, :-1]
        map_down = np.zeros(one_heatmap.shape)
        map_down[:, :-1] = one_heatmap[:, 1:]

        peaks_binary = np.logical_and.reduce((one_heatmap >= map_left, one_heatmap >= map_right,
                                              one_heatmap >= map_up, one_heatmap >= map_down,
                                              one_heatmap > POSE_THRE1))
        peaks = list(zip(np.nonzero(peaks_binary)[1], np.nonzero(peaks_binary)[0]))  # note reverse
        peaks_with_score = [x + (map_ori[x[1], x[0]],) for x in peaks]
        peak_id = range(peak_counter, peak_counter + len(peaks))
        peaks_with_score_and_id = [peaks_with_score[i] + (peak_id[i],) for i in range(len(peak_id))]
        all_peaks.append(peaks_with_score_and_id)
        peak_counter += len(peaks)

    connection_all = []
    special_k = []
    mid_num = 10
    for k in range(len(MAP_IDX)):
        score_mid = paf_avg[:, :, [x - 19 for x in MAP_IDX[k]]]
        cand_a = all_peaks[LIMB_SEQ[k][0] - 1]
        cand_b = all_peaks[LIMB_SEQ[k][1] - 1]
        n_a = len(cand_a)
        n_b = len(cand_b)
        if n_a != 0 and n_b != 0:
            connection_candidate = []
            for i in range(n_a):
                for j in range(n_b):
                    vec = np.subtract(cand_b[j][:2], cand_a[i][:2])
                    norm = math.sqrt(vec[0] * vec[0] + vec[1] * vec[1])
                    norm = max(0.001, norm)
                    vec = np.divide(vec, norm)
                    startend = list(zip(np.linspace(cand_a[i][0], cand_b[j][0], num=mid_num),
                                        np.linspace(cand_a[i][1], cand_b[j][1], num=mid_num)))
                    vec_x = np.array([score_mid[int(round(startend[n][1])), int(round(startend[n][0])), 0]
                                      for n in range(len(startend))])
                    vec_y = np.array([score_mid[int(round(startend[n][1])), int(round(startend[n][0])), 1]
                                      for n in range(len(startend))])
                    score_midpts = np.multiply(vec_x, vec[0]) + np.multiply(vec_y, vec[1])
                    score_with_dist_prior = sum(score_midpts) / len(score_midpts) + min(
                        0.5 * ori_height / norm - 1, 0)
                    criterion1 = len(np.nonzero(score_midpts > POSE_THRE2)[0]) > 0.8 * len(score_midpts)
                    criterion2 = score_with_dist_prior > 0
                    if criterion1 and criterion2:
                        connection_candidate.append(
                            [i, j, score_with_dist_prior, score_with_dist_prior + cand_a[i][2] + cand_b[j][2]])
            connection_candidate = sorted(connection_candidate, key=lambda x: x[2], reverse=True)
            connection = np.zeros((0, 5))
            for c in range(len(connection_candidate)):
                i, j, s = connection_candidate[c][0:3]
                if i not in connection[:, 3] and j not in connection[:, 4]:
                    connection = np.vstack([connection, [cand_a[i][3], cand_b[j][3], s, i, j]])
                    if len(connection) >= min(n_a, n_b):
                        break
            connection_all.append(connection)
        else:
            special_k.append(k)
            connection_all.append([])

    third_matches = 0
    subset = -1 * np.ones((0, 20))
    candidate = np.array([item for sublist in all_peaks for item in sublist])
    for k in range(len(MAP_IDX)):
        if k not in special_k:
            part_as = connection_all[k][:, 0]
            part_bs = connection_all[k][:, 1]
            index_a, index_b = np.array(LIMB_SEQ[k]) - 1
            for i in range(len(connection_all[k])):
                found = 0
                subset_idx = [-1, -1]
                for j in range(len(subset)):
                    if subset[j][index_a] == part_as[i] or subset[j][index_b] == part_bs[i]:
                        if found == 2:  # body.py: IndexError
                            third_matches += 1
                            break
                        subset_idx[found] = j
                        found += 1
                if found == 1:
                    j = subset_idx[0]
                    if subset[j][index_b] != part_bs[i]:
                        subset[j][index_b] = part_bs[i]
                        subset[j][-1] += 1
                        subset[j][-2] += candidate[part_bs[i].astype(int), 2] + connection_all[k][i][2]
                elif found == 2:
                    j1, j2 = subset_idx
                    membership = ((subset[j1] >= 0).astype(int) + (subset[j2] >= 0).astype(int))[:-2]
                    if len(np.nonzero(membership == 2)[0]) == 0:  # merge
                        subset[j1][:-2] += (subset[j2][:-2] + 1)
                        subset[j1][-2:] += subset[j2][-2:]
                        subset[j1][-2] += connection_all[k][i][2]
                        subset = np.delete(subset, j2, 0)
                    else:
                        subset[j1][index_b] = part_bs[i]
                        subset[j1][-1] += 1
                        subset[j1][-2] += candidate[part_bs[i].astype(int), 2] + connection_all[k][i][2]
                elif not found and k < 17:
                    row = -1 * np.ones(20)
                    row[index_a] = part_as[i]
                    row[index_b] = part_bs[i]
                    row[-1] = 2
                    row[-2] = sum(candidate[connection_all[k][i, :2].astype(int), 2]) + connection_all[k][i][2]
                    subset = np.vstack([subset, row])
    delete_idx = []
    for i in range(len(subset)):
        if subset[i][-1] < 4 or subset[i][-2] / subset[i][-1] < 0.4:
            delete_idx.append(i)
    subset = np.delete(subset, delete_idx, axis=0)
    return all_peaks, connection_all, candidate, subset, third_matches


def pose_keypoints(candidate, subset):
    """docs/algorithm.md section 3 steps 7-8: the person with the most parts, ties by the larger
    score (the first such row); the caller's x / W * 384, y / H * 512."""
    if len(subset) == 0:
        return None
    counts = [int(np.count_nonzero(row[:18] >= 0)) for row in subset]
    best = max(range(len(subset)), key=lambda r: (counts[r], subset[r][-2]))
    points = []
    for part in range(18):
        index = int(subset[best][part])
        if index < 0:
            points.append([0.0, 0.0])
        else:
            x = candidate[index][0] / float(POSE_WORK[0]) * POSE_WORK[0]
            y = candidate[index][1] / float(POSE_WORK[1]) * POSE_WORK[1]
            points.append([float(x), float(y)])
    return {"index": best, "points": points}


def pose_detect(heatmap_avg, paf_avg):
    all_peaks, connection_all, candidate, subset, third = body_people(heatmap_avg, paf_avg, heatmap_avg.shape[0])
    return {
        "peaks": [[[int(p[0]), int(p[1]), float(p[2]), int(p[3])] for p in part] for part in all_peaks],
        "connections": [[[int(c[0]), int(c[1]), float(c[2])] for c in conn] for conn in connection_all],
        "people": [{"parts": [int(v) for v in row[:18]], "score": float(row[18]), "count": float(row[19])}
                   for row in subset],
        "keypoints": pose_keypoints(candidate, subset),
        "third_matches": third,
    }


def read_f32(path, shape):
    return np.fromfile(path, dtype=np.float32).reshape(shape)


def sparse_maps(path):
    """Full-resolution maps stored sparsely: int32 plane, int32 pixel index,
    float32 value triples; planes 0..37 PAF, 38..56 heatmaps. Returns
    (heatmap, paf) as H x W x C float32, the layout body.py works in."""
    raw = np.fromfile(path, dtype=np.int32).reshape(-1, 3)
    maps = np.zeros(POSE_WORK[1] * POSE_WORK[0] * 57, np.float32)
    maps[raw[:, 1] * 57 + raw[:, 0]] = raw[:, 2].view(np.float32)
    maps = maps.reshape(POSE_WORK[1], POSE_WORK[0], 57)
    return maps[:, :, 38:], maps[:, :, :38]


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
    elif kind == "pose_input":
        pose_input(cv2.imread(job["in"], cv2.IMREAD_COLOR)).tofile(job["out"])
    elif kind == "pose_upsample":
        for name in ("paf", "heatmap"):
            output = read_f32(job[name], job[name + "_shape"])
            np.ascontiguousarray(pose_upsample(output, job["unpadded"]).transpose(2, 0, 1)).tofile(job[name + "_out"])
    elif kind == "pose_detect":
        if "sparse" in job:
            heatmap, paf = sparse_maps(job["sparse"])
        else:
            heatmap = pose_upsample(read_f32(job["heatmap"], job["heatmap_shape"]), job["unpadded"])
            paf = pose_upsample(read_f32(job["paf"], job["paf_shape"]), job["unpadded"])
        # body.py accumulates the one scale into float64 zeros
        # (heatmap_avg += heatmap_avg + heatmap / 1): the float32 values widened.
        heatmap_avg = heatmap.astype(np.float64)
        paf_avg = paf.astype(np.float64)
        with open(job["out"], "w", encoding="utf-8") as f:
            json.dump(pose_detect(heatmap_avg, paf_avg), f)
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
