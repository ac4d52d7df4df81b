import pytest

from core.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for name in ("HARDE_ENV", "REDIS_URL", "HARDE_SECRET_KEYS", "HARDE_PUBLIC_URL", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_need_no_environment():
    settings = load_settings()
    assert settings.redis_url is None
    assert not settings.is_production


def test_wrong_value_names_the_variable_and_what_it_expects(monkeypatch):
    monkeypatch.setenv("HARDE_ENV", "prod")
    monkeypatch.setenv("REDIS_URL", "localhost:6379")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    message = str(raised.value)
    assert "HARDE_ENV" in message and "'development' or 'production'" in message
    assert "REDIS_URL: must start with redis://" in message


def test_production_refuses_to_start_without_secret_keys(monkeypatch):
    monkeypatch.setenv("HARDE_ENV", "production")
    with pytest.raises(SettingsError, match="HARDE_SECRET_KEYS is required"):
        load_settings()


def test_secret_values_are_not_echoed_in_errors(monkeypatch):
    monkeypatch.setenv("HARDE_SECRET_KEYS", "")
    monkeypatch.setenv("HARDE_PUBLIC_URL", "ftp://x")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "HARDE_PUBLIC_URL" in str(raised.value)


def test_dotenv_file_is_read(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("HARDE_PUBLIC_URL=https://voice.example.com/\n")
    assert Settings().public_url == "https://voice.example.com"
