import html


def report_table(items: list[dict]) -> str:
    rows = []
    for item in items:
        rows.append("<tr><td>" + html.escape(item["title"]) + "</td><td>" + html.escape(item["owner"]) + "</td></tr>")
    return "<table><tr><th>Title</th><th>Owner</th></tr>" + "".join(rows) + "</table>"
