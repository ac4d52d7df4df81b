"""The CLI as a user runs it: help, doctor's verdicts and exit codes, tenant and user commands."""

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from harde.cli import app
from harde.doctor import Status, check_models
from tenants import ModelSettings

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HARDE_VAR_DIR", str(tmp_path / "var"))
    for name in ("REDIS_URL", "ANTHROPIC_API_KEY", "DEEPGRAM_API_KEY", "CARTESIA_API_KEY", "HARDE_ENV"):
        monkeypatch.delenv(name, raising=False)


def test_help_lists_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("serve", "doctor", "tenant", "user", "sandbox", "secret-key"):
        assert command in result.output


def test_doctor_warns_without_anthropic_key_and_says_what_to_do():
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output  # everything runs without it, as the README says
    assert "warn anthropic" in " ".join(result.output.split())
    assert "ANTHROPIC_API_KEY is not set" in result.output
    assert "redis" in result.output and "blob store" in result.output
    defaults = ModelSettings()
    assert f"voice {defaults.voice_model}, text {defaults.text_model}" in result.output


def test_doctor_warns_about_models_the_sdk_marks_deprecated_or_retired():
    configured = {
        "defaults": ModelSettings(),
        "tenant acme": ModelSettings(text_model="claude-sonnet-4-5"),
        "tenant bolt": ModelSettings(voice_model="claude-sonnet-4-5"),
    }

    before = check_models(configured, date(2026, 11, 1))
    after = check_models(configured, date(2026, 12, 3))

    [warning] = [check for check in before if check.status is Status.WARN]
    assert "claude-sonnet-4-5 is deprecated" in warning.detail
    assert "tenant acme, tenant bolt" in warning.detail
    assert [check.detail.split(" (")[0] for check in after if check.status is Status.WARN] == [
        "claude-sonnet-4-5 is retired"
    ]
    assert not [
        check
        for check in check_models({"defaults": ModelSettings()}, date(2026, 12, 3))
        if check.status is Status.WARN
    ]


def test_doctor_passes_when_required_credentials_are_present(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-key-123456")
    monkeypatch.setenv("DEEPGRAM_API_KEY", "dg-key-123456")
    monkeypatch.setenv("CARTESIA_API_KEY", "ca-key-123456")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 0, result.output
    assert "sk-ant-test-key-123456" not in result.output


def test_bad_settings_exit_1_with_the_variable_named(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "localhost")
    result = runner.invoke(app, ["doctor"])
    assert result.exit_code == 1
    assert "REDIS_URL" in result.output


def test_tenant_and_user_lifecycle():
    assert runner.invoke(app, ["tenant", "create", "acme", "--name", "Acme Roofing"]).exit_code == 0
    duplicate = runner.invoke(app, ["tenant", "create", "acme", "--name", "Again"])
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    added = runner.invoke(
        app,
        [
            "user",
            "add",
            "--tenant",
            "acme",
            "--name",
            "Bob Jones",
            "--phone",
            "512 555 0199",
            "--pin",
            "1234",
        ],
    )
    assert added.exit_code == 0, added.output
    listing = runner.invoke(app, ["user", "list", "--tenant", "acme"])
    assert "+15125550199" in listing.output and "Bob Jones" in listing.output
    bad_phone = runner.invoke(app, ["user", "add", "--tenant", "acme", "--name", "X", "--phone", "12"])
    assert bad_phone.exit_code == 1 and "wrong number of digits" in bad_phone.output
    assert "acme" in runner.invoke(app, ["tenant", "list"]).output
    assert runner.invoke(app, ["tenant", "delete", "acme", "--yes"]).exit_code == 0
    missing = runner.invoke(app, ["tenant", "show", "acme"])
    assert missing.exit_code == 1 and "no tenant 'acme'" in missing.output


def test_unknown_command_is_a_usage_error():
    assert runner.invoke(app, ["frobnicate"]).exit_code == 2


def test_twilio_connect_points_the_number_here_and_routes_it(monkeypatch):
    from testkit.fakes.twilio_rest import FakeTwilioRest
    from testkit.servers import serve_in_thread

    fake = FakeTwilioRest()
    number = fake.own_number("+15125550000")
    with serve_in_thread(fake.app) as base:
        monkeypatch.setenv("TWILIO_ACCOUNT_SID", fake.account_sid)
        monkeypatch.setenv("TWILIO_AUTH_TOKEN", fake.auth_token)
        monkeypatch.setenv("TWILIO_API_BASE_URL", base)
        monkeypatch.setenv("HARDE_PUBLIC_URL", "https://voice.example.com")
        assert runner.invoke(app, ["tenant", "create", "acme", "--name", "Acme"]).exit_code == 0
        result = runner.invoke(app, ["twilio", "connect", "--number", "+1 512 555 0000", "--tenant", "acme"])
        assert result.exit_code == 0, result.output
        assert number.voice_url == "https://voice.example.com/twilio/voice"
        assert number.status_callback == "https://voice.example.com/twilio/status"
        unknown = runner.invoke(app, ["twilio", "connect", "--number", "+15125550009", "--tenant", "acme"])
        assert unknown.exit_code == 1 and "not a number of this Twilio account" in unknown.output


def test_operator_token_prints_a_token_and_the_hash_that_accepts_it():
    from api.operator import is_operator_token

    result = runner.invoke(app, ["operator-token"])
    assert result.exit_code == 0
    token = result.output.split("stored anywhere): ")[1].split()[0]
    digest = result.output.split("HARDE_OPERATOR_TOKEN_HASH=")[1].split()[0]
    assert token.startswith("hdo_") and is_operator_token(token, digest)


def test_leap_check_prints_what_the_tenants_leap_answers_and_the_tools_it_loses(monkeypatch):
    from harde.cli_common import run
    from leap_sandbox import create_sandbox_app
    from testkit.servers import serve_in_thread

    leap = create_sandbox_app(rate_limit_per_minute=10_000)  # plays the company's real Leap
    token = "sandbox_company_without_unpublished"
    leap.state.sandbox.set_unpublished(token, enabled=False)
    with serve_in_thread(leap) as base:
        monkeypatch.setenv("LEAP_BASE_URL", f"{base}/api/v3")
        assert runner.invoke(app, ["tenant", "create", "acme", "--name", "Acme"]).exit_code == 0
        unplugged = runner.invoke(app, ["leap", "check", "--tenant", "acme"])
        run(lambda session: session.tenants.set_leap_token("acme", token, verified_at=None))

        result = runner.invoke(app, ["leap", "check", "--tenant", "acme"], terminal_width=200)

    assert unplugged.exit_code == 1 and "has not connected Leap" in unplugged.output
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") > 4}
    assert "published" in rows["customers"] and "yes" in rows["customers"]
    assert (
        "unpublished" in rows["text_send"]
        and " no " in rows["text_send"]
        and "send_text" in rows["text_send"]
    )
    assert "Not offered for acme:" in result.output and "send_text" in result.output.split("Not offered")[1]
    writes = [r for r in leap.state.sandbox.requests(token) if r.method != "GET"]
    assert writes == []  # the check only reads
    assert runner.invoke(app, ["leap", "check", "--tenant", "nobody"]).exit_code == 1
    assert "read-only" in runner.invoke(app, ["leap", "check", "--help"]).output.lower()


def test_openapi_prints_the_document_the_web_app_s_client_is_generated_from():
    result = runner.invoke(app, ["openapi"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["openapi"].startswith("3.")
    assert "/v1/tenants/{tenant_id}/users" in document["paths"]


def test_reset_password_says_what_is_wrong_with_exit_1_and_needs_its_arguments():
    assert runner.invoke(app, ["tenant", "create", "acme", "--name", "Acme Roofing"]).exit_code == 0
    dana = ["--tenant", "acme", "--name", "Dana", "--email", "dana@acme.example"]
    added = runner.invoke(app, ["user", "add", *dana])
    assert added.exit_code == 0, added.output

    help_text = runner.invoke(app, ["user", "reset-password", "--help"])
    no_tenant = runner.invoke(app, ["user", "reset-password", "--tenant", "nope", "dana@acme.example"])
    no_user = runner.invoke(app, ["user", "reset-password", "--tenant", "acme", "bo@acme.example"])
    missing = runner.invoke(app, ["user", "reset-password", "dana@acme.example"])
    made = runner.invoke(app, ["user", "reset-password", "--tenant", "acme", "dana@acme.example"])

    assert help_text.exit_code == 0 and "one-time link" in help_text.output
    assert no_tenant.exit_code == 1 and "nope" in no_tenant.output
    assert no_user.exit_code == 1 and "harde user list --tenant acme" in " ".join(no_user.output.split())
    assert missing.exit_code == 2
    assert made.exit_code == 0, made.output
    assert made.stdout.strip().startswith("http://localhost:8000/app/set-password?token=hdp_")
    assert "valid until" in made.stderr
