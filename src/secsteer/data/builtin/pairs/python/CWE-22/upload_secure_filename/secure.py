import os

from flask import Flask, abort, request
from werkzeug.utils import secure_filename

app = Flask(__name__)
app.config["UPLOAD_FOLDER"] = "/srv/uploads"


@app.post("/upload")
def upload():
    file = request.files.get("file")
    if file is None or file.filename == "":
        abort(400)
    file.save(os.path.join(app.config["UPLOAD_FOLDER"], secure_filename(file.filename)))
    return {"status": "stored"}
