# The site's image: gunicorn with deploy/gunicorn.conf.py, static files
# collected. It never migrates on start: `manage.py migrate` is the release
# step, run once per release from this same image (docker-compose.yml's
# `migrate` service), before the new web containers start.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Hashed names with Brotli and gzip copies, made once here and served by
# WhiteNoise. The built Tailwind CSS is committed, so no Node is needed.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=collectstatic-only python manage.py collectstatic --no-input

RUN useradd --create-home --shell /usr/sbin/nologin community
USER community

# gunicorn listens on the container's every interface so that nginx, in
# another container, reaches it; docker-compose.yml publishes nginx's port
# only.
ENV GUNICORN_BIND=0.0.0.0:8000
EXPOSE 8000
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py"]
