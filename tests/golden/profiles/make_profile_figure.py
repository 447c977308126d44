#!/usr/bin/python3
"""Draws docs/images/profiles.png from the goldens: the mannequin male_pants
with each profile's mask (and seed's) in red over its colour-coded parse map.
Row 1: upper_body (seed: upper_body); row 2: dresses (seed: dress). Run from
the repository root with Debian's python3 (python3-pil, python3-numpy)."""

import os

import numpy as np
from PIL import Image, ImageDraw

GOLDEN = "tests/golden"
CASE = "male_pants"
PANEL = (192, 256)


def panel(parse, mask_path, title):
    # Muted label colours (ATR ids 0..18) so that the red mask stands out.
    palette = np.zeros((256, 3), np.uint8)
    palette[:19] = [(0, 0, 0), (90, 90, 140), (80, 60, 40), (60, 60, 120), (70, 110, 150), (110, 90, 150),
                    (60, 90, 120), (120, 100, 160), (110, 110, 60), (100, 100, 100), (120, 120, 120),
                    (200, 170, 140), (170, 140, 110), (150, 125, 100), (190, 160, 130), (180, 150, 120),
                    (90, 130, 90), (130, 90, 130), (210, 190, 160)]
    base = palette[parse].astype(np.float32)
    if mask_path is not None:
        mask = np.asarray(Image.open(mask_path), dtype=np.float32)[..., None] / 255.0
        base = base * (1 - 0.6 * mask) + np.array([255, 0, 0], np.float32) * 0.6 * mask
    image = Image.fromarray(base.astype(np.uint8)).resize(PANEL, Image.BILINEAR)
    ImageDraw.Draw(image).text((6, 6), title, fill=(255, 255, 255))
    return image


def main():
    parse = np.asarray(Image.open(os.path.join(GOLDEN, CASE, "parse.png")))
    rows = [
        [("seed upper_body", os.path.join(GOLDEN, CASE, "upper_body_mask.png"))]
        + [(f"{p} upper_body", os.path.join(GOLDEN, "profiles", CASE, f"{p}_upper_body.png"))
           for p in ("ootd_hd", "ootd_dc", "idm_hd", "idm_dc", "fitdit")],
        [("seed dress", os.path.join(GOLDEN, CASE, "dress_mask.png")), ("ootd_hd: no dresses", None)]
        + [(f"{p} dresses", os.path.join(GOLDEN, "profiles", CASE, f"{p}_dresses.png"))
           for p in ("ootd_dc", "idm_hd", "idm_dc", "fitdit")],
    ]
    sheet = Image.new("RGB", (PANEL[0] * 6, PANEL[1] * 2))
    for r, row in enumerate(rows):
        for c, (title, path) in enumerate(row):
            sheet.paste(panel(parse, path, title), (c * PANEL[0], r * PANEL[1]))
    sheet.save("docs/images/profiles.png", optimize=True)


if __name__ == "__main__":
    main()
