FROM python:3.11-slim

# DEBUG=0 for manage.py too (it defaults to DEBUG=1 for developers): the image is production.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 DEBUG=0
WORKDIR /app
# DejaVu renders Arabic and accented names on printed badges (admin "Print badges").
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic needs settings to load; the build-time key is thrown away with the layer.
RUN DEBUG=0 SECRET_KEY=build-only-not-used-at-runtime python manage.py collectstatic --no-input \
    && useradd --create-home makeplus && mkdir -p /app/media && chown makeplus /app/media
USER makeplus

EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --no-input && exec gunicorn -c makeplus/gunicorn.conf.py makeplus.wsgi:application"]
