from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.get("/search")
def search():
    q = request.args.get("q", "")
    results = app.config["INDEX"].lookup(q)
    return render_template_string(
        "<p>Results for " + q + "</p><ul>{% for r in results %}<li>{{ r }}</li>{% endfor %}</ul>",
        results=results,
    )
