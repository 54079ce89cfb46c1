"""`GET /health`: is each part the api relies on answering?"""
