"""Talking to Salesforce orgs: connection, auth, API clients, deploy."""
