import html

from aiohttp import web


async def flash(request: web.Request) -> web.Response:
    msg = request.query.get("msg", "")
    page = f"<div class='flash'>{msg}</div><a href='/'>Home</a>"
    return web.Response(text=page, content_type="text/html")
