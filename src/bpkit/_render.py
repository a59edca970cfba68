"""Renderings of an :class:`~bpkit._explain.Explanation`: text, Markdown, LaTeX.

Every rendering shows the same parts in the same order. First come the chain
of partial derivatives, the same chain written with the plugins' formulas,
and the formulas themselves. Then come the factor values on each data row,
the sum over rows, the reason for every zero factor, and the gradient-descent
step if one was requested.
"""

import textwrap

from bpkit._chain import Symbol

WIDTH = 88

# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------


def _number(value, parenthesize=False):
    text = f"{value:.6g}"
    if text == "-0":
        text = "0"
    return f"({text})" if parenthesize and text.startswith("-") else text


def _latex_number(value, parenthesize=False):
    text = f"{value:.6g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    if text in ("-0", "-0.0"):
        text = "0"
    if parenthesize and (text.startswith("-") or "times" in text):
        text = f"({text})"
    return text


# ---------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------


def _more_rows(count):
    return f"{count} more row" if count == 1 else f"{count} more rows"


def _shown_notes(explanation, rows):
    """Return the zero-factor notes of the shown ``rows``, and how many others exist."""
    notes = explanation.zero_notes()
    shown = [(row, sentence) for row, sentence in notes if row in rows]
    return shown, len(notes) - len(shown)


def _shown_rows(explanation, max_rows):
    rows = list(range(min(explanation.n_rows, max_rows)))
    hidden = explanation.n_rows - len(rows)
    return rows, hidden


def _tables(explanation):
    """Return per-row tables: (title, [(Symbol, values)], product Symbol, products)."""
    e = explanation
    product = Symbol(r"\text{product}", "product")
    if e.form == "paths":
        tables = []
        for number, path in enumerate(e.paths, start=1):
            title = "" if len(e.paths) == 1 else f"Path {number}"
            columns = [(f.symbol, f.values) for f in path.factors]
            tables.append((title, columns, product, path.products))
        if len(e.paths) > 1:
            columns = [
                (Symbol(rf"\text{{path {n}}}", f"path {n}"), path.products)
                for n, path in enumerate(e.paths, start=1)
            ]
            tables.append(
                (
                    "Sum over the paths",
                    columns,
                    Symbol(r"\text{row total}", "row total"),
                    e.row_terms,
                )
            )
        return tables
    target = e.deltas[-1]
    node = e.partial_chain[0]
    index = [s.latex for s in target.symbols].index(node.latex)
    columns = [(node, target.values[:, index])]
    if e.local is not None:
        columns.append((e.local.symbol, e.local.values))
    return [("", columns, product, e.row_terms)]


def _symbolic_chain(explanation, spelling):
    """Return the chain as partials, then as formulas, joined by the product sign."""
    dot = " · " if spelling == "text" else r" \cdot "
    partial = dot.join(getattr(s, spelling) for s in explanation.partial_chain)
    lines = [partial]
    if explanation.form == "paths":
        products = [
            dot.join(getattr(f.symbol, spelling) for f in path.factors)
            for path in explanation.paths
        ]
        if len(products) == 1:
            lines.append(products[0])
        else:
            lines.extend(products)
    return lines


# ---------------------------------------------------------------------------
# Text
# ---------------------------------------------------------------------------


def _table(headers, rows):
    widths = [
        max(len(header), *(len(row[c]) for row in rows)) if rows else len(header)
        for c, header in enumerate(headers)
    ]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths))]
    for row in rows:
        lines.append("  ".join(cell.rjust(w) for cell, w in zip(row, widths)))
    return lines


def _text_table(columns, product, products, rows):
    """Return a right-aligned table, or one wrapped line per row if it is too wide."""
    headers = ["row"] + [symbol.text for symbol, _ in columns] + [product.text]
    cells = [
        [str(row + 1)]
        + [_number(values[row]) for _, values in columns]
        + [_number(products[row])]
        for row in rows
    ]
    table = _table(headers, cells)
    if max(len(line) for line in table) <= WIDTH:
        return table
    lines = []
    for row_cells in cells:
        items = [_keep(h, v) for h, v in zip(headers[1:-1], row_cells[1:-1])]
        items.append(_keep(headers[-1], row_cells[-1]))
        lines.append(_fill(f"row {row_cells[0]}: " + ", ".join(items), "  ", "      "))
    return lines


_NO_BREAK = "\u00a0"


def _keep(name, value):
    """Join ``name = value`` so that line wrapping never splits it."""
    return f"{name} = {value}".replace(" ", _NO_BREAK)


def _fill(text, indent="  ", subsequent="    "):
    # textwrap splits only at ASCII whitespace, so no-break spaces hold items together
    wrapped = textwrap.fill(
        text,
        width=WIDTH,
        initial_indent=indent,
        subsequent_indent=subsequent,
        break_on_hyphens=False,
    )
    return wrapped.replace(_NO_BREAK, " ")


def render_text(explanation, max_rows=20):
    """Return the explanation as Unicode text, no line longer than 88 columns."""
    e = explanation
    lines = [f"Why {e.gradient_symbol.text} = {_number(e.value)}"]
    lines.append(
        _fill(f"{e.name} = {_number(e.parameter_value)}; {e.form_reason}.", "")
    )
    lines.append("")

    # the chain
    lines.append("Chain rule, summed over the data rows i:")
    pad = " " * (len(e.gradient_symbol.text) + 1)
    chain = _symbolic_chain(e, "text")
    for number, line in enumerate(chain):
        if number == 0:
            joiner = e.gradient_symbol.text + " = Σ_i "
        elif number == 1:
            joiner = pad + "= Σ_i "
        else:
            joiner = pad + "  + Σ_i "
        lines.append(_fill(joiner + line, "  ", "  " + pad + "      "))
    if e.form == "delta":
        lines.append(
            _fill(
                "δ is computed layer by layer from the output down. At an output node, "
                "δ is ∂L/∂ŷ times f'(s), or the vector-Jacobian product of an output "
                "activation that is not elementwise.",
                "  ",
                "  ",
            )
        )
    lines.append("where")
    for lhs_symbol, rhs in e.definitions:
        lines.append(_fill(f"{lhs_symbol.text} = {rhs.text}", "  ", "      "))
    for note in e.omitted:
        lines.append(_fill(note, "  ", "    "))
    lines.append("")

    # the numbers
    rows, hidden = _shown_rows(e, max_rows)
    if e.form == "delta":
        lines.append("Delta values per row, from the output layer down:")
        for row in rows:
            lines.append(f"  row {row + 1}:")
            for layer in e.deltas:
                items = [
                    _keep(s.text.removesuffix("_i"), _number(v))
                    for s, v in zip(layer.symbols, layer.values[row])
                ]
                lines.append(_fill(", ".join(items), "    ", "      "))
        lines.append("")
    lines.append("Factor values on each row:")
    for title, columns, product, products in _tables(e):
        if title:
            lines.append(f"{title}:")
        lines.extend(_text_table(columns, product, products, rows))
    if hidden:
        lines.append(f"  ... {_more_rows(hidden)}, included in the sum")
    lines.append(
        f"Sum over the {e.n_rows} rows: {e.gradient_symbol.text} = {_number(e.value)}"
    )

    notes, unshown = _shown_notes(e, rows)
    if notes or unshown:
        lines.append("")
        lines.append("Zero factors:")
        for row, sentence in notes:
            lines.append(_fill(f"row {row + 1}: {sentence}", "  ", "    "))
        if unshown:
            lines.append(f"  ... zero factors on {_more_rows(unshown)}, not shown")

    if e.step is not None:
        step = e.step
        lines.append("")
        lines.append("One gradient-descent step:")
        lines.append(
            f"  step size = learning rate × slope = {_number(step.learning_rate)}"
            f" × {_number(step.slope, True)} = {_number(step.step_size)}"
        )
        lines.append(
            f"  new {e.name} = old {e.name} − step size = {_number(step.old)}"
            f" − {_number(step.step_size, True)} = {_number(step.new)}"
        )
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# LaTeX
# ---------------------------------------------------------------------------


def _latex_lines(explanation, max_rows):
    """Return the lines of the align environment, each with one ``&``."""
    e = explanation
    lhs = e.gradient_symbol.latex

    # the chain, as partials and as formulas
    lines = []
    chain = _symbolic_chain(e, "latex")
    lines.append(rf"{lhs} &= \sum_i {chain[0]}")
    for number, line in enumerate(chain[1:], start=1):
        relation = "&= " if number == 1 else "&\\quad + "
        lines.append(rf"{relation}\sum_i {line}")

    # the numbers of each shown row: deltas, then the factors of every path
    rows, hidden = _shown_rows(e, max_rows)
    if e.form == "delta":
        for row in rows:
            for layer in e.deltas:
                values = [
                    rf"{s.latex.replace(',i}', f',{row + 1}}}')} = "
                    rf"{_latex_number(v)}"
                    for s, v in zip(layer.symbols, layer.values[row])
                ]
                for start in range(0, len(values), 4):
                    lines.append(r"&\quad " + r",\ ".join(values[start : start + 4]))
    tables = _tables(e)
    if len(tables) > 1:
        tables = tables[:-1]
    for row in rows:
        terms = []
        for _, columns, _, _ in tables:
            if len(columns) == 1:
                terms.append(_latex_number(columns[0][1][row], parenthesize=True))
            else:
                terms.append(
                    r" \cdot ".join(
                        _latex_number(values[row], parenthesize=True)
                        for _, values in columns
                    )
                )
        total = _latex_number(e.row_terms[row])
        lines.append(rf"i = {row + 1}:&\quad {' + '.join(terms)} = {total}")
    if hidden:
        lines.append(rf"&\quad \text{{and {_more_rows(hidden)}}}")

    # the sum, the formulas used, and the step
    lines.append(rf"{lhs} &= {_latex_number(e.value)}")
    for lhs_symbol, rhs in e.definitions:
        lines.append(rf"{lhs_symbol.latex} &= {rhs.latex}")
    if e.step is not None:
        step = e.step
        name = e.name[0] + "_{" + e.name[1:] + "}"
        lines.append(
            rf"\text{{step size}} &= {_latex_number(step.learning_rate)} \cdot "
            rf"{_latex_number(step.slope, parenthesize=True)} = "
            rf"{_latex_number(step.step_size)}"
        )
        lines.append(
            rf"{name}^{{\text{{new}}}} &= {_latex_number(step.old)} - "
            rf"{_latex_number(step.step_size, parenthesize=True)} = "
            rf"{_latex_number(step.new)}"
        )
    return lines


def render_latex(explanation, max_rows=20):
    """Return one ``align*`` environment (amsmath) with the whole explanation."""
    body = " \\\\\n".join(_latex_lines(explanation, max_rows))
    return "\\begin{align*}\n" + body + "\n\\end{align*}"


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------


def render_markdown(explanation, max_rows=20):
    """Return Markdown: prose, ``$$`` display math and a table of row values."""
    e = explanation
    parts = [
        f"**Why $\\partial L/\\partial {e.name[0]}_{{{e.name[1:]}}}$ "
        f"= {_number(e.value)}**",
        "",
    ]
    parts.append(f"{e.name} = {_number(e.parameter_value)}; {e.form_reason}.")
    parts.append("")
    chain = _symbolic_chain(e, "latex")
    aligned = [rf"{e.gradient_symbol.latex} &= \sum_i {chain[0]}"]
    aligned += [
        (r"&= \sum_i " if n == 1 else r"&\quad + \sum_i ") + line
        for n, line in enumerate(chain[1:], start=1)
    ]
    aligned += [rf"{lhs.latex} &= {rhs.latex}" for lhs, rhs in e.definitions]
    parts.append(
        "$$\n\\begin{aligned}\n" + " \\\\\n".join(aligned) + "\n\\end{aligned}\n$$"
    )
    for note in e.omitted:
        parts.append(f"- {note}")
    parts.append("")

    rows, hidden = _shown_rows(e, max_rows)
    if e.form == "delta":
        for row in rows:
            values = ", ".join(
                f"${s.latex.replace(',i}', f',{row + 1}}}')} = {_latex_number(v)}$"
                for layer in e.deltas
                for s, v in zip(layer.symbols, layer.values[row])
            )
            parts.append(f"- Row {row + 1}: {values}")
        parts.append("")
    for title, columns, product, products in _tables(e):
        if title:
            parts.append(f"{title}:")
            parts.append("")
        header = ["row"] + [f"${symbol.latex}$" for symbol, _ in columns]
        header.append(product.text)
        parts.append("| " + " | ".join(header) + " |")
        parts.append("|" + "---:|" * len(header))
        for row in rows:
            cells = [str(row + 1)] + [_number(values[row]) for _, values in columns]
            cells.append(_number(products[row]))
            parts.append("| " + " | ".join(cells) + " |")
        parts.append("")
    if hidden:
        parts.append(f"\n... {_more_rows(hidden)}, included in the sum.")
    parts.append("")
    parts.append(f"Sum over the {e.n_rows} rows: {_number(e.value)}")

    notes, unshown = _shown_notes(e, rows)
    if notes or unshown:
        parts.append("")
        parts.extend(f"- Row {row + 1}: {sentence}" for row, sentence in notes)
        if unshown:
            parts.append(f"- Zero factors on {_more_rows(unshown)}, not shown.")
    if e.step is not None:
        step = e.step
        parts.append("")
        parts.append(
            f"One gradient-descent step: step size = {_number(step.learning_rate)} × "
            f"{_number(step.slope, True)} = {_number(step.step_size)}; new {e.name} = "
            f"{_number(step.old)} − {_number(step.step_size, True)} = "
            f"{_number(step.new)}."
        )
    return "\n".join(parts) + "\n"
