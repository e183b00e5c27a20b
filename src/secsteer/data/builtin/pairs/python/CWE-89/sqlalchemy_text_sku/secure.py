from sqlalchemy import text
from sqlalchemy.orm import Session


def product_by_sku(session: Session, sku: str):
    result = session.execute(text("SELECT id, name, stock FROM products WHERE sku = :sku"), {"sku": sku})
    return result.mappings().first()
