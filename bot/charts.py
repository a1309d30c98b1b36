"""The /stats chart: questions per day, answered against unanswered, as PNG bytes."""

from __future__ import annotations

import io


def questions_chart(per_day: list[tuple[str, int, int]]) -> bytes:
    """Render a stacked bar chart of answered and unanswered questions per day.

    Args:
        per_day: (ISO day, answered, unanswered) rows, oldest first.

    Returns:
        A PNG image.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    days = [d[5:] for d, _, _ in per_day] or ["—"]
    answered = [a for _, a, _ in per_day] or [0]
    unanswered = [u for _, _, u in per_day] or [0]
    figure = Figure(figsize=(8, 3.2), dpi=100)
    axes = figure.add_subplot()
    axes.bar(days, answered, color="#5865F2", label="answered")
    axes.bar(days, unanswered, bottom=answered, color="#ED4245", label="not in the library")
    axes.set_ylabel("questions")
    axes.set_title("Questions per day")
    axes.legend(loc="upper left", frameon=False)
    axes.tick_params(axis="x", labelrotation=45, labelsize=8)
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
