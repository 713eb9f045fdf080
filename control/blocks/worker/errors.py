"""The worker block's domain errors: stable codes, fitting statuses."""

from __future__ import annotations

from shared.errors import WsoptvError


class JobError(WsoptvError):
    code = "JOB_ERROR"
    status = 400


class JobNotFound(JobError):
    code = "JOB_NOT_FOUND"
    status = 404


class JobNotRetryable(JobError):
    """Only a failed, dead or cancelled job runs again (details.status: what it is)."""

    code = "JOB_NOT_RETRYABLE"
    status = 409


class JobNotCancellable(JobError):
    """The job has ended already (details.status)."""

    code = "JOB_NOT_CANCELLABLE"
    status = 409


class JobAlreadyQueued(JobError):
    """Retrying would run the same work twice: it is queued or running (details.job_id)."""

    code = "JOB_ALREADY_QUEUED"
    status = 409
