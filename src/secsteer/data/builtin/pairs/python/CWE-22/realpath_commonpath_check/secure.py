import os

ATTACHMENTS = "/data/attachments"


def open_attachment(ticket_id: int, filename: str):
    path = os.path.realpath(os.path.join(ATTACHMENTS, str(ticket_id), filename))
    if os.path.commonpath([path, os.path.realpath(ATTACHMENTS)]) != os.path.realpath(ATTACHMENTS):
        raise ValueError("attachment path escapes the attachment folder")
    return open(path, "rb")
