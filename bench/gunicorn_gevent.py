"""gunicorn's settings for the gevent worker model that make charge --modeles measures: psycopg2
waits for PostgreSQL without blocking the worker's other requests (psycogreen), each request
closes its connection (CONN_MAX_AGE=0, a connection per greenlet would otherwise stay open), and
a worker holds at most 20 requests, so 40 connections at most for the two workers."""

raw_env = ["CONN_MAX_AGE=0"]
worker_connections = 20


def post_fork(server, worker):
    from psycogreen.gevent import patch_psycopg

    patch_psycopg()
