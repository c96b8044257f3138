-- xff.lua - wrk script of bench_replicas.sh: rotate.lua's paths, each request
-- with an X-Forwarded-For of a random client address, so that behind nginx
-- (--trusted-proxy) the verifier's per-address limits see many clients, as
-- they would in production, instead of the one load generator.
--   wrk -t2 -c64 -d20s -s xff.lua http://127.0.0.1:PORT -- paths.txt
dofile(debug.getinfo(1, "S").source:sub(2):gsub("xff.lua$", "rotate.lua"))

local rotate_request = request
math.randomseed(os.time())

function request()
  local p = rotate_request()
  return p:gsub("\r\n\r\n$", string.format("\r\nX-Forwarded-For: 10.%d.%d.%d\r\n\r\n",
    math.random(0, 255), math.random(0, 255), math.random(1, 254)), 1)
end
