"""Check that the derivations page shows rendered formulas, not raw TeX.

Builds the HTML docs with Debian's local MathJax 2 (package libjs-mathjax)
in place of the CDN copy, opens the derivations page in headless Chromium
(package chromium), and inspects the DOM after MathJax ran: it must contain
MathJax output elements, and no TeX such as ``\\frac`` may remain in the
visible text. Exits 1 with a message if a tool is missing or the check
fails. Run from the repository root::

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
    """Collects text outside <script>, <style> and MathJax's hidden source."""

    def __init__(self):
        super().__init__()
        self.hidden_depth = 0
        self.parts = []
        self.mathjax_elements = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if "MathJax" in classes or "MathJax_Display" in classes or tag == "mjx-container":
            self.mathjax_elements += 1
        if tag in ("script", "style") or "MJX_Assistive_MathML" in classes:
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


def main():
    chromium = find_chromium()
    if chromium is None:
        print("error: chromium not found; install it with apt-get install chromium",
              file=sys.stderr)
        return 1
    if not MATHJAX.exists():
        print(f"error: {MATHJAX} not found; install it with apt-get install "
              "libjs-mathjax", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as build:
        # build with the local MathJax, only for this check
        subprocess.run(
            [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html",
             "-D", f"mathjax_path=file://{MATHJAX}?config={MATHJAX_CONFIG}",
             "docs", build],
            check=True,
        )
        page = Path(build) / PAGE
        result = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--allow-file-access-from-files", "--virtual-time-budget=30000",
             "--dump-dom", page.as_uri()],
            capture_output=True, text=True, timeout=300,
        )
    if result.returncode != 0 or not result.stdout:
        print(f"error: chromium failed with exit status {result.returncode}:\n"
              f"{result.stderr[-2000:]}", file=sys.stderr)
        return 1
    parser = VisibleText()
    parser.feed(result.stdout)
    text = "".join(parser.parts)
    raw = [tex for tex in RAW_TEX if tex in text]
    if parser.mathjax_elements == 0:
        print(f"error: no MathJax output in {PAGE}; the formulas were not rendered",
              file=sys.stderr)
        return 1
    if raw:
        position = text.find(raw[0])
        print(f"error: raw TeX {', '.join(raw)} left in the visible text of {PAGE}, "
              f"for example: {text[max(0, position - 80):position + 80]!r}",
              file=sys.stderr)
        return 1
    print(f"ok: {parser.mathjax_elements} rendered formulas in {PAGE}, no raw TeX")
    return 0


if __name__ == "__main__":
    sys.exit(main())
