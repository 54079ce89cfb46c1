"""Teaching the assistant new questions: topics comms add, examples from
the "what we could not answer" page, training runs with a quality gate,
and the model the Rasa servers pull (Rasa's model server protocol)."""
