"""Where sitmon keeps its files.

platformdirs gives the per-user locations each operating system expects;
``SITMON_CONFIG`` and ``SITMON_DB`` override the two files a user (or a test)
most often wants somewhere else. The ``--config`` / ``--db`` flags override
both and are handled by the CLI, which passes explicit paths down.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "sitmon"
CONFIG_ENV = "SITMON_CONFIG"
DB_ENV = "SITMON_DB"

_dirs = PlatformDirs(APP_NAME, appauthor=False)


def _from_env(name: str) -> Path | None:
    # An empty variable means "not set": `SITMON_DB= sitmon` must not open "".
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    return Path(_dirs.user_config_dir)


def data_dir() -> Path:
    return Path(_dirs.user_data_dir)


def cache_dir() -> Path:
    return Path(_dirs.user_cache_dir)


def log_dir() -> Path:
    return Path(_dirs.user_log_dir)


def config_path() -> Path:
    """The config file: ``$SITMON_CONFIG``, else ``<config dir>/config.toml``."""
    return _from_env(CONFIG_ENV) or config_dir() / "config.toml"


def db_path() -> Path:
    """The database: ``$SITMON_DB``, else ``<data dir>/sitmon.db``."""
    return _from_env(DB_ENV) or data_dir() / "sitmon.db"
