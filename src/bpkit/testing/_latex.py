"""Checks that a formula will render on a Sphinx page.

bpkit's docs put each ``latex`` string into a Sphinx ``math`` directive, which
MathJax renders in the browser. Sphinx itself does not parse the TeX, so a
typo shows up only as red text on the published page. This module catches
the usual causes before that: unbalanced groups, which it finds by scanning,
and unknown commands, which it finds with the TeX-to-MathML converter of
docutils (``docutils.utils.math.latex2mathml``, the parser behind the reST
``math`` role). That converter supports fewer commands than MathJax, so a
formula that it rejects may still render, but one that it accepts uses only
common commands.
"""

import re

_COMMAND = re.compile(r"\\([A-Za-z]+|.)")


def latex_problems(tex):
    """Return what is wrong with a formula, as a list of sentences (empty if fine).

    Parameters
    ----------
    tex : str
        The formula without math delimiters, for example ``r"\\max(z, 0)"``.
    """
    if not isinstance(tex, str):
        return [f"is a {type(tex).__name__}, expected a str"]
    if not tex.strip():
        return ["is empty"]
    problems = []
    if "$" in tex:
        problems.append(
            "contains '$'; write the formula without math delimiters because "
            "Sphinx adds them"
        )
    if re.search(r"\n\s*\n", tex):
        problems.append("contains a blank line, which splits a Sphinx math block in two")
    problems.extend(_group_problems(tex))
    if not problems:
        problems.extend(_parser_problems(tex))
    return problems


def _group_problems(tex):
    """Return problems with {...}, \\left...\\right and \\begin...\\end pairs."""
    stack = []
    position = 0
    while position < len(tex):
        char = tex[position]
        if char == "\\":
            match = _COMMAND.match(tex, position)
            command = match.group(1)
            position = match.end()
            if command in ("left", "begin"):
                if command == "begin":
                    environment, position = _environment_name(tex, position)
                    if environment is None:
                        return [r"has \begin without an {environment} name"]
                    stack.append(("begin", environment))
                else:
                    stack.append(("left", None))
            elif command in ("right", "end"):
                opener = "left" if command == "right" else "begin"
                environment = None
                if command == "end":
                    environment, position = _environment_name(tex, position)
                if not stack or stack[-1][0] != opener:
                    return [f"has \\{command} without a matching \\{opener}"]
                if command == "end" and stack[-1][1] != environment:
                    return [
                        f"closes \\begin{{{stack[-1][1]}}} with \\end{{{environment}}}"
                    ]
                stack.pop()
            continue
        if char == "{":
            stack.append(("{", None))
        elif char == "}":
            if not stack or stack[-1][0] != "{":
                return [f"has an unmatched '}}' at character {position}"]
            stack.pop()
        position += 1
    if stack:
        kind, environment = stack[-1]
        if kind == "{":
            return ["has an unmatched '{'"]
        if kind == "left":
            return [r"has \left without a matching \right"]
        return [f"has \\begin{{{environment}}} without \\end{{{environment}}}"]
    return []


def _environment_name(tex, position):
    match = re.compile(r"\s*\{([A-Za-z*]+)\}").match(tex, position)
    if match is None:
        return None, position
    return match.group(1), match.end()


def _parser_problems(tex):
    try:
        from docutils.utils.math import latex2mathml
    except ImportError:
        return [
            "cannot be checked because docutils is not installed; install it "
            "with pip install 'bpkit[test]'"
        ]
    try:
        latex2mathml.tex2mathml(tex)
    except Exception as exc:  # docutils raises SyntaxError, and others on odd input
        return [f"cannot be parsed as TeX math by docutils: {exc}"]
    return []
