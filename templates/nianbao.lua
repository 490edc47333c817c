-- nianbao's Pandoc filter: the report's own blocks, for every output format.
-- Used by nianbao's built-in renderer and listed in _quarto.yml for Quarto.
--   ::: {.recipient}   主送机关 line, flush left
--   ::: {.signature}   issuer and date, right-hand blocks under the body
--   ::: {.attachment}  the 附件 mark; the attachment starts on a new page
--   ::: {.caption}     a table or figure title, centred
--   ::: {.chart}       a chart image, centred
--   ::: {.note}        the data note, in the table's smaller size
--   # Title {.attachment-title}   the attachment's title
--   ::: {.evidence}    核对明细: the rows behind each figure (HTML only; see the end)
--   ::: {.ev-table}    a table whose figures link to their evidence in HTML

-- class = { DOCX paragraph style, typst function (templates/official.typ) }
local blocks = {
  recipient = { "Recipient", "recipient" },
  signature = { "Signature Block", "signature" },
  attachment = { "Attachment Mark", "attachment-mark" },
  caption = { "Caption Centered", "caption" },
  chart = { "Chart", "chart" },
  ["attachment-note"] = { "Attachment Note", "attachment-note" },
  note = { "Data Note", "note" },
}

local function known_class(el)
  for _, cls in ipairs(el.classes) do
    if blocks[cls] then return blocks[cls] end
  end
  return nil
end

function Div(el)
  local block = known_class(el)
  if not block then return nil end
  if FORMAT:match("docx") then
    el.attributes["custom-style"] = block[1]
    return el
  elseif FORMAT:match("typst") then
    local out = { pandoc.RawBlock("typst", "#" .. block[2] .. "[") }
    for _, inner in ipairs(el.content) do table.insert(out, inner) end
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

-- A paragraph holding only an image is a chart: centred, full width.
function Para(el)
  if #el.content == 1 and el.content[1].t == "Image" then
    local img = el.content[1]
    if not img.attributes["width"] then img.attributes["width"] = "100%" end
    if FORMAT:match("docx") then
      img.attributes["width"] = "15cm"
      return pandoc.Div({ pandoc.Para({ img }) }, { ["custom-style"] = "Chart" })
    elseif FORMAT:match("typst") then
      return {
        pandoc.RawBlock("typst", "#chart["),
        pandoc.Plain({ img }),
        pandoc.RawBlock("typst", "]"),
      }
    end
    return pandoc.Div({ pandoc.Para({ img }) }, { class = "chart" })
  end
  return nil
end

-- Evidence (核对明细) is for the HTML report only. In HTML each figure of a table
-- wrapped in ::: {.ev-table keys="id id …"} (one indicator id per body row)
-- links to #ev-<id>-value (本期, column 2) and #ev-<id>-prior (上年同期, column 3),
-- anchors of the section ::: {.evidence}. The PDF and DOCX get the plain table
-- and leave the section out; links written [15](#ev-…){.ev} become plain text.
local function ev_link(cell, key, span)
  local text = pandoc.utils.stringify(cell.contents)
  if text == "" or text == "—" then return end
  local inlines = pandoc.utils.blocks_to_inlines(cell.contents)
  cell.contents = { pandoc.Plain({ pandoc.Link(inlines, "#ev-" .. key .. "-" .. span, "", pandoc.Attr("", { "ev" })) }) }
end

local function link_table(el)
  local keys = {}
  for key in (el.attributes["keys"] or ""):gmatch("%S+") do table.insert(keys, key) end
  for _, blk in ipairs(el.content) do
    if blk.t == "Table" then
      for _, body in ipairs(blk.bodies) do
        for i, row in ipairs(body.body) do
          if keys[i] and #row.cells >= 3 then
            ev_link(row.cells[2], keys[i], "value")
            ev_link(row.cells[3], keys[i], "prior")
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
