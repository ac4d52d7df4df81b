"""Leap's wire conventions: bracket-keyed forms, include unwrapping, and error bodies to typed errors."""

from __future__ import annotations

import httpx
import pytest

from crm_leap.errors import (
    LeapArchivedJob,
    LeapAuthError,
    LeapEndpointMissing,
    LeapNotFound,
    LeapRateLimited,
    LeapUnavailable,
    LeapValidationError,
)
from crm_leap.wire import error_for, form_fields, unwrap, unwrap_record


def test_nested_values_become_php_bracket_keys():
    form = form_fields(
        {
            "first_name": "Jane",
            "phones": [{"label": "cell", "number": "3035550101"}],
            "address": {"city": "Denver", "zip": None},
            "job": {"trades": [8, 9], "same_as_customer_address": True},
            "note": None,
        }
    )

    assert form == [
        ("first_name", "Jane"),
        ("phones[0][label]", "cell"),
        ("phones[0][number]", "3035550101"),
        ("address[city]", "Denver"),
        ("job[trades][]", "8"),
        ("job[trades][]", "9"),
        ("job[same_as_customer_address]", "1"),
    ]


def test_includes_are_unwrapped_whether_wrapped_or_bare():
    record = unwrap_record(
        {
            "id": 5012,
            "customer": {"id": 881, "phones": {"data": [{"id": 1, "number": "3035550101"}]}},
            "reps": {"data": [{"id": 17}]},
            "division": {"data": {"id": 3, "name": "Denver"}},
            "trades": [{"id": 8, "name": "Roofing"}],
        }
    )

    assert record["customer"]["phones"] == [{"id": 1, "number": "3035550101"}]
    assert record["reps"] == [{"id": 17}]
    assert record["division"] == {"id": 3, "name": "Denver"}
    assert record["trades"] == [{"id": 8, "name": "Roofing"}]
    assert unwrap({"id": 1, "data": "kept"}) == {"id": 1, "data": "kept"}


def _response(status: int, body: object = None, text: str | None = None, **headers: str) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def test_validation_errors_keep_each_field_message():
    error = error_for(
        _response(
            412,
            {
                "error": {
                    "status_code": 412,
                    "validation": {"phones.0.label": ["The selected phones.0.label is invalid."]},
                    "message": "Validation Failed",
                }
            },
        ),
        "create customer",
    )

    assert isinstance(error, LeapValidationError)
    assert error.fields == {"phones.0.label": ["The selected phones.0.label is invalid."]}
    assert str(error) == "Validation Failed: phones.0.label: The selected phones.0.label is invalid."


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (_response(401, {"error": {"status_code": 401, "message": "Unauthenticated."}}), LeapAuthError),
        (_response(403, {"error": {"status_code": 403, "message": "Access Forbidden"}}), LeapAuthError),
        (
            _response(412, {"error": {"status_code": 412, "message": "This job has been archived."}}),
            LeapArchivedJob,
        ),
        (_response(412, {"error": {"status_code": 412, "message": "No records found!"}}), LeapNotFound),
        (_response(404, {"error": {"status_code": 404, "message": "Job Not Found"}}), LeapNotFound),
        (_response(404, {"message": "Not found"}), LeapEndpointMissing),
        (_response(405, text="<html>Method Not Allowed</html>"), LeapEndpointMissing),
        (
            _response(429, {"error": {"message": "Too Many Attempts."}}, **{"Retry-After": "7"}),
            LeapRateLimited,
        ),
        (
            _response(
                500, {"error": {"status_code": 500, "message": "x", "error_details": "Too Many Attempts."}}
            ),
            LeapRateLimited,
        ),
        (_response(503, text="<html>Service Unavailable</html>"), LeapUnavailable),
        (
            _response(412, {"error": {"status_code": 412, "message": "Sorry! Job is not awarded."}}),
            LeapValidationError,
        ),
    ],
)
def test_each_failure_becomes_its_own_error_type(response, expected):
    assert type(error_for(response, "an operation")) is expected


def test_a_429_carries_retry_after():
    error = error_for(_response(429, {}, **{"Retry-After": "7"}), "list jobs")

    assert isinstance(error, LeapRateLimited)
    assert error.retry_after == 7.0
