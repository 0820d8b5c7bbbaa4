"""The console's migration goes up and down cleanly on SQLite and PostgreSQL, leaving the engine's tables alone."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from settle.store.db import MIGRATIONS, make_engine

CONSOLE_TABLES = {"staff_users", "staff_sessions", "conversation_reviews", "review_tags", "review_notes", "eval_runs", "app_secrets"}


def alembic(engine, verb: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)


def test_console_migration_up_down_up(db_url):
    engine = make_engine(db_url)
    try:
        alembic(engine, "upgrade", "head")
        assert CONSOLE_TABLES <= set(inspect(engine).get_table_names())
        alembic(engine, "downgrade", "0001")
        tables = set(inspect(engine).get_table_names())
        assert not CONSOLE_TABLES & tables and {"cases", "conversations", "audit_log"} <= tables
        alembic(engine, "upgrade", "head")
        assert CONSOLE_TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
