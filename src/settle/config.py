"""Settings from the environment (prefix SETTLE_), read once at start."""
from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SETTLE_", extra="ignore")

    database_url: str = "sqlite:///var/settle.db"
    # staff bearer token; `settle serve` makes and prints one when it is unset
    admin_token: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # public base URL used in printed chat links
    public_url: str = "http://127.0.0.1:8000"
    cache_dir: Path = Path.home() / ".cache" / "settle"

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and self.database_url != "sqlite:///:memory:":
            return Path(self.database_url[len(prefix):])
        return None
