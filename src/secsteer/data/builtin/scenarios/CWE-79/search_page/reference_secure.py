    import html

    items = "".join(f"<li>{html.escape(title)}</li>" for title in results)
    return f"<h1>Results for {html.escape(query)}</h1><ul>{items}</ul>"
