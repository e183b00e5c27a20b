import subprocess


def make_thumbnail(src: str, dst: str, width: int = 200) -> None:
    subprocess.run(["convert", src, "-resize", f"{width}x", dst], check=True)
