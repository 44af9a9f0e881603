//! Notices above the panels: every error a user can meet, and the notes worth saying, through
//! one typed path. A notice says in one sentence what happened and what it means; technical
//! details wait behind a disclosure. It holds a [`Note`], not text: the bar words it when it
//! shows it, so it follows a switch of language.

use leptos::prelude::*;

use super::note::Note;
use crate::attacks::AttackError;
use crate::worker::protocol::{PartError, Problem, Say};

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
    pub note: Note,
    /// Technical details, as the library or the browser gave them (English).
    pub detail: Option<String>,
}

impl Notice {
    /// An error.
    pub fn error(note: impl Into<Note>) -> Self {
        Self {
            level: Level::Error,
            note: note.into(),
            detail: None,
        }
    }

    /// A note.
    pub fn info(note: impl Into<Note>) -> Self {
        Self {
            level: Level::Info,
            note: note.into(),
            detail: None,
        }
    }

    /// The same notice with technical details.
    pub fn with_detail(self, detail: impl Into<String>) -> Self {
        Self {
            detail: Some(detail.into()),
            ..self
        }
    }
}

impl From<Problem> for Notice {
    fn from(problem: Problem) -> Self {
        Self {
            level: Level::Error,
            note: Note::Said(problem.summary),
            detail: problem.detail,
        }
    }
}

impl From<PartError> for Notice {
    fn from(e: PartError) -> Self {
        Notice::error(Say::Part(e))
    }
}

impl From<AttackError> for Notice {
    /// Settings the attack refuses: the parameter out of its range, or a target to choose.
    fn from(e: AttackError) -> Self {
        match e {
            AttackError::NeedsTarget(method) => Notice::error(Note::NeedsTarget(method)),
            other => Problem::of_attack(&other).into(),
        }
    }
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

    /// Shows a notice.
    pub fn show(&self, notice: impl Into<Notice>) {
        self.current.set(Some(notice.into()));
    }

    /// Shows an error without details.
    pub fn error(&self, note: impl Into<Note>) {
        self.show(Notice::error(note));
    }

    /// Shows a note.
    pub fn info(&self, note: impl Into<Note>) {
        self.show(Notice::info(note));
    }

    /// Shows the error of a result that failed, if it did.
    pub fn report<E: Into<Notice>>(&self, result: Result<(), E>) {
        if let Err(e) = result {
            self.show(e);
        }
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
                    <span class="summary">{move || t().word(&notice.note)}</span>
                    {notice.detail.map(|d| view! {
                        <details class="detail">
                            <summary>{move || t().details}</summary>
                            <code>{d}</code>
                        </details>
                    })}
                    <button class="close" aria-label=move || t().close_notice on:click=move |_| notices.clear()>"×"</button>
                </div>
            }
        })
    }
}
