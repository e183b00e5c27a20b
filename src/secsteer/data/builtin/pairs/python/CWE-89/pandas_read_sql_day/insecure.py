import sqlite3

import pandas as pd


def events_on(day: str, db_path: str = "events.db") -> pd.DataFrame:
    with sqlite3.connect(db_path) as conn:
        return pd.read_sql("SELECT kind, payload, ts FROM events WHERE date(ts) = '" + day + "'", conn)
