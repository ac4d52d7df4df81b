"""The Leap sandbox's cross-cutting behaviour (reference §2, §20), over real HTTP with plain httpx.

Auth, envelopes, paging, includes, formats, per-token isolation, seeding and reset: what every
client of Leap relies on, whatever endpoint it calls.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from leap_sandbox import create_sandbox_app
from leap_sandbox.clock import company_now, format_timestamp
from testkit.servers import serve

TOKEN = "sandbox_conventions_a"
OTHER_TOKEN = "sandbox_conventions_b"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def base_url() -> AsyncIterator[str]:
    app = create_sandbox_app(seed=7, rate_limit_per_minute=10_000)
    async with serve(app) as url:
        yield url


@pytest.fixture
async def api(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{base_url}/api/v3", headers=bearer(TOKEN)) as client:
        yield client


# -- auth -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic sandbox_abcdefgh"},
        {"Authorization": "Bearer sandbox_short"},  # fewer than 8 characters after the prefix
        {"Authorization": "Bearer live_abcdefghijkl"},  # not a sandbox token
        {"Authorization": "Bearer sandbox_abc$defghi"},  # character outside [A-Za-z0-9_-]
    ],
)
async def test_requests_without_a_valid_sandbox_token_get_leaps_401_envelope(base_url, headers):
    async with httpx.AsyncClient(base_url=f"{base_url}/api/v3") as client:
        for path in ("/jobs", "/customers/881", "/no/such/route"):
            response = await client.get(path, headers=headers)
            assert response.status_code == 401
            assert response.json() == {"error": {"status_code": 401, "message": "Unauthenticated."}}


async def test_a_well_formed_token_is_accepted_and_gets_rate_limit_headers(api):
    response = await api.get("/workflow/stages")
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "10000"
    assert response.headers["X-RateLimit-Remaining"] == "9999"


async def test_unknown_routes_answer_like_leaps_router(api):
    response = await api.get("/no/such/route")
    assert response.status_code == 404
    assert response.json() == {"message": "Not found"}


# -- envelopes ---------------------------------------------------------------------------------------


async def test_lists_are_paged_with_default_limit_ten_and_fractal_pagination(api):
    body = (await api.get("/jobs")).json()
    assert body["status"] == 200
    assert len(body["data"]) == 10
    pagination = body["meta"]["pagination"]
    assert pagination["per_page"] == 10
    assert pagination["current_page"] == 1
    assert pagination["count"] == 10
    assert pagination["total_pages"] == -(-pagination["total"] // 10)
    assert "previous" not in pagination["links"]
    assert httpx.URL(pagination["links"]["next"]).params["page"] == "2"


async def test_limit_above_one_hundred_is_clamped_not_rejected(api):
    body = (await api.get("/jobs", params={"limit": 500, "with_archived": 1})).json()
    assert body["meta"]["pagination"]["per_page"] == 100
    assert len(body["data"]) == body["meta"]["pagination"]["total"] == 80


async def test_a_single_page_has_empty_links(api):
    body = (await api.get("/divisions")).json()
    assert body["meta"]["pagination"]["links"] == {}
    assert body["meta"]["pagination"]["total_pages"] == 1


async def test_pages_walk_the_whole_list_without_overlap(api):
    seen: list[int] = []
    page = 1
    while True:
        body = (await api.get("/customers", params={"limit": 15, "page": page})).json()
        seen += [customer["id"] for customer in body["data"]]
        if "next" not in body["meta"]["pagination"]["links"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == 50
    assert body["meta"]["pagination"]["links"]["previous"].endswith(f"page={page - 1}")


async def test_a_page_past_the_end_is_empty_not_an_error(api):
    body = (await api.get("/customers", params={"page": 99})).json()
    assert body["data"] == []
    assert body["meta"]["pagination"]["count"] == 0


async def test_config_lists_are_unpaged(api):
    for path in ("/workflow/stages", "/company/trades", "/countries", "/appointments/result_options"):
        body = (await api.get(path)).json()
        assert set(body) == {"data", "status"}, path


async def test_get_one_wraps_the_record_in_data(api):
    body = (await api.get("/customers/881")).json()
    assert set(body) == {"data", "status"}
    assert body["data"]["id"] == 881


async def test_collection_includes_are_wrapped_and_single_includes_are_bare(api):
    job = (await api.get("/jobs", params={"limit": 1, "stages[]": "16916022161341505005"})).json()["data"][0]
    detail = (
        await api.get(
            f"/jobs/{job['id']}",
            params=[("includes[]", name) for name in ("customer", "address", "reps", "trades", "division")],
        )
    ).json()["data"]
    assert detail["customer"]["id"] == detail["customer_id"]
    assert "city" in detail["address"]
    assert detail["division"]["id"] == detail["division_id"]
    assert isinstance(detail["reps"]["data"], list) and detail["reps"]["data"][0]["first_name"]
    assert detail["trades"]["data"][0].keys() == {"id", "name"}


async def test_includes_not_asked_for_are_absent_and_unknown_names_are_ignored(api):
    detail = (await api.get("/customers/881", params={"includes[]": "no_such_thing"})).json()["data"]
    assert "phones" not in detail and "no_such_thing" not in detail


async def test_jobs_carry_stage_codes_as_digit_strings_and_leap_timestamps(api):
    stages = (await api.get("/workflow/stages")).json()["data"]
    assert all(re.fullmatch(r"\d{20}", stage["code"]) for stage in stages)
    for job in (await api.get("/jobs", params={"limit": 100})).json()["data"]:
        assert set(job["current_stage"]) == {"name", "color", "code"}
        assert job["current_stage"]["code"] in {stage["code"] for stage in stages}
        assert TIMESTAMP.match(job["stage_last_modified"])
        assert TIMESTAMP.match(job["created_at"])
        assert job["created_date"] == job["created_at"][:10]
        assert re.fullmatch(r"\d{4}-\d{7}-\d{2}", job["number"])


async def test_wrong_typed_query_parameters_fail_as_412_validation(api):
    response = await api.get("/jobs", params={"customer_id": "abc"})
    assert response.status_code == 412
    assert response.json()["error"]["validation"] == {"customer_id": ["The customer id must be an integer."]}


# -- isolation, seeding, reset ----------------------------------------------------------------------


async def test_each_token_has_its_own_company(base_url):
    async with (
        httpx.AsyncClient(base_url=f"{base_url}/api/v3", headers=bearer(TOKEN)) as first,
        httpx.AsyncClient(base_url=f"{base_url}/api/v3", headers=bearer(OTHER_TOKEN)) as second,
    ):
        before = (await second.get("/jobs/5001/notes")).json()["meta"]["pagination"]["total"]
        written = await first.post("/jobs/5001/notes", data={"note": "Only the first company sees this."})
        assert written.status_code == 200
        assert (await first.get("/jobs/5001/notes")).json()["data"][0][
            "note"
        ] == "Only the first company sees this."
        after = (await second.get("/jobs/5001/notes")).json()
        assert after["meta"]["pagination"]["total"] == before
        assert all(note["note"] != "Only the first company sees this." for note in after["data"])


async def test_same_seed_gives_identical_data_and_another_seed_does_not(base_url):
    async def snapshot(url: str, token: str) -> list[object]:
        async with httpx.AsyncClient(base_url=f"{url}/api/v3", headers=bearer(token)) as client:
            paths = ["/customers", "/jobs", "/appointments", "/company/users"]
            return [
                (await client.get(path, params={"limit": 100, "includes[]": "phones"})).json()
                for path in paths
            ]

    first = await snapshot(base_url, TOKEN)
    assert await snapshot(base_url, OTHER_TOKEN) == first
    async with (
        serve(create_sandbox_app(seed=7)) as same_seed,
        serve(create_sandbox_app(seed=8)) as other_seed,
    ):
        assert await snapshot(same_seed, TOKEN) == first
        assert await snapshot(other_seed, TOKEN) != first


async def test_reset_over_http_reseeds_only_the_calling_token(base_url):
    async with (
        httpx.AsyncClient(base_url=base_url, headers=bearer(TOKEN)) as first,
        httpx.AsyncClient(base_url=base_url, headers=bearer(OTHER_TOKEN)) as second,
    ):
        for client in (first, second):
            await client.put("/api/v3/jobs/5001/archive")
            assert (await client.get("/api/v3/jobs/5001")).status_code == 412
        reset = await first.post("/_sandbox/reset")
        assert reset.json() == {"reset": "token"}
        assert (await first.get("/api/v3/jobs/5001")).status_code == 200
        assert (await second.get("/api/v3/jobs/5001")).status_code == 412
        async with httpx.AsyncClient(base_url=base_url) as anonymous:
            assert (await anonymous.post("/_sandbox/reset")).json() == {"reset": "all"}
        assert (await second.get("/api/v3/jobs/5001")).status_code == 200


async def test_reset_from_python_restores_seeded_data() -> None:
    app = create_sandbox_app()
    async with serve(app) as url, httpx.AsyncClient(base_url=f"{url}/api/v3", headers=bearer(TOKEN)) as api:
        original = (await api.get("/customers/881")).json()["data"]
        update = {
            "first_name": "Changed",
            "last_name": "Name",
            "phones[0][label]": "cell",
            "phones[0][number]": "3035550100",
        }
        assert (await api.put("/customers/881", data=update)).status_code == 200
        app.state.sandbox.reset(TOKEN)
        assert (await api.get("/customers/881")).json()["data"] == original


async def test_openapi_documents_the_control_routes_and_proposed_endpoints(base_url):
    async with httpx.AsyncClient(base_url=base_url) as client:
        schema = (await client.get("/openapi.json")).json()
    paths = schema["paths"]
    assert {"/_sandbox/reset", "/_sandbox/faults", "/_sandbox/requests"} <= set(paths)
    assert "(proposed)" in paths["/api/v3/jobs/stage"]["post"]["summary"]
    assert paths["/api/v3/jobs"]["get"]["security"] == [{"HTTPBearer": []}]


async def test_seeded_jobs_moved_after_creation_and_before_now(api):
    now = format_timestamp(company_now())
    assert now is not None
    for job in (await api.get("/jobs", params={"limit": 100, "with_archived": 1})).json()["data"]:
        assert job["created_at"] <= job["stage_last_modified"] <= now
