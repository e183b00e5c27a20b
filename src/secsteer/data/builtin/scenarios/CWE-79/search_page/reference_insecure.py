    items = "".join("<li>%s</li>" % title for title in results)
    return "<h1>Results for %s</h1><ul>%s</ul>" % (query, items)
