    from html import escape
    from urllib.parse import urlsplit

    if urlsplit(url.strip()).scheme.lower() not in ("http", "https"):
        url = "#"
    return f'<a href="{escape(url, quote=True)}">{escape(name)}</a>'
