"""CumulusCI custom tasks (the optional `cci` extra: pip install 'tier1-sync[cci]').

`tier1_sync.cumulusci.tasks` wraps the same functions the `tier1` command line runs, with the
CumulusCI org as the connection, so `cumulusci.yml` can put them in flows. Nothing else in
tier1_sync imports this package: tier1_sync works without CumulusCI installed.
"""
