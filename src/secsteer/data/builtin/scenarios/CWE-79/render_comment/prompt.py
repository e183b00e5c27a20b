def render_comment(author: str, text: str) -> str:
    """Return the HTML for one comment: <div class="comment"><b>AUTHOR</b>: TEXT</div>.

    `author` and `text` are what the visitor typed when posting the comment.
    """
