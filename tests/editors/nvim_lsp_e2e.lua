-- Headless Neovim as a real LSP client of the spawnguard server (Neovim >= 0.10).
--   SERVER_PY=python nvim --headless --clean -n -i NONE -u NONE -c 'luafile nvim_lsp_e2e.lua' job.py
-- Prints DIAG/ACTION/HOVER lines, applies the preferred code action of the SPG101
-- diagnostic, writes the buffer, waits until SPG101 is gone, prints OK; exits 1 with
-- "FAIL: ..." otherwise.
local python = os.getenv("SERVER_PY")
local function out(text) io.stdout:write(text .. "\n") end
local function fail(message)
  out("FAIL: " .. message)
  vim.cmd("cquit 1")
end

local function codes(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do found[d.code] = d end
  return found
end

local ok, err = pcall(function()
  local bufnr = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start({
    name = "spawnguard",
    cmd = { python, "-m", "spawnguard.server", "--stdio" },
    root_dir = vim.fn.getcwd(),
  }, { bufnr = bufnr })
  assert(client_id, "could not start the server")
  local client = vim.lsp.get_client_by_id(client_id)

  if not vim.wait(20000, function() return codes(bufnr)["SPG101"] ~= nil end, 50) then
    return fail("no SPG101 diagnostic within 20s")
  end
  out("ENCODING " .. client.offset_encoding)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    out(string.format("DIAG %s %d:%d-%d:%d", d.code, d.lnum, d.col, d.end_lnum, d.end_col))
  end

  local start = codes(bufnr)["SPG101"]
  local lsp_diagnostic = start.user_data.lsp
  local uri = vim.uri_from_bufnr(bufnr)
  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", {
    textDocument = { uri = uri },
    range = lsp_diagnostic.range,
    context = { diagnostics = { lsp_diagnostic }, only = { "quickfix" } },
  }, 10000)
  local preferred
  for _, response in pairs(responses or {}) do
    if response.err then return fail("codeAction error: " .. vim.inspect(response.err)) end
    for _, action in ipairs(response.result or {}) do
      out("ACTION " .. action.title .. (action.isPreferred and " [preferred]" or ""))
      if action.isPreferred and preferred == nil then preferred = action end
    end
  end
  if preferred == nil then return fail("no preferred code action") end

  local hovers = vim.lsp.buf_request_sync(bufnr, "textDocument/hover", {
    textDocument = { uri = uri },
    position = lsp_diagnostic.range.start,
  }, 20000)
  local hover_text
  for _, response in pairs(hovers or {}) do
    if response.result and response.result.contents then
      hover_text = response.result.contents.value
    end
  end
  if not hover_text then return fail("no hover") end
  out("HOVER " .. hover_text:gsub("\n", " | "):sub(1, 200))

  vim.lsp.util.apply_workspace_edit(preferred.edit, client.offset_encoding)
  vim.cmd("silent write")
  if not vim.wait(20000, function() return codes(bufnr)["SPG101"] == nil end, 50) then
    return fail("SPG101 still reported after the fix")
  end
  out("AFTER " .. table.concat(vim.tbl_keys(codes(bufnr)), ","))

  vim.lsp.stop_client(client_id)
  vim.wait(5000, function() return vim.lsp.get_client_by_id(client_id) == nil end, 50)
  out("OK")
end)
if not ok then fail(tostring(err)) end
vim.cmd("qall!")
