FROM rasa/rasa-sdk:3.6.2
WORKDIR /app
COPY actions ./actions
ENV PYTHONPATH=/app
CMD ["start", "--actions", "actions"]
