# Rasa with the project's own spaCy pipeline and a model trained at build
# time. Packages the bot/ code imports beyond the base image (google-re2 for
# the crisis rules) come from requirements/images/rasa.lock.
FROM rasa/rasa:3.6.21-full
WORKDIR /app
USER root
COPY requirements/images/rasa.lock requirements/images/rasa.lock
RUN pip install --no-cache-dir -r requirements/images/rasa.lock
COPY --chown=1001 config.yml domain.yml endpoints.yml credentials.yml ./
COPY --chown=1001 bot ./bot
# The encrypted tracker store derives its keys as the api does (api/crypto.py).
COPY --chown=1001 api/__init__.py api/crypto.py ./api/
COPY --chown=1001 data ./data
RUN python -m bot.build_spacy build/spacy/familyhub_en \
 && rasa train --data data/nlu data/rules.yml --fixed-model-name current --out models \
 && chmod -R g=u /app
USER 1001
ENV PYTHONPATH=/app
