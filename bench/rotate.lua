-- rotate.lua - wrk script of bench_verifier.sh: each thread rotates over the
-- request paths listed in a file (one a line, given after `--`), starting at
-- a different place, and the run ends with one machine-readable RESULT line.
--   wrk -t2 -c64 -d10s --latency -s rotate.lua http://127.0.0.1:PORT -- paths.txt
local paths = {}
local idx = 1
local nthreads = 0

function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
end

function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  assert(#paths > 0, "rotate.lua: no paths in " .. tostring(args[1]))
  idx = ((tid or 0) * 7919) % #paths + 1
end

function request()
  local p = paths[idx]
  idx = idx % #paths + 1
  return wrk.format("GET", p)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f rps=%.0f p50_us=%d p99_us=%d max_us=%d " ..
    "non2xx3xx=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
