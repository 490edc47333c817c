-- nianbao's built-in renderer: a Pandoc process that writes reports, one after another.
-- For each report it reads the Markdown once and writes each of its outputs (the typst
-- source of the PDF, the DOCX, the HTML page whose stylesheet and charts are then put
-- inline), each with the filter applied as `pandoc --lua-filter` applies it for that format.
-- Run as `pandoc lua writers.lua`; each line of standard input is one job, a JSON object:
--   { "dir": "/tmp/…", "input": "report.md", "reader": "markdown-…", "filter": ".../nianbao.lua",
--     "outputs": [ { "id": "html", "format": "html5", "standalone": true, "wrap": "none",
--                    "file": "report.page.html", "variables": { "lang": "zh-CN", "css": [ "…" ] } },
--                  { "id": "pdf", "format": "typst", "file": "report.typ",
--                    "template": ".../official.typ", "variables": { "papersize": "a4", … } },
--                  { "id": "docx", "format": "docx", "file": ".../report.docx", "reference_doc": ".../reference.docx" } ] }
-- The job runs in its folder `dir` (relative paths, the charts the DOCX takes in). Each
-- output is answered on its own line, {"written": id}, once its file is written, so that
-- the caller can go on with it (compile the PDF) while the next one is written; then
-- {"done": true}, or {"error": "…"} (Pandoc's message) when the job failed. The process
-- ends when its input does.

local function read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

local function answer(reply)
  io.stdout:write(pandoc.json.encode(reply), "\n")
  io.stdout:flush()
end

-- Templates compiled once a process, keyed by their text: one edited between two
-- reports (an analyst's preview) is compiled again.
local compiled = {}
local function template(text, path)
  if not compiled[text] then
    compiled[text] = pandoc.template.compile(text, path)
  end
  return compiled[text]
end

-- The filter compiled once a process, keyed by its text as the templates are; run afresh for
-- each output (it defines its functions anew, as `--lua-filter` loads it).
local chunks = {}
local function filters(path)
  local text = read(path)
  if not chunks[text] then
    chunks[text] = assert(load(text, "@" .. path))
  end
  return chunks[text]()
end

local function run(job)
  local doc = pandoc.read(read(job.input), job.reader)
  for _, out in ipairs(job.outputs) do
    FORMAT = out.format -- what the filter asks, as under --lua-filter
    local filtered = doc:clone()
    for _, filter in ipairs(filters(job.filter)) do
      filtered = filtered:walk(filter)
    end
    local options = { variables = out.variables or {}, wrap_text = out.wrap or "auto" }
    if out.template then
      options.template = template(read(out.template), out.template)
    elseif out.standalone then -- Pandoc's own template for the format, as `pandoc -s`
      options.template = template(pandoc.template.default(out.format))
    end
    if out.reference_doc then
      options.reference_doc = out.reference_doc
    end
    local f = assert(io.open(out.file, "wb"))
    f:write(pandoc.write(filtered, out.format, options))
    f:close()
    answer({ written = out.id or out.format })
  end
end

for line in io.lines() do
  local job = pandoc.json.decode(line, false)
  local done, err = false, "not a job: " .. line:sub(1, 80)
  if type(job) == "table" then
    done, err = pcall(pandoc.system.with_working_directory, job.dir, function() run(job) end)
  end
  answer(done and { done = true } or { error = tostring(err) })
end
