//! Contracts as PDF: the document blocks laid out on A4 with an embedded (subset) CJK font.
//! The font file is a setting; a TrueType collection uses its Simplified Chinese face.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::Document;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use crate::components::contract_doc::Block;
use crate::error::AppError;

/// The loaded font: its bytes and the face index within a collection.
struct Loaded {
    path: PathBuf,
    data: Arc<Vec<u8>>,
    index: u32,
}

static FONT: OnceLock<Result<Loaded, String>> = OnceLock::new();

/// The face to use in a font file: in a collection, the first whose family ends in " SC"
/// (Simplified Chinese), else the first.
fn choose_face(data: &[u8]) -> Result<u32, String> {
    let mut first = None;
    for (i, f) in skrifa::FontRef::fonts(data).enumerate() {
        let Ok(f) = f else { continue };
        first.get_or_insert(i as u32);
        let family = f
            .localized_strings(skrifa::string::StringId::FAMILY_NAME)
            .english_or_first()
            .map(|s| s.to_string())
            .unwrap_or_default();
        if family.ends_with(" SC") {
            return Ok(i as u32);
        }
    }
    first.ok_or_else(|| "not a font file".to_string())
}

/// Checks a font file at start-up: readable, a font, and it has Chinese glyphs.
pub fn check_font(path: &Path) -> Result<(), String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let index = choose_face(&data)?;
    let font = FontRef::from_index(&data, index).map_err(|e| e.to_string())?;
    if font.charmap().map('合').is_none() {
        return Err(format!("{} has no Chinese glyphs", path.display()));
    }
    Ok(())
}

fn font(path: &Path) -> Result<&'static Loaded, AppError> {
    let loaded = FONT.get_or_init(|| {
        let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let index = choose_face(&data)?;
        Ok(Loaded {
            path: path.to_path_buf(),
            data: Arc::new(data),
            index,
        })
    });
    match loaded {
        Ok(l) if l.path == path => Ok(l),
        Ok(l) => Err(AppError::internal(format!(
            "contract font already loaded from {}",
            l.path.display()
        ))),
        Err(e) => Err(AppError::internal(format!("contract font: {e}"))),
    }
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const BODY: f32 = 9.5;

/// Measures text and breaks it into lines: CJK may break anywhere, Latin at spaces.
struct Metrics<'a> {
    font: FontRef<'a>,
}

impl Metrics<'_> {
    fn width(&self, text: &str, size: f32) -> f32 {
        let gm = self
            .font
            .glyph_metrics(Size::new(size), LocationRef::default());
        let cm = self.font.charmap();
        text.chars()
            .map(|c| {
                cm.map(c)
                    .and_then(|g| gm.advance_width(g))
                    .unwrap_or(size * 0.5)
            })
            .sum()
    }

    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            // Byte index in `line` after the last place it may break.
            let mut last_break: Option<usize> = None;
            for c in para.chars() {
                line.push(c);
                if self.width(&line, size) > max && line.chars().count() > 1 {
                    let cut = last_break
                        .filter(|b| *b > 0 && *b < line.len())
                        .unwrap_or(line.len() - c.len_utf8());
                    let rest = line.split_off(cut);
                    lines.push(line.trim_end().to_string());
                    line = rest.trim_start().to_string();
                    last_break = None;
                }
                if c == ' ' || !c.is_ascii() {
                    last_break = Some(line.len());
                }
            }
            lines.push(line);
        }
        lines
    }
}

/// Lays blocks out top to bottom, starting a new page when one is full.
struct Writer<'a> {
    doc: &'a mut Document,
    font: Font,
    metrics: Metrics<'a>,
    /// Lines drawn on the current page: (x, baseline y, size, text).
    page: Vec<(f32, f32, f32, String)>,
    rules: Vec<(f32, f32, f32)>,
    y: f32,
    footer: String,
    page_no: u32,
}

impl Writer<'_> {
    fn flush(&mut self) {
        self.page_no += 1;
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid size");
        let mut page = self.doc.start_page_with(settings);
        let mut s: Surface<'_> = page.surface();
        for (x, y, size, text) in self.page.drain(..) {
            s.draw_text(
                Point::from_xy(x, y),
                self.font.clone(),
                size,
                &text,
                false,
                TextDirection::Auto,
            );
        }
        for (x, y, w) in self.rules.drain(..) {
            let mut pb = PathBuilder::new();
            if let Some(r) = Rect::from_xywh(x, y, w, 0.6) {
                pb.push_rect(r);
            }
            if let Some(p) = pb.finish() {
                s.draw_path(&p);
            }
        }
        let footer = format!("{} · {}", self.footer, self.page_no);
        s.draw_text(
            Point::from_xy(MARGIN, PAGE_H - 30.0),
            self.font.clone(),
            7.0,
            &footer,
            false,
            TextDirection::Auto,
        );
        s.finish();
        page.finish();
        self.y = MARGIN;
    }

    fn room(&mut self, height: f32) {
        if self.y + height > PAGE_H - MARGIN {
            self.flush();
        }
    }

    fn text(&mut self, x: f32, width: f32, size: f32, text: &str) {
        for line in self.metrics.wrap(text, size, width) {
            self.room(size * 1.5);
            self.y += size * 1.5;
            self.page.push((x, self.y, size, line));
        }
    }

    /// A row of cells, each wrapped within its column; the row is as tall as its tallest cell.
    fn row(&mut self, cells: &[String], widths: &[f32], size: f32) {
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| self.metrics.wrap(c, size, w - 6.0))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        let height = lines as f32 * size * 1.4 + 4.0;
        self.room(height);
        let mut x = MARGIN;
        for (cell, w) in wrapped.iter().zip(widths) {
            for (i, line) in cell.iter().enumerate() {
                self.page.push((
                    x,
                    self.y + (i as f32 + 1.0) * size * 1.4,
                    size,
                    line.clone(),
                ));
            }
            x += w;
        }
        self.y += height;
    }

    fn block(&mut self, b: &Block) {
        let full = PAGE_W - 2.0 * MARGIN;
        match b {
            Block::Title(t) => {
                self.text(MARGIN, full, 15.0, t);
                self.y += 4.0;
                self.rules.push((MARGIN, self.y, full));
                self.y += 8.0;
            }
            Block::Heading(t) => {
                self.room(40.0);
                self.y += 6.0;
                self.text(MARGIN, full, 11.0, t);
                self.y += 2.0;
            }
            Block::Para(t) => {
                self.text(MARGIN, full, BODY, t);
                self.y += 3.0;
            }
            Block::Note(t) => {
                self.y += 2.0;
                self.text(MARGIN, full, 7.5, t);
            }
            Block::Pairs(rows) => {
                for (k, v) in rows {
                    self.row(&[k.clone(), v.clone()], &[full * 0.38, full * 0.62], BODY);
                }
                self.y += 4.0;
            }
            Block::Table { head, rows } => {
                let n = head.len().max(1) as f32;
                let widths = vec![full / n; head.len()];
                self.row(head, &widths, 8.5);
                self.rules.push((MARGIN, self.y, full));
                for r in rows {
                    self.row(r, &widths, 8.5);
                }
                self.rules.push((MARGIN, self.y, full));
                self.y += 6.0;
            }
        }
    }
}

/// The PDF of a document; `footer` (number and hash) is printed on every page.
pub fn render(font_path: &Path, blocks: &[Block], footer: &str) -> Result<Vec<u8>, AppError> {
    let loaded = font(font_path)?;
    let face = FontRef::from_index(&loaded.data[..], loaded.index)
        .map_err(|e| AppError::internal(format!("contract font: {e}")))?;
    let font = Font::new(krilla::Data::from(loaded.data.clone()), loaded.index)
        .ok_or_else(|| AppError::internal("contract font cannot be embedded"))?;
    let mut doc = Document::new();
    let mut w = Writer {
        doc: &mut doc,
        font,
        metrics: Metrics { font: face },
        page: Vec::new(),
        rules: Vec::new(),
        y: MARGIN,
        footer: footer.to_string(),
        page_no: 0,
    };
    for b in blocks {
        w.block(b);
    }
    w.flush();
    doc.finish()
        .map_err(|e| AppError::internal(format!("PDF: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_latin_at_spaces_and_cjk_anywhere() {
        let path = Path::new("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc");
        let Ok(data) = std::fs::read(path) else {
            eprintln!("skipped: no CJK font at {}", path.display());
            return;
        };
        let face = FontRef::from_index(&data, choose_face(&data).unwrap()).unwrap();
        let m = Metrics { font: face };
        let lines = m.wrap("the quick brown fox jumps over the lazy dog", 10.0, 60.0);
        assert!(lines.len() > 1);
        assert!(lines
            .iter()
            .all(|l| !l.starts_with(' ') && !l.ends_with(' ')));
        assert!(lines.iter().all(|l| m.width(l, 10.0) <= 60.0), "{lines:?}");
        assert_eq!(
            lines.join(" "),
            "the quick brown fox jumps over the lazy dog"
        );
        let cjk = m.wrap(
            "支付服务费率合同支付服务费率合同支付服务费率合同",
            10.0,
            50.0,
        );
        assert!(cjk.len() >= 4, "{cjk:?}");
        assert_eq!(
            cjk.concat(),
            "支付服务费率合同支付服务费率合同支付服务费率合同"
        );
    }
}
