"""One turn of a conversation, whatever the channel: web chat and SMS (and
any channel after them) call `api.turns.turn`, never each other.

- conversation.py: the pseudonymous Rasa sender id and its episodes;
- rasa.py: the one module that talks to Rasa's REST channel;
- starts.py / models.py: when each conversation started (weekly figures);
- turn.py: send a family's message to Rasa, and put it on their open
  request for help once they have been handed over.
"""
