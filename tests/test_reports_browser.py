"""End to end: the HTML report renders in a real headless browser and its charts show.

One test, because starting a browser takes seconds. Debian's ``chromium``
package is installed here when it is missing, if we run as root with
apt-get (set ``QMFRAME_INSTALL_BROWSER=0`` to forbid that); otherwise the
test is skipped with the reason. The screenshot is decoded with zlib and
struct (no imaging library) and the chart bars are found by their fill
colours, which the report uses for nothing else of that size.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

import qmframe
from qmframe.default_plugins import html_report

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WIDTH, HEIGHT = 1200, 2000


def _find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _install_browser() -> str:
    """Install Debian's chromium, or say why not (the reason becomes the skip message)."""
    if os.environ.get("QMFRAME_INSTALL_BROWSER") == "0":
        return "QMFRAME_INSTALL_BROWSER=0 forbids installing it"
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return "installing it needs root and apt-get (try: apt-get install chromium)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command, timeout in (
        (["apt-get", "update"], 300),
        (["apt-get", "install", "-y", "--no-install-recommends", "chromium"], 900),
    ):
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, env=env, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"{' '.join(command)} failed: {exc}"
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return f"{' '.join(command)} failed: {' / '.join(tail)}"
    return ""


@pytest.fixture(scope="session")
def browser() -> str:
    """Path of a headless-capable Chromium, installing Debian's package if allowed."""
    found = _find_browser()
    if found is None:
        why = _install_browser()
        found = _find_browser()
        if found is None:
            pytest.skip(f"no chromium browser found; {why or 'installed, but still not found'}")
    return found


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    """(width, height, bytes per pixel, unfiltered pixel rows) of an 8-bit RGB/RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    pos, idat, header = 8, bytearray(), b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0), "unexpected PNG layout"
    assert colour in (2, 6), "unexpected PNG colour type"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(bytes(idat))
    stride = width * bpp
    out = bytearray(height * stride)
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = previous[i]
                c = previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        out[y * stride : (y + 1) * stride] = line
        previous = line
    return width, height, bpp, bytes(out)


def count_colour(pixels: bytes, bpp: int, hex_colour: str) -> int:
    """How many pixels have exactly this #rrggbb colour."""
    rgb = bytes.fromhex(hex_colour.removeprefix("#"))
    return sum(1 for i in range(0, len(pixels), bpp) if pixels[i : i + 3] == rgb)


def test_html_report_renders_in_a_browser_with_visible_charts(browser: str, tmp_path: Path) -> None:
    pytest.importorskip("jinja2", reason="the html format needs Jinja2 (qmframe[html])")
    registry = qmframe.default_registry()
    example = registry.examples["example-riverside"].value
    framework = registry.framework(example.framework)
    submission = qmframe.load_submission(example.submission, framework, registry=registry)
    review = qmframe.load_review(example.review, framework, submission, registry=registry)
    decision = qmframe.assess(
        framework, submission, review, as_of=dt.date.fromisoformat(example.as_of)
    )
    assessment = qmframe.Assessment(
        decision=decision, framework=framework, submission=submission, review=review
    )
    page = tmp_path / "report.html"
    page.write_text(html_report.HtmlReport().render(assessment), encoding="utf-8")
    shot = tmp_path / "shot.png"

    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            f"--window-size={WIDTH},{HEIGHT}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert shot.is_file(), f"no screenshot (exit {done.returncode}): {done.stderr[-2000:]}"

    width, height, bpp, pixels = decode_png(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    # Every bar of every chart is drawn 16 pixels high at its computed width; anti-aliased
    # edges may differ, so ask for most of that area in exactly the bar colour.
    charts = html_report.context(assessment)["charts"]
    assert charts, "the example should have charts"
    for colour, which in (
        (html_report.SELF_COLOUR, "self_bar"),
        (html_report.ASSESSED_COLOUR, "assessed_bar"),
    ):
        bars = [getattr(row, which) for chart in charts for row in chart.rows]
        area = sum(bar.width * html_report._BAR_HEIGHT for bar in bars if bar is not None)
        assert area > 0
        seen = count_colour(pixels, bpp, colour)
        assert seen >= 0.9 * area, f"{which}: {seen} pixels of {colour}, expected about {area}"
