"""SMS over Twilio: the one package that speaks Twilio (see docs/contracts.md, "SMS").

routes.py        the webhooks /sms/inbound and /sms/status; install_sms(app)
inbound.py       a text arrives: repeats, keywords, store, queue
turns.py         the job that answers a text with the assistant
sender.py        the one sender of every text to a family
policy.py        opt-outs, countries, quiet hours, rate limits
upkeep.py        the cron job: holding texts, lost work, texts kept back
jobs.py          the rq queues, and every committed outbox text to the sender
runtime.py       settings, database, Redis and queues for a process
worker.py        the worker processes (python -m api.sms.worker [--cron])
staff_routes.py  the SMS simulator and texts that went wrong (records.py)
gsm.py joiner.py keywords.py signature.py models.py
"""
