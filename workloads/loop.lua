-- loop.lua -- a tight arithmetic loop: the cost of dispatching simple
-- instructions.  Twin of loop.c; runs on lua5.4 and LuaJIT (whose numbers
-- are doubles: every value here stays below 2^53, so both compute the same
-- integers).  Prints "loop(80000000) = 39959772570".

local SIZE = 80000000

local function loop(n)
  local x, sum = 1, 0
  for i = 1, n do
    x = (x * 48271 + i) % 2147483647
    sum = sum + x % 1000
  end
  return sum
end

print(string.format("loop(%d) = %d", SIZE, loop(SIZE)))
