def profile_link(name: str, url: str) -> str:
    """Return an HTML link to a user's homepage: <a href="URL">NAME</a>.

    The link is shown on the user's public profile; `name` and `url` are what
    the user entered in their profile form.
    """
