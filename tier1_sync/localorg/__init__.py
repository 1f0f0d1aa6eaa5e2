"""The embedded local org: a Salesforce stand-in on loopback (SPEC §7).

HTTPS on 127.0.0.1, SQLite storage, the REST API (records, collections, query, describe,
limits), the Metadata API deploy calls and Bulk API 2.0 ingest; schema only from what is
deployed to it. It answers like Salesforce, errors included, and refuses what it does not
support instead of answering wrongly.
"""
