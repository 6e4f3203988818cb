-- wrk script for bench/run. Arguments (after `--`):
--   1: a file of Authorization header values, one per line ("-" for none); requests rotate over them
--   2: HTTP method (GET or POST)
--   3: path
--   4: JSON body for POST ("" for none)
--   5: a prefix unique to this wrk invocation: with a POST each request sends a fresh Idempotency-Key
-- Prints one line for bench/run to read: "WRK_RESULT requests seconds p50_ms p99_ms non2xx socket_errors".

local counter = 0
local threads = {}

function setup(thread)
   thread:set("thread_id", #threads + 1)
   table.insert(threads, thread)
end

function init(args)
   auths = {}
   if args[1] ~= "-" then
      for line in io.lines(args[1]) do
         if line ~= "" then table.insert(auths, line) end
      end
   end
   method = args[2]
   path = args[3]
   body = args[4] ~= "" and args[4] or nil
   prefix = args[5]
   -- Spread the threads over the accounts so that they do not start on the same one.
   counter = thread_id * 7919
end

function request()
   counter = counter + 1
   local headers = {}
   if #auths > 0 then headers["Authorization"] = auths[counter % #auths + 1] end
   if method == "POST" then
      headers["Content-Type"] = "application/json"
      headers["Idempotency-Key"] = string.format("%s-%d-%d", prefix, thread_id, counter)
   end
   return wrk.format(method, path, headers, body)
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format("WRK_RESULT %d %.3f %.3f %.3f %d %d\n", summary.requests, summary.duration / 1e6,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end
