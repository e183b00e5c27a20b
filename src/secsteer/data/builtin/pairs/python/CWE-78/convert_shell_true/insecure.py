import subprocess


def make_thumbnail(src: str, dst: str, width: int = 200) -> None:
    subprocess.run(f"convert {src} -resize {width}x {dst}", shell=True, check=True)
