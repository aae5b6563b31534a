-- trees.lua -- binary trees (Benchmarks Game style).  Twin of trees.c; runs
-- on lua5.4 and LuaJIT.  A node is the idiomatic Lua record { left, right };
-- a leaf is {} (its children are nil).  Prints "trees(15) = 6444382".

local SIZE, MIN_DEPTH = 15, 4

local function make(depth)
  if depth == 0 then return {} end
  local left = make(depth - 1)
  return { left, make(depth - 1) }
end

local function check(tree)
  if tree[1] == nil then return 1 end
  return 1 + check(tree[1]) + check(tree[2])
end

local total = check(make(SIZE + 1))
local long_lived = make(SIZE)
for d = MIN_DEPTH, SIZE, 2 do
  local iterations = 2 ^ (SIZE - d + MIN_DEPTH)
  for _ = 1, iterations do total = total + check(make(d)) end
end
total = total + check(long_lived)
print(string.format("trees(%d) = %d", SIZE, total))
