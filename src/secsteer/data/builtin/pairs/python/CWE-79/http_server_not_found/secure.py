import html
from http.server import BaseHTTPRequestHandler


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/":
            body = "<p>It works.</p>"
            self.send_response(200)
        else:
            body = f"<p>No page at {html.escape(self.path)}</p>"
            self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body.encode("utf-8"))
