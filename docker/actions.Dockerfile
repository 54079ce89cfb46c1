# The action server: the official rasa-sdk image, the packages the actions
# import (aiohttp, PyYAML; requirements/images/actions.lock, checked by
# tests/deploy/test_images.py) and the data files they read.
FROM rasa/rasa-sdk:3.6.2
WORKDIR /app
USER root
COPY requirements/images/actions.lock requirements/images/actions.lock
RUN pip install --no-cache-dir -r requirements/images/actions.lock
COPY actions ./actions
COPY data/yes_no_words.yml ./data/yes_no_words.yml
COPY data/family_words.yml ./data/family_words.yml
USER 1001
ENV PYTHONPATH=/app
CMD ["start", "--actions", "actions"]
