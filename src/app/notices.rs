//! Notices above the panels: every error a user can meet, and the notes worth saying, through
//! one typed path. A notice says in one sentence what happened and what it means; technical
//! details wait behind a disclosure.

use leptos::prelude::*;

use crate::worker::protocol::{Problem, Say};

/// How a notice looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Info,
}

/// One notice.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub level: Level,
    /// Worded when shown, in the page's language at the time.
    pub summary: Say,
    pub detail: Option<String>,
}

/// The notice shown now (the newest replaces the one before).
#[derive(Clone, Copy)]
pub struct Notices {
    current: RwSignal<Option<Notice>>,
}

impl Notices {
    pub fn new() -> Self {
        Self {
            current: RwSignal::new(None),
        }
    }

    /// Shows a problem.
    pub fn error(&self, problem: Problem) {
        self.current.set(Some(Notice {
            level: Level::Error,
            summary: problem.summary,
            detail: problem.detail,
        }));
    }

    /// Shows a note.
    pub fn info(&self, text: impl Into<Say>) {
        self.current.set(Some(Notice {
            level: Level::Info,
            summary: text.into(),
            detail: None,
        }));
    }

    /// Removes the notice.
    pub fn clear(&self) {
        self.current.set(None);
    }
}

/// The notice bar.
#[component]
pub fn NoticeBar() -> impl IntoView {
    let notices = expect_context::<Notices>();
    let t = super::i18n::texts();
    move || {
        notices.current.get().map(|notice| {
            let class = match notice.level {
                Level::Error => "notice error",
                Level::Info => "notice info",
            };
            view! {
                <div class=class role="alert" data-testid="notice">
                    <span class="summary">{move || t().word(&notice.summary)}</span>
                    {notice.detail.map(|d| view! {
                        <details class="detail">
                            <summary>{t().details}</summary>
                            <code>{d}</code>
                        </details>
                    })}
                    <button class="close" aria-label=move || t().close_notice on:click=move |_| notices.clear()>"×"</button>
                </div>
            }
        })
    }
}
