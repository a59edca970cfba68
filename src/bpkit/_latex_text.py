"""A plain Unicode reading of the short LaTeX formulas of activations and losses.

The text rendering of an explanation shows each plugin's formula, written in
LaTeX, to a terminal. This covers the constructs such formulas use; anything
else keeps its command name without the backslash.
"""

import re

# LaTeX command -> plain Unicode, for the text rendering of plugin formulas.
_COMMANDS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "lambda": "λ",
    "mu": "μ",
    "pi": "π",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "Phi": "Φ",
    "theta": "θ",
    "sum": "Σ",
    "prod": "Π",
    "cdot": "·",
    "times": "×",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ne": "≠",
    "neq": "≠",
    "infty": "∞",
    "partial": "∂",
    "log": "log",
    "ln": "ln",
    "exp": "exp",
    "max": "max",
    "min": "min",
    "tanh": "tanh",
    "sinh": "sinh",
    "cosh": "cosh",
    "erf": "erf",
    "erfc": "erfc",
    "varphi": "φ",
    "cdots": "⋯",
    "ldots": "…",
    "to": "→",
    "sign": "sign",
    "lvert": "|",
    "rvert": "|",
    "vert": "|",
    "lVert": "‖",
    "rVert": "‖",
    "in": "∈",
    "approx": "≈",
    "pm": "±",
    "left": "",
    "right": "",
    "bigl": "",
    "bigr": "",
    "Bigl": "",
    "Bigr": "",
    "big": "",
    "Big": "",
    ",": " ",
    ";": " ",
    ":": " ",
    "!": "",
    "quad": "  ",
    "qquad": "   ",
    "displaystyle": "",
    "{": "{",
    "}": "}",
    "_": "_",
}
_SUPERSCRIPTS = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")


def _group(latex, start):
    """Return (content, end) of the brace group or single token at ``start``."""
    while start < len(latex) and latex[start] == " ":
        start += 1
    if start >= len(latex):
        return "", start
    if latex[start] != "{":
        if latex[start] == "\\":
            match = re.match(r"\\([A-Za-z]+|.)", latex[start:])
            return match.group(0), start + match.end()
        return latex[start], start + 1
    depth = 0
    for index in range(start, len(latex)):
        if latex[index] == "{" and (index == 0 or latex[index - 1] != "\\"):
            depth += 1
        elif latex[index] == "}" and latex[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return latex[start + 1 : index], index + 1
    return latex[start + 1 :], len(latex)


def latex_to_text(latex):
    """Return a plain Unicode reading of a short LaTeX formula.

    Handles the constructs that activation and loss formulas use: fractions,
    roots, hats, ``cases``, sub- and superscripts, Greek letters and the usual
    operators. Unknown commands lose their backslash and are kept.

    Examples
    --------
    >>> latex_to_text(r"\\frac{1}{1 + e^{-z}}")
    '1/(1 + e^(-z))'
    """
    out = []
    index = 0
    while index < len(latex):
        char = latex[index]
        if latex.startswith(r"\begin{cases}", index):
            end = latex.find(r"\end{cases}", index)
            end = len(latex) if end < 0 else end
            body = latex[index + len(r"\begin{cases}") : end]
            branches = []
            for branch in re.split(r"\\\\", body):
                parts = [latex_to_text(p).strip() for p in branch.split("&")]
                if parts and parts[0]:
                    branches.append(" if ".join(p for p in parts if p))
            out.append("{" + "; ".join(branches) + "}")
            index = end + len(r"\end{cases}")
            continue
        if char == "\\":
            match = re.match(r"\\([A-Za-z]+|.)", latex[index:])
            command = match.group(1)
            index += match.end()
            if command in ("frac", "dfrac", "tfrac"):
                numerator, index = _group(latex, index)
                denominator, index = _group(latex, index)
                out.append(
                    _wrap(latex_to_text(numerator))
                    + "/"
                    + _wrap(latex_to_text(denominator))
                )
            elif command == "sqrt":
                radicand, index = _group(latex, index)
                radicand = latex_to_text(radicand)
                out.append("√" + (radicand if len(radicand) == 1 else f"({radicand})"))
            elif command == "hat":
                base, index = _group(latex, index)
                text = latex_to_text(base)
                out.append("ŷ" if text == "y" else text + "\u0302")
            elif command in ("operatorname", "mathrm", "text", "mathit", "mathbf"):
                word, index = _group(latex, index)
                out.append(latex_to_text(word))
            else:
                out.append(_COMMANDS.get(command, command))
                if command == "partial":
                    # "\partial f" reads as ∂f, without the space
                    while index < len(latex) and latex[index] == " ":
                        index += 1
        elif char in "^_":
            group, index = _group(latex, index + 1)
            text = latex_to_text(group)
            if char == "^" and all(c in "0123456789-+" for c in text) and text:
                out.append(text.translate(_SUPERSCRIPTS))
            elif len(text) == 1 or (char == "_" and text.isalnum()):
                out.append(char + text)
            else:
                out.append(char + "(" + text + ")")
        elif char in "{}":
            index += 1
        elif char == "-":
            out.append("−" if out and out[-1].endswith(" ") else "-")
            index += 1
        else:
            out.append(char)
            index += 1
    return re.sub(r" {2,}", " ", "".join(out)).strip()


def _wrap(text):
    """Parenthesize ``text`` unless it is one token such as x, 2, ∂z or e^z."""
    if re.fullmatch(r"[\w.∂]+(\^\S+)?", text):
        return text
    return f"({text})"
