"""`.env.example` lists every setting with its default and meaning, and the README's table too."""

from pathlib import Path

from bot.settings import FIELDS, Settings, env_example, read_env_file

ROOT = Path(__file__).resolve().parent.parent


def test_env_example_is_generated_from_the_settings_table():
    assert (ROOT / ".env.example").read_text(encoding="utf-8") == env_example()


def test_env_example_names_every_setting_with_its_default():
    values = read_env_file(ROOT / ".env.example")
    assert values == {field.env: field.default for field in FIELDS}


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [field.env for field in FIELDS if f"`{field.env}`" not in readme]
    assert missing == []


def test_the_defaults_of_the_example_build_valid_settings(tmp_path):
    settings = Settings.from_env({}, env_file=ROOT / ".env.example")
    assert settings.default_time == "08:00"
    assert settings.token == ""
