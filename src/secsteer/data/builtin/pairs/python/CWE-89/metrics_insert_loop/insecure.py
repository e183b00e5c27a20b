from dataclasses import dataclass


@dataclass
class Metric:
    name: str
    value: float


def store_metrics(conn, host, metrics):
    cur = conn.cursor()
    for metric in metrics:
        cur.execute(
            "INSERT INTO metrics (host, name, value) VALUES ('%s', '%s', %f)" % (host, metric.name, metric.value)
        )
    conn.commit()
