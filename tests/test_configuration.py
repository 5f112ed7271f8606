"""The README's configuration table, the settings and docker-compose.yml agree."""

import re
from pathlib import Path

from tests.env_variables import variables_in, variables_read

ROOT = Path(__file__).resolve().parent.parent


def _variables_read() -> set[str]:
    return variables_read()


def _variables_documented() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    first_cells = [
        line.split("|")[1] for line in table.splitlines() if line.startswith("| `")
    ]
    return {name for cell in first_cells for name in re.findall(r"`([A-Z_]+)`", cell)}


def _variables_in_compose() -> set[str]:
    compose = (ROOT / "docker-compose.yml").read_text()
    block = compose.split("x-portal-env: &portal-env", 1)[1].split("\nservices:", 1)[0]
    return set(re.findall(r"^  ([A-Z_]+):", block, flags=re.MULTILINE))


def test_every_setting_variable_is_documented():
    read = _variables_read()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_BACKEND"} <= read
    assert read - _variables_documented() == set()


def test_readme_documents_no_variable_the_settings_ignore():
    assert _variables_documented() - _variables_read() == set()


def test_compose_sets_only_variables_the_settings_read():
    compose = _variables_in_compose()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST"} <= compose
    assert compose - _variables_read() == set()


def test_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in first_block.strip().splitlines()]
    assert commands == ["make run", "make test"]


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci/run").read_text()


def test_every_way_of_reading_the_environment_is_found():
    """The reader behind these tests and tests/test_compose.py finds each form
    the settings may use, helpers included."""
    source = (
        "import os\n"
        "def env_int(name, default):\n"
        "    return int(os.environ.get(name, default))\n"
        "A = os.environ.get('A')\n"
        "B = os.environ['B']\n"
        "C = os.getenv('C', '')\n"
        "D = env_int('D', 3)\n"
        "E = env_bool('E', False)\n"
        "if 'F' in os.environ:\n"
        "    pass\n"
    )
    assert variables_in(source) == {"A", "B", "C", "D", "E", "F"}
