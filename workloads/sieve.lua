-- sieve.lua -- the sieve of Eratosthenes, 20 passes over a fresh table each.
-- Twin of sieve.c; runs on lua5.4 and LuaJIT.  Prints
-- "sieve(1000000) = 1569960" (20 x 78498 primes).

local SIZE, PASSES = 1000000, 20

local function count_primes(n)
  local composite = {}
  for i = 1, n do composite[i] = false end -- from 1, so the table is an array
  local count = 0
  for i = 2, n do
    if not composite[i] then
      count = count + 1
      for j = i * i, n, i do composite[j] = true end
    end
  end
  return count
end

local total = 0
for _ = 1, PASSES do total = total + count_primes(SIZE) end
print(string.format("sieve(%d) = %d", SIZE, total))
