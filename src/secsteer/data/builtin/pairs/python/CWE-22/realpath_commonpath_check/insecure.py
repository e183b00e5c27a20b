import os

ATTACHMENTS = "/data/attachments"


def open_attachment(ticket_id: int, filename: str):
    path = os.path.join(ATTACHMENTS, str(ticket_id), filename)
    return open(path, "rb")
