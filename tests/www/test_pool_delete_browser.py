"""Deleting pools from the UI in Chromium: names with "/" work and cannot reach other pools."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx

from tests.auth.webserver import webserver
from tests.www.browser import chromium_page, require_browser
from tradewind.db.engine import Database
from tradewind.operations.pools import create_or_update_pool, list_pools

TRAVERSAL = "x/../../pools/victim"


def pool_names(database: Database) -> set[str]:
    return {pool["pool"] for pool in list_pools(database)}


def test_delete_buttons_delete_exactly_their_pool(tmp_path: Path, _sqlite_template: Path) -> None:
    chromium = require_browser()
    shutil.copy(_sqlite_template, tmp_path / "tradewind.db")
    url = f"sqlite:///{tmp_path / 'tradewind.db'}"
    database = Database(url)
    for name in ("victim", TRAVERSAL, "team/etl"):
        create_or_update_pool(database, name, 2, "", actor="test")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRADEWIND")}
    env.update(
        TRADEWIND_HOME=str(tmp_path / "home"),
        TRADEWIND__CORE__LOAD_EXAMPLES="False",
        TRADEWIND__DATABASE__SQL_ALCHEMY_CONN=url,
    )
    with webserver(env) as server, chromium_page(chromium) as page:
        page.on("dialog", lambda dialog: dialog.accept())  # "Delete pool ...?"
        for name in (TRAVERSAL, "team/etl"):
            page.goto(f"{server.url}/pools")
            page.locator(f'tr[data-pool="{name}"] button:has-text("Delete")').click()
            page.wait_for_selector(f'.flash:has-text("Pool {name} deleted.")')
        assert httpx.get(f"{server.api}/pools/victim", timeout=30).status_code == 200
    assert pool_names(database) == {"default_pool", "victim"}
    database.dispose()
