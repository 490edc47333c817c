-- nianbao's built-in renderer: one Pandoc process reads a report's Markdown once and
-- writes each of its outputs (the typst source of the PDF, the DOCX, the HTML page whose
-- stylesheet and charts are then put inline), each with the filter applied as
-- `pandoc --lua-filter` applies it for that format.
-- Run as `pandoc lua writers.lua` in the Markdown's folder; the job is one JSON object on
-- standard input:
--   { "input": "report.md", "reader": "markdown-…", "filter": ".../nianbao.lua",
--     "outputs": [ { "id": "html", "format": "html5", "standalone": true, "wrap": "none",
--                    "file": "report.page.html", "variables": { "lang": "zh-CN", "css": [ "…" ] } },
--                  { "id": "pdf", "format": "typst", "file": "report.typ",
--                    "template": ".../official.typ", "variables": { "papersize": "a4", … } },
--                  { "id": "docx", "format": "docx", "file": ".../report.docx", "reference_doc": ".../reference.docx" } ] }
-- Each output's id is printed on its own line once its file is written, so that the
-- caller can go on with it (compile the PDF) while the next one is written.

local job = pandoc.json.decode(io.read("a"), false)

local function read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

local doc = pandoc.read(read(job.input), job.reader)

for _, out in ipairs(job.outputs) do
  FORMAT = out.format -- what the filter asks, as under --lua-filter
  local filtered = doc:clone()
  for _, filter in ipairs(dofile(job.filter)) do
    filtered = filtered:walk(filter)
  end
  local options = { variables = out.variables or {}, wrap_text = out.wrap or "auto" }
  if out.template then
    options.template = pandoc.template.compile(read(out.template), out.template)
  elseif out.standalone then -- Pandoc's own template for the format, as `pandoc -s`
    options.template = pandoc.template.compile(pandoc.template.default(out.format))
  end
  if out.reference_doc then
    options.reference_doc = out.reference_doc
  end
  local f = assert(io.open(out.file, "wb"))
  f:write(pandoc.write(filtered, out.format, options))
  f:close()
  io.stdout:write(out.id or out.format, "\n")
  io.stdout:flush()
end
