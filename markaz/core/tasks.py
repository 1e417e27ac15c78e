from django_tasks import task


@task()
def outbox_deliver_task() -> dict:
    """Deliver what is due in the outbox now (queued by `otp_issue`, so a code arrives at once
    where the background worker runs; elsewhere `send_outbox` delivers it on its next run)."""
    from .outbox import outbox_deliver

    result = outbox_deliver(limit=100)
    return {"sent": result.sent, "failed": result.failed, "retried": result.retried}
