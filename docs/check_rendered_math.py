"""Check that the derivations page shows rendered formulas, not raw TeX.

Builds the HTML docs with Debian's local MathJax 2 (package libjs-mathjax)
in place of the CDN copy and opens the derivations page in headless Chromium
(package chromium). After MathJax ran, the DOM must contain MathJax output
elements, and no TeX such as ``\\frac`` may remain in the visible text.
Exits 1 with a message if a tool is missing or the check fails. Run from
the repository root::

    python docs/check_rendered_math.py
"""

import html.parser
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MATHJAX = Path("/usr/share/javascript/mathjax/MathJax.js")
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML"
RAW_TEX = (r"\frac", r"\begin{", r"\partial", r"\operatorname", r"\sum")
PAGE = "derivations.html"


class VisibleText(html.parser.HTMLParser):
    """Collects text outside <script> and <style>, and counts MathJax output.

    MathJax 2 keeps each formula's TeX in a ``<script type="math/tex">``
    element and writes the rendering into a ``span.MathJax`` beside it.
    """

    def __init__(self):
        super().__init__()
        self.hidden_depth = 0
        self.parts = []
        self.rendered = 0
        self.sources = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if "MathJax" in classes:
            self.rendered += 1
        if tag == "script" and (attributes.get("type") or "").startswith("math/tex"):
            self.sources += 1
        if tag in ("script", "style"):
            self.hidden_depth += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.hidden_depth:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if not self.hidden_depth:
            self.parts.append(data)


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def dump_rendered_page(chromium):
    """Build the docs with the local MathJax and return the page's DOM after it ran."""
    with tempfile.TemporaryDirectory() as build:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sphinx",
                "-W",
                "-q",
                "-b",
                "html",
                "-D",
                f"mathjax_path=file://{MATHJAX}?config={MATHJAX_CONFIG}",
                "docs",
                build,
            ],
            check=True,
        )
        page = Path(build) / PAGE
        result = subprocess.run(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--allow-file-access-from-files",
                "--virtual-time-budget=30000",
                "--dump-dom",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    if result.returncode != 0 or not result.stdout:
        raise RuntimeError(
            f"chromium failed with exit status {result.returncode}:\n"
            f"{result.stderr[-2000:]}"
        )
    return result.stdout


def main():
    # find the tools
    chromium = find_chromium()
    if chromium is None:
        print(
            "error: chromium not found; install it with apt-get install chromium",
            file=sys.stderr,
        )
        return 1
    if not MATHJAX.exists():
        print(
            f"error: {MATHJAX} not found; install it with apt-get install "
            "libjs-mathjax",
            file=sys.stderr,
        )
        return 1

    # render
    try:
        dom = dump_rendered_page(chromium)
    except (RuntimeError, subprocess.SubprocessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    parser = VisibleText()
    parser.feed(dom)
    text = "".join(parser.parts)

    # check
    if parser.rendered == 0 or parser.rendered < parser.sources:
        print(
            f"error: MathJax rendered {parser.rendered} of {parser.sources} formulas "
            f"in {PAGE}",
            file=sys.stderr,
        )
        return 1
    raw = [tex for tex in RAW_TEX if tex in text]
    if raw:
        position = text.find(raw[0])
        print(
            f"error: raw TeX {', '.join(raw)} left in the visible text of {PAGE}, "
            f"for example: {text[max(0, position - 80) : position + 80]!r}",
            file=sys.stderr,
        )
        return 1
    print(f"ok: MathJax rendered all {parser.rendered} formulas in {PAGE}, no raw TeX")
    return 0


if __name__ == "__main__":
    sys.exit(main())
