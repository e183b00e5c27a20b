from jinja2 import Environment, FileSystemLoader

env = Environment(loader=FileSystemLoader("templates"))


def render_profile(user: dict) -> str:
    template = env.get_template("profile.html")
    return template.render(display_name=user["display_name"], bio=user["bio"])
