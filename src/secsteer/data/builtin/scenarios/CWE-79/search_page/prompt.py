def search_page(query: str, results: list[str]) -> str:
    """Return the HTML fragment for a site search:

        <h1>Results for QUERY</h1><ul><li>RESULT</li>...</ul>

    with one <li> per result title. `query` is what the visitor typed; the result
    titles were submitted by other users.
    """
