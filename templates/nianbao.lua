-- nianbao's Pandoc filter: the report's own blocks, for every output format.
-- Used by nianbao's built-in renderer and listed in _quarto.yml for Quarto.
--   ::: {.recipient}   主送机关 line, flush left
--   ::: {.signature}   issuer and date, right-hand blocks under the body
--   ::: {.attachment}  the 附件 mark; the attachment starts on a new page
--   ::: {.caption}     a table or figure title, centred
--   ::: {.chart}       a chart image, centred
--   ::: {.note}        the data note, in the table's smaller size
--   ::: {.table-note}  the line under a table's caption (统计口径), kept with the table
--   # Title {.attachment-title}   the attachment's title
--   ::: {.evidence}    核对明细: the rows behind each figure (HTML only; see the end)
--   ::: {.ev-table}    a table whose figures link to their evidence in HTML

-- Kept together, so that no page holds a few stray lines: the last paragraph of the
-- body with the 附件 line and the signature; the last chart (and its caption) with the
-- data note after it.

-- Quarto wraps each notebook cell and each output in a Div (.cell,
-- .cell-output, .cell-output-display), which its typst writer emits as
-- #block[...]; a caption's `sticky` then holds only inside its own block and a
-- chart can start a page without its caption; in DOCX, keeping blocks together
-- would not see the blocks inside them. In every format these wrappers are
-- unwrapped, so Quarto's document is the built-in renderer's.

-- class = { DOCX paragraph style, typst function (templates/official.typ) }
local blocks = {
  recipient = { "Recipient", "recipient" },
  signature = { "Signature Block", "signature" },
  attachment = { "Attachment Mark", "attachment-mark" },
  caption = { "Caption Centered", "caption" },
  chart = { "Chart", "chart" },
  ["attachment-note"] = { "Attachment Note", "attachment-note" },
  note = { "Data Note", "note" },
  ["table-note"] = { "Table Note", "table-note" },
}

-- Chinese punctuation on the grid (typst): each run of these marks in the text becomes
-- a call of the template's `marks` (templates/official.typ, which boxes each mark in a
-- full character cell), given the tracking where the run stands: the body's `tracking`,
-- or 0pt in a table or the data note, which the template sets without tracking.
local MARKS = {}
for _, cp in utf8.codes("（“‘《，。、；：？！）”’》") do MARKS[cp] = true end

-- A typst string literal.
local function typst_string(text)
  return '"' .. text:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

-- The pieces of `text` in order, each { text, true for a run of marks }.
local function mark_runs(text)
  local pieces, from, in_run = {}, 1, false
  for at, cp in utf8.codes(text) do
    local mark = MARKS[cp] == true
    if mark ~= in_run then
      if at > from then table.insert(pieces, { text:sub(from, at - 1), in_run }) end
      from, in_run = at, mark
    end
  end
  if from <= #text then table.insert(pieces, { text:sub(from), in_run }) end
  return pieces
end

-- A run of marks as the template's `marks` call, at `tracking`.
local function marks_call(run, tracking)
  return "#marks(" .. typst_string(run) .. ", " .. tracking .. ");"
end

local function typst_marks(tracking)
  local function split(el)
    local out, found = {}, false
    for _, piece in ipairs(mark_runs(el.text)) do
      if piece[2] then
        found = true
        table.insert(out, pandoc.RawInline("typst", marks_call(piece[1], tracking)))
      else
        table.insert(out, pandoc.Str(piece[1]))
      end
    end
    if found then return out end -- no mark: nil, the Str as it is
  end
  return {
    traverse = "topdown",
    Image = function(el) return el, false end, -- its description is not set on the page
    Str = split,
  }
end

-- The same calls written into typst text whose marks are all in its text (none in a string of typst's).
local function marks_in_text(text, tracking)
  local out = {}
  for _, piece in ipairs(mark_runs(text)) do
    table.insert(out, piece[2] and marks_call(piece[1], tracking) or piece[1])
  end
  return table.concat(out)
end

local function known_class(el)
  for _, cls in ipairs(el.classes) do
    if blocks[cls] then return blocks[cls] end
  end
  return nil
end

local function has_class(b, cls)
  return b and b.t == "Div" and b.classes:includes(cls)
end

local function is_chart(b)
  return b and b.t == "Para" and #b.content == 1 and b.content[1].t == "Image"
end

-- Replace blocks[first..last] by one Div of class "keep".
local function group(blocks, first, last)
  local kept = {}
  for i = first, last do table.insert(kept, blocks[i]) end
  for _ = first, last do table.remove(blocks, first) end
  table.insert(blocks, first, pandoc.Div(kept, { class = "keep" }))
end

local function keep_together(doc)
  local b = doc.blocks
  for i = #b, 1, -1 do  -- the data note with the chart (and caption) before it
    if has_class(b[i], "note") then
      local j = i - 1
      if b[j] and b[j].t == "Header" then j = j - 1 end
      if is_chart(b[j]) then
        if has_class(b[j - 1], "caption") then j = j - 1 end
        group(b, j, i)
      end
      break
    end
  end
  for i = #b, 1, -1 do  -- the signature with the 附件 line and the last paragraph above it
    if has_class(b[i], "signature") then
      local j = i - 1
      if has_class(b[j], "attachment-note") then j = j - 1 end
      if b[j] and b[j].t == "Para" then
        if FORMAT:match("docx") then
          b[j] = pandoc.Div({ b[j] }, { ["custom-style"] = "Body Text Kept" })
        end
        group(b, j, i)
      end
      break
    end
  end
  return doc
end

-- Quarto's cell wrappers, dropped in every format (their content stays): a first pass,
-- so that what follows sees the report's blocks as the built-in renderer gives them.
local function quarto_wrapper(el)
  return el.classes:includes("cell") or el.classes:includes("cell-output")
    or el.classes:includes("cell-output-display")
end

local function unwrap_quarto(el)
  if quarto_wrapper(el) then
    return el.content
  end
  return nil
end

function Div(el)
  if el.classes:includes("keep") then
    if FORMAT:match("typst") then
      local out = { pandoc.RawBlock("typst", "#keep[") }
      for _, inner in ipairs(el.content) do table.insert(out, inner) end
      table.insert(out, pandoc.RawBlock("typst", "]"))
      return out
    elseif FORMAT:match("docx") then
      -- a chart followed by what it is kept with gets the style that keeps it with the next paragraph
      for _, inner in ipairs(el.content) do
        if inner.t == "Div" and inner.attributes["custom-style"] == "Chart" then
          inner.attributes["custom-style"] = "Chart Kept"
        end
      end
      return el.content
    end
    return el.content
  end
  local block = known_class(el)
  if not block then return nil end
  if FORMAT:match("docx") then
    el.attributes["custom-style"] = block[1]
    return el
  elseif FORMAT:match("typst") then
    local out = { pandoc.RawBlock("typst", "#" .. block[2] .. "[") }
    local content = el.content
    if block[2] == "note" then content = content:walk(typst_marks("0pt")) end -- set without tracking
    for _, inner in ipairs(content) do table.insert(out, inner) end
    table.insert(out, pandoc.RawBlock("typst", "]"))
    return out
  end
  return nil
end

function Header(el)
  if el.classes:includes("attachment-title") then
    if FORMAT:match("typst") then
      return {
        pandoc.RawBlock("typst", "#attachment-title["),
        pandoc.Plain(el.content),
        pandoc.RawBlock("typst", "]"),
      }
    elseif FORMAT:match("docx") then
      return pandoc.Div({ pandoc.Para(el.content) }, { ["custom-style"] = "Attachment Title" })
    end
  end
  return nil
end

-- Quarto does not honour the reader extension east_asian_line_breaks
-- (quarto-cli#8520): a line break inside a paragraph between two Chinese
-- characters would become a space. Drop it, as the built-in reader does.
local function wide(cp)
  return (cp >= 0x1100 and cp <= 0x115F) or (cp >= 0x2E80 and cp <= 0xA4CF)
    or (cp >= 0xAC00 and cp <= 0xD7A3) or (cp >= 0xF900 and cp <= 0xFAFF)
    or (cp >= 0xFE30 and cp <= 0xFE4F) or (cp >= 0xFF00 and cp <= 0xFF60)
    or (cp >= 0xFFE0 and cp <= 0xFFE6) or (cp >= 0x20000 and cp <= 0x3FFFD)
end

local function edge(str, last)
  if str == nil or str.t ~= "Str" or str.text == "" then return nil end
  local ok, cp = pcall(utf8.codepoint, str.text, last and utf8.offset(str.text, -1) or 1)
  return ok and cp or nil
end

function Inlines(inlines)
  local changed = false
  for i = #inlines - 1, 2, -1 do
    if inlines[i].t == "SoftBreak" then
      local before, after = edge(inlines[i - 1], true), edge(inlines[i + 1], false)
      if before and after and wide(before) and wide(after) then
        inlines:remove(i)
        changed = true
      end
    end
  end
  if changed then return inlines end -- unchanged: nil, and Pandoc keeps the list it has
end

-- A paragraph holding only an image is a chart: centred, full width, with its
-- alternative text (the `alt` attribute nianbao writes, or `fig-alt` as Quarto
-- writes it): the HTML's alt, the DOCX picture's description, typst's `alt:`
-- (pandoc's typst writer drops it; PDF/A-2a and PDF/UA require it).
function Para(el)
  if #el.content == 1 and el.content[1].t == "Image" then
    local img = el.content[1]
    local alt = img.attributes["alt"] or img.attributes["fig-alt"]
    img.attributes["fig-alt"] = nil
    if not img.attributes["width"] then img.attributes["width"] = "100%" end
    if FORMAT:match("docx") then
      img.attributes["width"] = "15cm"
      img.attributes["alt"] = nil
      if alt then img.caption = pandoc.Inlines(alt) end
      return pandoc.Div({ pandoc.Para({ img }) }, { ["custom-style"] = "Chart" })
    elseif FORMAT:match("typst") then
      local body = pandoc.Plain({ img })
      if alt then
        local width = img.attributes["width"]:gsub("^(%d+)%%$", "%1.0%%")
        body = pandoc.RawBlock("typst", "#box(image(" .. typst_string(img.src) .. ", width: " .. width
          .. ", alt: " .. typst_string(alt) .. "))")
      end
      return { pandoc.RawBlock("typst", "#chart["), body, pandoc.RawBlock("typst", "]") }
    end
    if alt then img.attributes["alt"] = alt end
    return pandoc.Div({ pandoc.Para({ img }) }, { class = "chart" })
  end
  return nil
end

-- Evidence (核对明细) is for the HTML report only. In HTML each figure of a table
-- wrapped in ::: {.ev-table keys="id id …"} (one indicator id per body row)
-- links each figure to #ev-<id>-<span>, an anchor of the section ::: {.evidence}.
-- spans="value prior - previous -" names the span of columns 2, 3, … ("-": no
-- link); without it, column 2 is value (本期) and column 3 prior (上年同期). The PDF and DOCX get the plain table
-- and leave the section out; links written [15](#ev-…){.ev} become plain text.
local function ev_link(cell, key, span)
  local text = pandoc.utils.stringify(cell.contents)
  if text == "" or text == "—" then return end
  local inlines = pandoc.utils.blocks_to_inlines(cell.contents)
  cell.contents = { pandoc.Plain({ pandoc.Link(inlines, "#ev-" .. key .. "-" .. span, "", pandoc.Attr("", { "ev" })) }) }
end

local function link_table(el)
  local keys, spans = {}, {}
  for key in (el.attributes["keys"] or ""):gmatch("%S+") do table.insert(keys, key) end
  for span in (el.attributes["spans"] or "value prior"):gmatch("%S+") do table.insert(spans, span) end
  for _, blk in ipairs(el.content) do
    if blk.t == "Table" then
      for _, body in ipairs(blk.bodies) do
        for i, row in ipairs(body.body) do
          if keys[i] then
            for c, span in ipairs(spans) do
              if span ~= "-" and row.cells[c + 1] then ev_link(row.cells[c + 1], keys[i], span) end
            end
          end
        end
      end
    end
  end
end

function Link(el)
  if el.classes:includes("ev") and not FORMAT:match("html") then
    return el.content
  end
  return nil
end

-- The section's paragraphs come as HTML already (helpers.words.evidence writes them,
-- every ledger text escaped), in a code block of class evidence-html: raw HTML
-- in HTML, nothing elsewhere. Pandoc reads a code block at once, where it would
-- take a while over the same paragraphs written as Markdown.
local function evidence_html(el)
  if el.classes:includes("evidence-html") then
    if FORMAT:match("html") then return pandoc.RawBlock("html", el.text) end
    return {}
  end
  return nil
end

local filter_div = Div
function Div(el)
  if el.classes:includes("evidence") and not FORMAT:match("html") then
    return {}
  end
  if el.classes:includes("ev-table") then
    if FORMAT:match("html") then link_table(el) end
    return el.content
  end
  return filter_div(el)
end

-- The most each column's cells take on one line, in ems of the table's text, and the
-- number of rows, for report-table (templates/official.typ), which then need not measure
-- a table that surely fits. A character takes at most 1em (Chinese, the marks, ASCII, — … ·),
-- and typst puts 1/4em between Chinese and Latin; nothing is said (nil) of a table with a
-- cell that spans, holds more than one line or anything but such text.
local ONE_EM = { [0x2014] = true, [0x2026] = true, [0x00B7] = true } -- — … · (a full cell at most)

-- A cell's text when it is plain text on one line (nil for anything else).
local PLAIN = { Str = true, Space = true, SoftBreak = true, Strong = true, Emph = true, Span = true, Link = true }
local function plain_text(inlines, out)
  for _, il in ipairs(inlines) do
    local t = il.t
    if not PLAIN[t] then return nil end
    if t == "Str" then table.insert(out, il.text)
    elseif t == "Space" or t == "SoftBreak" then table.insert(out, " ")
    elseif not plain_text(il.content, out) then return nil end
  end
  return out
end

local function cell_ems(blocks)
  if #blocks == 0 then return 0 end
  local first = blocks[1]
  if #blocks > 1 or (first.t ~= "Plain" and first.t ~= "Para") then return nil end
  local parts = plain_text(first.content, {})
  if not parts then return nil end
  local ems, last = 0, nil
  for _, cp in utf8.codes(table.concat(parts)) do
    local class
    if cp >= 0x21 and cp <= 0x7E then class = "latin"
    elseif cp == 0x20 then class = "space"
    elseif wide(cp) or MARKS[cp] or ONE_EM[cp] then class = "wide"
    else return nil end
    ems = ems + 1
    if (class == "latin" and last == "wide") or (class == "wide" and last == "latin") then ems = ems + 0.25 end
    last = class
  end
  return ems
end

local function table_ems(el)
  local n, widest, rows = #el.colspecs, {}, 0
  for i = 1, n do widest[i] = 0 end
  local function visit(list)
    for _, row in ipairs(list) do
      rows = rows + 1
      if #row.cells ~= n then return false end
      for c, cell in ipairs(row.cells) do
        local ems = (cell.col_span == 1 and cell.row_span == 1) and cell_ems(cell.contents) or nil
        if not ems then return false end
        widest[c] = math.max(widest[c], ems)
      end
    end
    return true
  end
  local known = visit(el.head.rows) and visit(el.foot.rows)
  for _, body in ipairs(el.bodies) do known = known and visit(body.head) and visit(body.body) end
  if not known then return "" end
  local ems = {}
  for i = 1, n do ems[i] = string.format("%g", widest[i]) end
  return "ems: (" .. table.concat(ems, ", ") .. (n == 1 and "," or "") .. "), rows: " .. rows .. ", "
end

-- typst: every table through the template's `report-table`, which sizes its columns
-- and keeps it whole once (a show rule that rebuilt the table nested one table in
-- another, which PDF/UA refuses); the same typst after either engine (Quarto's
-- writer has bare tables, pandoc's wraps them in a figure).
local function typst_table(el)
  if not FORMAT:match("typst") then return nil end
  local hint = table_ems(el)
  local text
  if hint ~= "" and #el.caption.long == 0 then
    -- plain text in every cell and no caption: the marks in its typst are those of its cells'
    -- text, set without tracking; marked there, without a walk through every cell (a link's
    -- target is not text: such a table is walked)
    text = pandoc.write(pandoc.Pandoc({ el }), "typst")
    text = not text:find("#link(", 1, true) and marks_in_text(text, "0pt") or nil
  end
  if not text then
    local long = el.caption.long -- outside the table: the body's tracking
    el = el:walk(typst_marks("0pt")) -- its cells are set without tracking
    local caption = el.caption
    caption.long = long:walk(typst_marks("tracking"))
    el.caption = caption
    text = pandoc.write(pandoc.Pandoc({ el }), "typst")
  end
  local renamed, count = text:gsub("#table%(", "#report-table(" .. hint:gsub("%%", "%%%%"), 1)
  if count ~= 1 then return nil end
  return pandoc.RawBlock("typst", renamed)
end

-- typst: the marks of the rest of the text (tables and the data note have theirs by now)
-- and of the title's lines, at the body's tracking; not the document's title (a string).
local function typst_body_marks(doc)
  if not FORMAT:match("typst") then return nil end
  local body = typst_marks("tracking")
  doc.blocks = doc.blocks:walk(body)
  local lines = doc.meta["title-lines"]
  if lines then
    for i, line in ipairs(lines) do
      if pandoc.utils.type(line) == "Inlines" then lines[i] = line:walk(body) end
    end
    doc.meta["title-lines"] = lines
  end
  return doc
end

return {
  { Div = unwrap_quarto, CodeBlock = evidence_html },
  { Pandoc = keep_together },
  { Div = Div, Header = Header, Para = Para, Inlines = Inlines, Link = Link },
  { Table = typst_table },
  { Pandoc = typst_body_marks },
}
