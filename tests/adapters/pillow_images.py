"""Images made and decoded with Pillow (Debian's python3-pil), for
tests/adapters/image_decoding_test.cpp.

  pillow_images.py make DIR     writes the odd images Pillow can write and
                                OpenCV cannot: animated WebP (with and
                                without alpha), an animated PNG, a CMYK JPEG
  pillow_images.py decode IN OUT   IN as Pillow shows it (the first frame,
                                JPEG EXIF orientation applied, alpha
                                composited over white with the formula of
                                docs/algorithm.md) to an 8-bit RGB PNG OUT
"""
import sys

import numpy as np
from PIL import Image, ImageOps


def frames(size, colours, alpha):
    result = []
    for index, colour in enumerate(colours):
        pixels = np.zeros((size[1], size[0], 4), np.uint8)
        pixels[..., :3] = colour
        pixels[..., 3] = 255
        pixels[:, : size[0] // 3, :3] = (index * 60, 250 - index * 60, 90)  # a band that differs per frame
        if alpha:
            pixels[size[1] // 2 :, :, 3] = 100  # half transparent lower half
            pixels[:4, :, 3] = 0
        result.append(Image.fromarray(pixels, "RGBA").convert("RGBA" if alpha else "RGB"))
    return result


def make(folder):
    size = (48, 36)
    colours = [(200, 40, 10), (10, 40, 200), (30, 220, 30)]
    alpha = frames(size, colours, True)
    alpha[0].save(f"{folder}/animated_alpha.webp", save_all=True, append_images=alpha[1:], duration=100, lossless=True)
    opaque = frames(size, colours, False)
    opaque[0].save(f"{folder}/animated.webp", save_all=True, append_images=opaque[1:], duration=100, quality=90)
    alpha[0].save(f"{folder}/animated.png", save_all=True, append_images=alpha[1:], duration=100)
    cmyk = np.zeros((24, 32, 4), np.uint8)
    for y in range(24):
        for x in range(32):
            cmyk[y, x] = (x * 8, y * 10, (x + y) * 4, (x * y) % 200)
    Image.fromarray(cmyk, "CMYK").save(f"{folder}/cmyk.jpg", quality=95)


def decode(source, target):
    image = Image.open(source)
    image.seek(0)
    if image.format == "JPEG":
        image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = np.array(image.convert("RGBA")).astype(np.int64)
        a = rgba[..., 3:4]
        rgb = (rgba[..., :3] * a + 255 * (255 - a) + 127) // 255
    else:
        rgb = np.array(image.convert("RGB"))
    Image.fromarray(rgb.astype(np.uint8), "RGB").save(target)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        decode(sys.argv[2], sys.argv[3])
