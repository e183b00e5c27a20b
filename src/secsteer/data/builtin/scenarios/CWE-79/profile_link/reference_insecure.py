    return f'<a href="{url}">{name}</a>'
