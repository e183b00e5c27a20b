import asyncio
import json


async def probe(media_path: str) -> dict:
    proc = await asyncio.create_subprocess_shell(
        f"ffprobe -v quiet -print_format json -show_format {media_path}",
        stdout=asyncio.subprocess.PIPE,
    )
    stdout, _ = await proc.communicate()
    return json.loads(stdout)
