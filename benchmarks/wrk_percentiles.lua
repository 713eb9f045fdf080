-- Prints one machine-readable line with the latency percentiles wrk's --latency omits (p95).
done = function(summary, latency, requests)
  io.write(string.format(
    "RESULT p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f requests=%d seconds=%.3f non2xx=%d errors=%d\n",
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
