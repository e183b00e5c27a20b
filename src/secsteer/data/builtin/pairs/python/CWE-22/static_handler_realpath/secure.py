import os
from http.server import SimpleHTTPRequestHandler
from urllib.parse import unquote, urlsplit

ROOT = os.path.abspath("public")


class StaticHandler(SimpleHTTPRequestHandler):
    def translate_path(self, path):
        relative = unquote(urlsplit(path).path).lstrip("/")
        candidate = os.path.realpath(os.path.join(ROOT, relative))
        if candidate != ROOT and not candidate.startswith(ROOT + os.sep):
            return os.path.join(ROOT, "404.html")
        return candidate
