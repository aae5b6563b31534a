-- fib.lua -- recursive Fibonacci: the cost of a call and a return.
-- Twin of fib.c; runs on lua5.4 and LuaJIT.  Prints "fib(36) = 14930352".

local SIZE = 36

local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

print(string.format("fib(%d) = %d", SIZE, fib(SIZE)))
