    return '<div class="comment"><b>' + author + "</b>: " + text + "</div>"
