    from html import escape

    return f'<div class="comment"><b>{escape(author)}</b>: {escape(text)}</div>'
