"""DWPose's decoding as rtmlib does it, on generated pictures: the reference of dwpose_reference_test.cpp.

Runs with the venv's python that scripts/setup.sh makes (rtmlib pinned by
scripts/rtmlib/requirements.txt). Writes --count PNG pictures into --images and, as
JSON into --json, per picture the person boxes and, per person, the 134 points and scores of rtmlib's
Wholebody pipeline with to_openpose=True (YOLOX, then RTMPose on each box, or on the whole
picture when there is none).

Where rtmlib 0.0.16 departs from DWPose's own code (preprocess/dwpose in FitDiT, the
ControlNet annotator), the DWPose rule is applied here, as the service follows DWPose:
 - SimCC score: DWPose takes the smaller of the x and y maxima; rtmlib their mean.
 - Neck score: DWPose scores it 1 when both shoulders score > 0.3, else 0; rtmlib takes the
   smaller shoulder score.
 - Boxes: DWPose keeps class-0 (person) boxes scoring > 0.3 (NMS per class); rtmlib's
   'human' mode keeps every class above score_thr (0.7 by default). Here: 'multiclass'
   with score_thr 0.3, then class 0 only, which is DWPose's result.
"""
import argparse
import json
import os

# numpy's SIMD float32 exp (AVX2 with FMA3, AVX-512) is up to 1 ulp off the C library's expf,
# which the service's decoder calls; a box 1e-5 px apart can move a pixel of the bilinear crop
# and so an arg-max between two near-equal SimCC bins. Both sides use expf: numpy's portable
# loops (the same IEEE results for +, -, *, /, comparisons; only exp and log differ).
os.environ["NPY_DISABLE_CPU_FEATURES"] = "AVX512F AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX2 FMA3"

import cv2  # noqa: E402 (numpy reads the variable when imported)
import numpy as np  # noqa: E402
from rtmlib import RTMPose, YOLOX  # noqa: E402
from rtmlib.tools.pose_estimation import post_processings  # noqa: E402

# DWPose's SimCC score: the smaller maximum (onnxpose.py get_simcc_maximum).
post_processings._combine_axis_scores = lambda x, y, method: np.minimum(x, y)

SIZES = [(1024, 768), (480, 640), (800, 500), (600, 1024), (720, 720), (640, 640)]


def picture(index, rng):
    """Noise, with 0..4 blobs that the fixture detector reads as people (or, 1 in 3, another class)."""
    h, w = SIZES[index % len(SIZES)]
    img = rng.integers(20, 110, (h, w, 3)).astype(np.uint8)
    for blob in range(index % 5):
        bw, bh = int(rng.integers(w // 12, w // 6)), int(rng.integers(h // 8, h // 4))
        # Up to a third outside the picture: boxes partly out of frame.
        x0, y0 = int(rng.integers(-bw // 3, w - bw * 2 // 3)), int(rng.integers(-bh // 3, h - bh * 2 // 3))
        patch = img[max(0, y0):y0 + bh, max(0, x0):x0 + bw]
        person = blob % 3 != 2
        patch[..., 0] = rng.integers(200, 256, patch.shape[:2])
        patch[..., 1] = rng.integers(0, 120, patch.shape[:2]) if person else rng.integers(180, 256, patch.shape[:2])
        patch[..., 2] = rng.integers(150, 256, patch.shape[:2]) if person else rng.integers(0, 60, patch.shape[:2])
    return img


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", required=True, help="the folder with yolox_l.onnx and dw-ll_ucoco_384.onnx")
    parser.add_argument("--images", required=True)
    parser.add_argument("--json", required=True, help="where the results go (rtmlib prints to stdout)")
    parser.add_argument("--count", type=int, default=24)
    args = parser.parse_args()
    det = YOLOX(os.path.join(args.models, "yolox_l.onnx"), det_mode="multiclass", nms_thr=0.45, score_thr=0.3)
    pose = RTMPose(os.path.join(args.models, "dw-ll_ucoco_384.onnx"), model_input_size=(288, 384), to_openpose=True)
    rng = np.random.default_rng(30)
    results = []
    for index in range(args.count):
        img = picture(index, rng)
        path = os.path.join(args.images, f"{index:02d}.png")
        cv2.imwrite(path, img)
        boxes, classes = det(img)
        boxes = boxes[classes == 0] if len(boxes) else np.zeros((0, 4))
        points, scores = pose(img, list(boxes))
        # DWPose's neck score (wholebody.py); the OpenPose shoulders are 2 (right) and 5 (left).
        scores[:, 1] = np.logical_and(scores[:, 2] > 0.3, scores[:, 5] > 0.3).astype(float)
        results.append({
            "image": path,
            "boxes": boxes.tolist(),
            "people": [{"points": p.tolist(), "scores": s.tolist()} for p, s in zip(points, scores)],
        })
    with open(args.json, "w") as out:
        json.dump(results, out)


if __name__ == "__main__":
    main()
