"""The emulator's route modules, one per Leap area; `V3_ROUTERS` are mounted under `/api/v3`."""

from __future__ import annotations

from fastapi import APIRouter

from leap_sandbox.routes import (
    appointments,
    company,
    crews,
    customers,
    documents,
    emails,
    financials,
    jobs,
    notes,
    notifications,
    prospects,
    tasks,
    texts,
    workflow,
)

V3_ROUTERS: list[APIRouter] = [
    customers.router,
    prospects.router,
    workflow.router,  # before jobs: `/jobs/stage` must not be read as a job id
    jobs.router,
    notes.router,
    financials.router,
    documents.router,
    company.router,
    appointments.router,
    crews.router,
    tasks.router,
    emails.router,
    texts.router,
    notifications.router,
]
