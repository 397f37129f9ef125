"""`pixelhelper crawl`: many sites, one Dask task each (a proxy and a browser per site).

`sites` reads the site list, `visit` is the child process that browses one site through its
own proxy, `task` runs a visit under a deadline and audits its capture (one plain-dict row),
`store` keeps `results.jsonl` (resume, one row per site), `cluster` opens the Dask client
(an embedded `LocalCluster` or an existing scheduler), `run` drives the crawl and `summary`
sums it up. `parallel` runs big file audits on the same engine.
"""
