from django.utils.safestring import mark_safe
from django.utils.html import format_html


def bio_badge(user):
    if not user.bio:
        return ""
    return format_html('<span class="bio" title="{}">{}</span>', user.username, user.bio)
