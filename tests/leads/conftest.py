import pytest


@pytest.fixture
def eager_celery():
    """Run tasks in-process for tests about the service path (the real worker has its own test)."""
    from crm.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous
