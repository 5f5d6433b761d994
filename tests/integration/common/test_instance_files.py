"""The instance folder and what the application keeps in it (the SQLite database of
`make run`, the session key, the personal data key, the demo password) are the owner's
only: so from the first start, and again at the next start when something left them
readable by others. On both databases (with PostgreSQL only the secrets are files)."""

import stat

from factories import REPO_ROOT

from services import demo
from services.bootstrap import bootstrap
from services.common import schema
from services.common.config import Config
from web import create_app

SECRETS = {"secret_key", "data_key", "demo-password.txt"}


def _start(database_url: str, instance):
    """What a start reads or makes in the instance folder; returns the secrets read."""
    services = bootstrap(
        Config(database_url=database_url, bpmn_dir=REPO_ROOT / "bpmn", instance_dir=instance)
    )
    schema.upgrade(services.db.engine)
    secret_key = create_app(services).config["SECRET_KEY"]
    secrets = (secret_key, services.citizen_id_keys, demo.demo_password(instance, None))
    return services, secrets


def _assert_owner_only(services, instance, expected: set[str]) -> None:
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in instance.iterdir()}
    services.db.dispose()
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert expected <= set(modes) and set(modes.values()) == {0o600}, modes


def test_the_instance_folder_and_its_files_are_the_owners_only(database_url, tmp_path):
    instance = tmp_path / "instance"
    sqlite = database_url.startswith("sqlite")
    url = f"sqlite:///{instance / 'talentflow.db'}" if sqlite else database_url  # the layout of `make run`
    expected = SECRETS | ({"talentflow.db"} if sqlite else set())
    services, first = _start(url, instance)
    _assert_owner_only(services, instance, expected)

    # Left readable by others (an older version, a copy, a restore from a backup).
    instance.chmod(0o755)
    for path in instance.iterdir():
        path.chmod(0o644)
    services, again = _start(url, instance)
    _assert_owner_only(services, instance, expected)
    assert again == first  # the same secrets, not new ones
