from django.utils.safestring import mark_safe
from django.utils.html import format_html


def bio_badge(user):
    if not user.bio:
        return ""
    return mark_safe(f'<span class="bio" title="{user.username}">{user.bio}</span>')
