-- matmul.lua -- float matrix multiplication.  Twin of matmul.c; runs on
-- lua5.4 and LuaJIT.  Tables are 1-based: C's m[i][j] is m[i+1][j+1] here.
-- Prints "matmul(440) = -15079264777".

local SIZE = 440

local function generate(n, seed)
  local m, scale = {}, seed / n / n
  for i = 0, n - 1 do
    local row = {}
    for j = 0, n - 1 do row[j + 1] = scale * (i - j) * (i + j) end
    m[i + 1] = row
  end
  return m
end

local function multiply(a, b, n)
  local bt = {}                         -- b transposed
  for j = 1, n do
    local column = {}
    for i = 1, n do column[i] = b[i][j] end
    bt[j] = column
  end
  local c = {}
  for i = 1, n do
    local ai, ci = a[i], {}
    for j = 1, n do
      local btj, sum = bt[j], 0.0
      for k = 1, n do sum = sum + ai[k] * btj[k] end
      ci[j] = sum
    end
    c[i] = ci
  end
  return c
end

-- Float to integer, truncating toward zero, as C's (long long) cast does.
local function truncate(x)
  if x < 0 then return math.ceil(x) end
  return math.floor(x)
end

local c = multiply(generate(SIZE, 1.0), generate(SIZE, 2.0), SIZE)
local total = 0.0
for i = 1, SIZE do
  local ci = c[i]
  for j = 1, SIZE do total = total + ci[j] end
end
print(string.format("matmul(%d) = %d", SIZE, truncate(total * 1000.0)))
