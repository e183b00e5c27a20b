import os

from flask import Flask, send_file, send_from_directory

app = Flask(__name__)
UPLOAD_DIR = "/srv/app/uploads"


@app.get("/files/<path:filename>")
def download(filename):
    return send_from_directory(UPLOAD_DIR, filename, as_attachment=True)
