//! The share card: one PNG for a slide or a chat, drawn by the page itself (nothing is
//! uploaded). Original, amplified perturbation and adversarial image side by side at their
//! own pixels (a photo larger than [`PANEL`] is shown smaller), each with what the model sees,
//! and a line naming the model, the attack and its budget.

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::attack_run::AttackResult;
use super::browser;
use super::i18n::Texts;
use super::pixels::Pixels;

/// Space around the panels and between them, in pixels.
pub const MARGIN: u32 = 24;
pub const GAP: u32 = 16;
/// Height of the title line above the panels.
pub const TITLE: u32 = 28;
/// Height of the captions and the footer below the panels.
const BELOW: u32 = 64;
/// The longest side a panel shows at its own pixels; a larger image is scaled down to it.
pub const PANEL: u32 = 400;
/// How much the perturbation panel is amplified.
pub const AMPLIFY: f32 = 10.0;

/// The card as PNG bytes, in the page's language. `model` names the model (or ensemble) the
/// image was made on.
pub fn render(result: &AttackResult, model: &str, t: &Texts) -> Result<Vec<u8>, String> {
    let js_error = |e: wasm_bindgen::JsValue| format!("{e:?}");
    // The images as the page shows them (smaller copies of a large result).
    let (original, adversarial) = (&*result.shown_original, &*result.shown_adversarial);
    let (w, h) = (original.width, original.height);
    let scale = (PANEL as f64 / w.max(h) as f64).min(1.0);
    let (pw, ph) = (
        ((w as f64 * scale).round() as u32).max(1),
        ((h as f64 * scale).round() as u32).max(1),
    );
    let width = 2 * MARGIN + 3 * pw + 2 * GAP;
    let height = MARGIN + TITLE + ph + BELOW;
    let document = browser::document().ok_or("no document")?;
    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(js_error)?
        .unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(js_error)?
        .ok_or("no 2d context")?
        .unchecked_into();
    context.set_fill_style_str("#ffffff");
    context.fill_rect(0.0, 0.0, width as f64, height as f64);

    let outcome = &result.outcome;
    let (before, after) = (outcome.original_prediction, outcome.adversarial_prediction);
    let perturbation = Pixels::perturbation(original, adversarial, AMPLIFY);
    let panels: [(&Pixels, String); 3] = [
        (
            original,
            (t.card_caption)(t.original, before.name(), before.prob),
        ),
        (&perturbation, (t.perturbation)(AMPLIFY)),
        (
            adversarial,
            (t.card_caption)(t.adversarial, after.name(), after.prob),
        ),
    ];
    context.set_fill_style_str("#1f2a24");
    context.set_font("bold 16px system-ui, sans-serif");
    context
        .fill_text(
            &(t.card_title)(outcome.verdict().fooled),
            MARGIN as f64,
            (MARGIN + 14) as f64,
        )
        .map_err(js_error)?;
    context.set_font("13px system-ui, sans-serif");
    for (i, (pixels, caption)) in panels.iter().enumerate() {
        let x = MARGIN + i as u32 * (pw + GAP);
        let data = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
            wasm_bindgen::Clamped(&pixels.rgba),
            pixels.width,
            pixels.height,
        )
        .map_err(js_error)?;
        if scale >= 1.0 {
            context
                .put_image_data(&data, x as f64, (MARGIN + TITLE) as f64)
                .map_err(js_error)?;
        } else {
            // Through a canvas of its own size, drawn smaller (the browser smooths it).
            let own: HtmlCanvasElement = document
                .create_element("canvas")
                .map_err(js_error)?
                .unchecked_into();
            own.set_width(pixels.width);
            own.set_height(pixels.height);
            let own_context: CanvasRenderingContext2d = own
                .get_context("2d")
                .map_err(js_error)?
                .ok_or("no 2d context")?
                .unchecked_into();
            own_context
                .put_image_data(&data, 0.0, 0.0)
                .map_err(js_error)?;
            context
                .draw_image_with_html_canvas_element_and_dw_and_dh(
                    &own,
                    x as f64,
                    (MARGIN + TITLE) as f64,
                    pw as f64,
                    ph as f64,
                )
                .map_err(js_error)?;
        }
        context
            .fill_text_with_max_width(
                caption,
                x as f64,
                (MARGIN + TITLE + ph + 20) as f64,
                pw as f64,
            )
            .map_err(js_error)?;
    }
    let budget = if outcome.config.method.uses_eps() {
        format!("ε {}/255", outcome.config.eps)
    } else {
        format!("L2 {:.0}", outcome.distance.l2)
    };
    context.set_fill_style_str("#5d6b63");
    context
        .fill_text_with_max_width(
            &(t.card_footer)(
                model,
                (t.method_title)(outcome.config.method),
                &budget,
                outcome.distance.linf,
            ),
            MARGIN as f64,
            (MARGIN + TITLE + ph + 48) as f64,
            (width - 2 * MARGIN) as f64,
        )
        .map_err(js_error)?;

    browser::canvas_png(&canvas)
}
