-- wrk script: one 1 KiB drop per request, with the tokens run.sh exports.
wrk.method = "POST"
wrk.body = string.rep("x", 1024)
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("EDGEBENCH_TOKEN")
wrk.headers["X-Cdn-Token"] = "Bearer " .. os.getenv("EDGEBENCH_CDN_TOKEN")
