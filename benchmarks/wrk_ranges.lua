-- wrk script: GET `path` with a random, aligned Range of RANGE_BYTES inside FILE_SIZE.
-- Usage: wrk -s wrk_ranges.lua URL -- <file_size> <range_bytes>
local file_size, range_bytes

function init(args)
  file_size = tonumber(args[1])
  range_bytes = tonumber(args[2])
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
end

function request()
  local slots = math.floor(file_size / range_bytes)
  local first = math.random(0, slots - 1) * range_bytes
  local last = first + range_bytes - 1
  return wrk.format("GET", nil, { Range = "bytes=" .. first .. "-" .. last })
end
