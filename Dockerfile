FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY crm crm
COPY intel intel
COPY leads leads
COPY manage.py ./
RUN pip install --no-cache-dir .
RUN useradd --create-home intel && chown -R intel /app
USER intel
EXPOSE 8000
