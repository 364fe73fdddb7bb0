"""Reading QR codes back in tests: segno's SVG path drawn onto a pixel grid, and PNG files decoded with
zlib (no image library is installed), then handed to zxing-cpp's decoder."""

from __future__ import annotations

import re
import struct
import zlib
from xml.etree import ElementTree

import numpy as np
import zxingcpp

SVG_NS = "{http://www.w3.org/2000/svg}"
_PATH_TOKENS = re.compile(r"([MmHhVv])|(-?\d+(?:\.\d+)?)")


def svg_pixels(svg: bytes, pixels_per_module: int = 8) -> np.ndarray:
    """A grayscale image (0 dark, 255 light) of a segno SVG: its one path of horizontal strokes, drawn."""
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    _x, _y, width, height = (int(float(v)) for v in root.get("viewBox").split())
    grid = np.full((height, width), 255, dtype=np.uint8)
    path = next(p for p in root.iter(f"{SVG_NS}path") if p.get("stroke"))  # the dark modules' strokes
    tokens = [(c, n) for c, n in _PATH_TOKENS.findall(path.get("d"))]
    x = y = 0.0
    i = 0
    while i < len(tokens):
        command = tokens[i][0]
        if command in "Mm":
            dx, dy = float(tokens[i + 1][1]), float(tokens[i + 2][1])
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
            i += 3
        elif command in "Hh":
            dx = float(tokens[i + 1][1])
            end = dx if command == "H" else x + dx
            grid[int(y), int(min(x, end)) : int(max(x, end))] = 0
            x = end
            i += 2
        else:
            raise AssertionError(f"unexpected path command {command!r} in the QR code's SVG")
    return np.kron(grid, np.ones((pixels_per_module, pixels_per_module), dtype=np.uint8))


def png_pixels(png: bytes) -> np.ndarray:
    """A grayscale image of a PNG (8-bit gray, RGB or RGBA, or 1-bit gray; not interlaced)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", data)
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    width, height, depth, colour, _c, _f, interlace = header
    assert interlace == 0 and (depth, colour) in ((8, 0), (8, 2), (8, 6), (1, 0)), header
    channels = {0: 1, 2: 3, 6: 4}[colour]
    stride = (width * channels * depth + 7) // 8
    bpp = max(1, channels * depth // 8)
    raw = zlib.decompress(idat)
    rows = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.int32)
    for r in range(height):
        kind = raw[r * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=r * (stride + 1) + 1).astype(np.int32)
        out = np.zeros(stride, dtype=np.int32)
        if kind in (0, 2):
            out = (line + (previous if kind == 2 else 0)) & 0xFF
        else:  # Sub, Average, Paeth depend on the bytes just decoded: byte by byte
            for i in range(stride):
                left = out[i - bpp] if i >= bpp else 0
                up = previous[i]
                if kind == 1:
                    predictor = left
                elif kind == 3:
                    predictor = (left + up) // 2
                else:
                    corner = previous[i - bpp] if i >= bpp else 0
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                out[i] = (line[i] + predictor) & 0xFF
        rows[r] = out
        previous = out
    if depth == 1:
        return (np.unpackbits(rows, axis=1)[:, :width] * 255).astype(np.uint8)
    pixels = rows.reshape(height, width, channels)
    return pixels[..., :3].mean(axis=2).astype(np.uint8) if channels >= 3 else pixels[..., 0]


def decode(image: np.ndarray) -> list[str]:
    """The texts of the QR codes zxing-cpp finds in a grayscale image."""
    return [b.text for b in zxingcpp.read_barcodes(np.ascontiguousarray(image), formats=zxingcpp.QRCode)]
