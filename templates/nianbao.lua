-- nianbao's Pandoc filter: the report's own blocks, for every output format.
-- Used by nianbao's built-in renderer and listed in _quarto.yml for Quarto.
--   ::: {.recipient}   主送机关 line, flush left
--   ::: {.signature}   issuer and date, right-hand blocks under the body
--   ::: {.attachment}  the 附件 mark; the attachment starts on a new page
--   ::: {.caption}     a table or figure title, centred
--   ::: {.chart}       a chart image, centred
--   ::: {.note}        the data note, in the table's smaller size
--   # Title {.attachment-title}   the attachment's title
local docx_styles = {
  recipient = "Recipient",
  signature = "Signature Block",
  attachment = "Attachment Mark",
  caption = "Caption Centered",
  chart = "Chart",
  ["attachment-note"] = "Attachment Note",
  note = "Data Note",
}
local typst_functions = {
  recipient = "recipient",
  signature = "signature",
  attachment = "attachment-mark",
  caption = "caption",
  chart = "chart",
  ["attachment-note"] = "attachment-note",
  note = "note",
}

local function known_class(el, map)
  for _, cls in ipairs(el.classes) do
    if map[cls] then return cls end
  end
  return nil
end

function Div(el)
  if FORMAT:match("docx") then
    local cls = known_class(el, docx_styles)
    if cls then
      el.attributes["custom-style"] = docx_styles[cls]
      return el
    end
  elseif FORMAT:match("typst") then
    local cls = known_class(el, typst_functions)
    if cls then
      local out = { pandoc.RawBlock("typst", "#" .. typst_functions[cls] .. "[") }
      for _, block in ipairs(el.content) do table.insert(out, block) end
      table.insert(out, pandoc.RawBlock("typst", "]"))
      return out
    end
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
