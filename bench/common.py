"""Shared set-up for benchmarks: Django on a dedicated PostgreSQL database, and the machine's description."""

import contextlib
import os
import platform
import subprocess


def setup_django(default_url: str = "postgres://postgres@127.0.0.1:5432/bench") -> str:
    """Point Django at the benchmark database (created if missing), migrate it, and return its URL."""
    url = os.environ.get("BENCH_DATABASE_URL", default_url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    if url.startswith("postgres"):
        import psycopg

        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), cpu)
    memory = subprocess.run(["free", "-g"], capture_output=True, text=True).stdout.split("\n")[1].split()[1]
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB, Python {platform.python_version()}"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def copy_instances(model, instances) -> int:
    """Write unsaved model instances with one COPY (PostgreSQL) or bulk_create (elsewhere), every
    concrete column but the auto primary key taken from the model: its defaults, auto_now stamps and
    JSON encoding. A column added to the model later gets its default here, so a benchmark's set-up
    never drifts from the schema the way a hand-listed INSERT does. Returns the number of rows."""
    from django.db import connection

    fields = [field for field in model._meta.concrete_fields if not field.primary_key or not field.auto_created]
    fields = [field for field in fields if field is not model._meta.auto_field]
    if connection.vendor != "postgresql":
        objects = list(instances)
        model.objects.bulk_create(objects, batch_size=1000)
        return len(objects)
    from psycopg.types.json import Jsonb

    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    json_fields = {index for index, field in enumerate(fields) if field.get_internal_type() == "JSONField"}
    written = 0
    connection.ensure_connection()
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for instance in instances:
            row = []
            for index, field in enumerate(fields):
                value = field.pre_save(instance, add=True)
                if index in json_fields:
                    row.append(None if value is None else Jsonb(value))
                else:
                    row.append(field.get_db_prep_save(value, connection))
            copy.write_row(row)
            written += 1
    return written
