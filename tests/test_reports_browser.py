"""End to end: the HTML report's one chart, laid out by a real headless browser.

Each report is opened at a desktop width (1280 px) and a phone width (375 px).
A copy of the page gets a small test-only script (never shipped: the report
itself has no scripts and a policy that forbids them) that writes layout
measurements into the page; Chromium's ``--dump-dom`` hands them back. The
tests then hold the chart to what it promises: no horizontal overflow, long
labels wrapped rather than running into the bars, each bar as long as its
level's place on the scale, and, from a screenshot decoded with zlib and
struct (no imaging library), the bars really drawn in their colours.

Starting a browser takes a second or two, so each page and width is opened
once (a module fixture). Without Chromium the tests are skipped with the
reason; ``.ci/run`` installs Debian's ``chromium`` where it can.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import core_fixtures
import pytest

import qmframe
from qmframe.default_plugins import html_report
from qmframe.index import FrameworkIndex

pytest.importorskip("jinja2", reason="the html format needs Jinja2 (qmframe[html])")

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: "print" is the page with its print styles applied on screen, at the width of an A4
#: page's printed area (210 mm less Chromium's default margins, at 96 pixels an inch).
WIDTHS = {"desktop": 1280, "phone": 375, "print": 718}
HEIGHT = 1400

#: Test-only: measures the chart's boxes and the page's width, and writes them as JSON.
MEASURE = """
<script>
(() => {
  const box = (e) => { const r = e.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  const viewport = document.documentElement.clientWidth;
  const rows = [...document.querySelectorAll(".chart-row")].map((row) => ({
    target: row.dataset.target,
    label: box(row.querySelector(".chart-label")),
    lines: [...row.querySelectorAll(".bar-line")].map((line) => ({
      who: box(line.querySelector(".who")),
      track: box(line.querySelector(".track")),
      level: box(line.querySelector(".level")),
      bar: line.querySelector(".bar") && {
        box: box(line.querySelector(".bar")),
        kind: line.querySelector(".bar").classList.contains("self") ? "self" : "judged",
      },
    })),
  }));
  const beyond = [...document.body.querySelectorAll("*")]
    .filter((e) => !e.closest(".scroll") && e.getClientRects().length)
    .filter((e) => { const r = e.getBoundingClientRect();
      return r.right > viewport + 0.5 || r.left < -0.5; })
    .map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
  const bar = document.querySelector(".bar");
  const out = document.createElement("pre");
  out.id = "qmframe-layout";
  out.textContent = JSON.stringify({
    viewport, scrollWidth: document.documentElement.scrollWidth, rows, beyond,
    barColours: bar ? getComputedStyle(bar).printColorAdjust : "" });
  document.body.appendChild(out);
})();
</script>
"""

#: Test-only: the measured page in a frame of the width asked for; its measurements are
#: copied out of the frame (a srcdoc frame is the page's own origin) for --dump-dom.
FRAME = """<!DOCTYPE html>
<html><body style="margin:0">
<iframe id="page" style="border:0;width:{width}px;height:{height}px" srcdoc="{page}"></iframe>
<script>
document.getElementById("page").addEventListener("load", (event) => {{
  const found = event.target.contentDocument.getElementById("qmframe-layout");
  const out = document.createElement("pre");
  out.id = "qmframe-layout";
  out.textContent = found ? found.textContent : "";
  document.body.appendChild(out);
}});
</script>
</body></html>
"""

LONG_TITLE = (
    "Volunteers from every part of the community are recruited, inducted and supported "
    "through a written, regularly reviewed procedure"
)
LONG_WORD = "Supercalifragilisticexpialidocious-and-then-some-more-without-spaces-anywhere"


def _find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def browser() -> str:
    found = _find_browser()
    if found is None:
        pytest.skip(
            f"no Chromium found (looked for {', '.join(BROWSERS)} on PATH); .ci/run installs "
            "Debian's chromium when it runs as root with apt-get, or: apt-get install chromium"
        )
    return found


def _run(browser: str, profile: Path, width: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            f"--user-data-dir={profile}",
            f"--window-size={width},{HEIGHT}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _example(name: str) -> qmframe.Assessment:
    registry = qmframe.default_registry()
    example = registry.examples[name].value
    framework = registry.framework(example.framework)
    submission = qmframe.load_submission(example.submission, framework, registry=registry)
    review = (
        qmframe.load_review(example.review, framework, submission, registry=registry)
        if example.review is not None
        else None
    )
    as_of = dt.date.fromisoformat(example.as_of) if example.as_of else None
    decision = qmframe.assess(framework, submission, review, as_of=as_of, registry=registry)
    return qmframe.Assessment(
        decision=decision, framework=framework, submission=submission, review=review
    )


def _long_labels(write: Callable[[str, str], Path]) -> qmframe.Assessment:
    """The core's mini framework with a long title and a long unbroken word, and a panel."""
    framework = qmframe.load_framework(
        write(
            "mini.toml",
            core_fixtures.FRAMEWORK.replace('title = "A one"', f'title = "{LONG_TITLE}"')
            .replace('title = "B two"', f'title = "{LONG_WORD}"')
            .replace('label = "Exceptional"', 'label = "Exceptional, and worth sharing widely"'),
        )
    )
    submission = qmframe.load_submission(
        write("s/submission.toml", core_fixtures.SUBMISSION), framework
    )
    review = qmframe.load_review(
        write("s/review.toml", core_fixtures.REVIEW), framework, submission
    )
    decision = qmframe.assess(framework, submission, review)
    return qmframe.Assessment(
        decision=decision, framework=framework, submission=submission, review=review
    )


CASES = ("example-riverside", "nasenco-eastgate-first", "long-labels")


@pytest.fixture(scope="module")
def laid_out(
    browser: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[tuple[str, str], tuple[dict[str, Any], Path]]:
    """Each case at each width: the measurements and the screenshot's path."""
    folder = tmp_path_factory.mktemp("browser")
    installed = qmframe.default_registry().examples
    out = {}
    expected: dict[str, dict[tuple[str, str], float]] = {}
    for case in CASES:
        if case == "long-labels":
            sub = folder / "long"

            def write(name: str, text: str, sub: Path = sub) -> Path:
                path = sub / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                return path

            assessment = _long_labels(write)
        elif case in installed:
            assessment = _example(case)
        else:
            continue  # that plugin is not installed here
        expected[case] = _expected_percents(assessment)
        page = html_report.HtmlReport().render(assessment)
        (folder / f"{case}.html").write_text(page, encoding="utf-8")
        # The copy that measures: the page's policy forbids scripts, so let this one in.
        measured = re.sub(r"<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "", page)
        assert measured != page, "the report should carry its Content-Security-Policy"
        measured = measured.replace("</body>", MEASURE + "</body>")
        copy = folder / f"{case}-measured.html"
        copy.write_text(measured, encoding="utf-8")
        printed = folder / f"{case}-print.html"
        printed.write_text(measured.replace("@media print {", "@media all {"), encoding="utf-8")
        assert printed.read_text(encoding="utf-8") != measured, "the report has print styles"
        for name, width in WIDTHS.items():
            page_now = printed.read_text(encoding="utf-8") if name == "print" else measured
            # A headless window is at least 500 pixels wide when it dumps the DOM, so the
            # page is measured in a frame of the width asked for (a screenshot needs none).
            frame = folder / f"{case}-{name}-frame.html"
            frame.write_text(FRAME.format(width=width, height=HEIGHT, page=html.escape(page_now)))
            done = _run(browser, folder / "profile", width, "--dump-dom", frame.as_uri())
            found = re.search(r'<pre id="qmframe-layout">(.*?)</pre>', done.stdout, re.S)
            assert found, f"no measurements (exit {done.returncode}): {done.stderr[-2000:]}"
            shot = folder / f"{case}-{name}.png"
            shown = printed if name == "print" else copy
            _run(browser, folder / "profile", width, f"--screenshot={shot}", shown.as_uri())
            layout = json.loads(html.unescape(found.group(1)))
            layout["expected"] = expected[case]
            out[case, name] = (layout, shot)
    return out


def _expected_percents(assessment: qmframe.Assessment) -> dict[tuple[str, str], float]:
    """How long each bar should be, worked out here from the scales: (target, kind) to %."""
    index = FrameworkIndex.build(assessment.framework)
    out = {}
    for target_id, target in index.targets.items():
        if target.scale is None:
            continue
        order = [level.id for level in target.scale.levels]
        rating = assessment.submission.rating(target_id)
        decided = assessment.decision.level_of(target_id)
        for kind, level in (
            ("self", rating.level if rating is not None else None),
            ("judged", decided.level if decided is not None else None),
        ):
            if level in order:
                out[target_id, kind] = 100 * (order.index(level) + 1) / len(order)
    return out


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    """True when two boxes share more than a pixel of area."""
    return (
        min(a["right"], b["right"]) - max(a["left"], b["left"]) > 1
        and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 1
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_page_never_scrolls_sideways(
    laid_out: dict[tuple[str, str], tuple[dict[str, Any], Path]], width: str
) -> None:
    for (case, name), (layout, _) in laid_out.items():
        if name != width:
            continue
        assert layout["viewport"] == WIDTHS[width], case
        assert layout["scrollWidth"] <= layout["viewport"], (case, layout["beyond"])
        assert layout["beyond"] == [], case


@pytest.mark.parametrize("width", WIDTHS)
def test_labels_wrap_and_never_run_into_the_bars(
    laid_out: dict[tuple[str, str], tuple[dict[str, Any], Path]], width: str
) -> None:
    for (case, name), (layout, _) in laid_out.items():
        if name != width:
            continue
        assert layout["rows"], f"{case}: the chart has no rows"
        for row in layout["rows"]:
            label = row["label"]
            assert label["right"] <= layout["viewport"] + 0.5, (case, row["target"])
            for line in row["lines"]:
                for part in ("who", "track", "level"):
                    assert not _overlap(label, line[part]), (case, row["target"], part)
                assert not _overlap(line["track"], line["level"]), (case, row["target"])
                assert line["track"]["right"] - line["track"]["left"] >= 30, (case, row)
                if WIDTHS[width] < 640:  # a phone: the title above its bars
                    assert label["bottom"] <= line["track"]["top"] + 0.5, (case, row["target"])
                else:  # the title beside them
                    assert label["right"] <= line["who"]["left"] + 0.5, (case, row["target"])
    if ("long-labels", width) in laid_out:
        rows = {r["target"]: r for r in laid_out["long-labels", width][0]["rows"]}
        # The long title wraps onto more than one line rather than running on.
        label = rows["a1"]["label"]
        assert label["bottom"] - label["top"] > 30


@pytest.mark.parametrize("width", WIDTHS)
def test_each_bar_is_as_long_as_its_level(
    laid_out: dict[tuple[str, str], tuple[dict[str, Any], Path]], width: str
) -> None:
    seen = 0
    for (case, name), (layout, _) in laid_out.items():
        if name != width:
            continue
        for row in layout["rows"]:
            for line in row["lines"]:
                if line["bar"] is None:
                    continue
                seen += 1
                track, bar = line["track"], line["bar"]["box"]
                percent = layout["expected"][row["target"], line["bar"]["kind"]]
                expected = (track["right"] - track["left"]) * percent / 100
                assert abs((bar["right"] - bar["left"]) - expected) <= 1.5, (case, row["target"])
                assert abs(bar["left"] - track["left"]) <= 0.5
    assert seen


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


@pytest.mark.parametrize("width", WIDTHS)
def test_the_bars_are_drawn_in_their_colours(
    laid_out: dict[tuple[str, str], tuple[dict[str, Any], Path]], width: str
) -> None:
    layout, shot = laid_out["example-riverside", width]
    got_width, got_height, bpp, pixels = decode_png(shot.read_bytes())
    assert (got_width, got_height) == (WIDTHS[width], HEIGHT)
    for kind, colour in (
        ("self", html_report.SELF_COLOUR),
        ("judged", html_report.ASSESSED_COLOUR),
    ):
        # Inside each bar's one-pixel border, the part of it the screenshot holds.
        area = 0.0
        for row in layout["rows"]:
            for line in row["lines"]:
                bar = line["bar"]
                if bar is None or bar["kind"] != kind:
                    continue
                b = bar["box"]
                height = max(0.0, min(b["bottom"] - 1, HEIGHT) - (b["top"] + 1))
                area += max(0.0, b["right"] - b["left"] - 2) * height
        assert area > 0, f"no {kind} bar within the first {HEIGHT} pixels"
        seen = count_colour(pixels, bpp, colour)
        assert seen >= 0.9 * area, f"{kind}: {seen} pixels of {colour}, expected about {area}"


def test_print_keeps_the_bars_colours(
    laid_out: dict[tuple[str, str], tuple[dict[str, Any], Path]],
) -> None:
    """Browsers leave backgrounds out of print unless a page asks: the bars ask."""
    for (case, name), (layout, _) in laid_out.items():
        expected = "exact" if name == "print" else "economy"
        assert layout["barColours"] == expected, (case, name)
