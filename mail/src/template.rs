//! A campaign's text: Markdown with merge fields (`{{ first_name }}`,
//! `{{ progress("Yoga Basics") }}`), rendered by minijinja, then turned into
//! the message's plain text and HTML. Merge values are data, never markup:
//! Markdown's punctuation in them is escaped, and raw HTML in the body is
//! shown as text. An unknown field or a syntax error names its line.

use std::collections::BTreeMap;

use minijinja::{Environment, Error as JinjaError, State, UndefinedBehavior, Value};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};
use serde::Serialize;

/// The merge fields a body may use.
pub const FIELDS: &[&str] = &[
    "name",
    "first_name",
    "email",
    "store",
    "courses",
    "course_progress",
    "progress",
    "unsubscribe_url",
];

/// One recipient's values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Fields {
    /// The customer's name, else the part of the email before `@`.
    pub name: String,
    pub first_name: String,
    pub email: String,
    pub store: String,
    /// Enrolled courses' titles, by title.
    pub courses: Vec<String>,
    /// Progress in percent per course title.
    pub course_progress: BTreeMap<String, i64>,
    pub unsubscribe_url: String,
}

impl Fields {
    pub fn new(name: Option<&str>, email: &str, store: &str) -> Fields {
        let name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string());
        Fields {
            first_name: name
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string(),
            name,
            email: email.to_string(),
            store: store.to_string(),
            ..Fields::default()
        }
    }
}

/// A template that does not render: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part} line {line}: {message}")]
pub struct TemplateError {
    /// `subject` or `body`.
    pub part: &'static str,
    pub line: usize,
    pub message: String,
}

/// What a recipient gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    /// The HTML body's content (links already rewritten by `link`).
    pub html: String,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Values are data: Markdown punctuation in them is escaped.
    env.set_formatter(|out, _state, value| {
        let text = value.to_string();
        let mut escaped = String::with_capacity(text.len());
        for c in text.chars() {
            if "\\`*_[]()#+-!<>|{}~".contains(c) {
                escaped.push('\\');
            }
            escaped.push(if c == '\n' { ' ' } else { c });
        }
        out.write_str(&escaped).map_err(JinjaError::from)
    });
    env.add_function("progress", |state: &State, title: String| -> Value {
        state
            .lookup("course_progress")
            .and_then(|map| map.get_item(&Value::from(title)).ok())
            .filter(|v| !v.is_undefined())
            .unwrap_or(Value::from(0))
    });
    env
}

/// Checks a subject and body without a recipient: syntax, and that every
/// field is one of [`FIELDS`] (the error names the first unknown one and
/// its line).
pub fn check(subject: &str, body: &str) -> Result<(), TemplateError> {
    let env = environment();
    for (part, source) in [("subject", subject), ("body", body)] {
        let template = env
            .template_from_str(source)
            .map_err(|e| error(part, source, &e))?;
        let mut unknown: Vec<String> = template
            .undeclared_variables(false)
            .into_iter()
            .filter(|v| !FIELDS.contains(&v.as_str()))
            .collect();
        unknown.sort();
        if let Some(field) = unknown.first() {
            let line = source
                .lines()
                .position(|l| l.contains(field.as_str()))
                .map_or(1, |i| i + 1);
            return Err(TemplateError {
                part,
                line,
                message: format!(
                    "unknown merge field `{field}` (known: {})",
                    FIELDS.join(", ")
                ),
            });
        }
    }
    Ok(())
}

fn error(part: &'static str, source: &str, e: &JinjaError) -> TemplateError {
    let _ = source;
    TemplateError {
        part,
        line: e.line().unwrap_or(1),
        message: match e.detail() {
            Some(detail) => format!("{}: {detail}", e.kind()),
            None => e.kind().to_string(),
        },
    }
}

/// Renders a campaign for one recipient. `link` rewrites each link's
/// address (to a tracked one); `pixel` is the open pixel's address, if any.
/// Run [`check`] once first (per campaign, not per message): it names an
/// unknown field where rendering only says it is undefined.
pub fn render(
    subject: &str,
    body: &str,
    fields: &Fields,
    link: &dyn Fn(&str) -> String,
    pixel: Option<&str>,
) -> Result<Rendered, TemplateError> {
    let env = environment();
    let subject = env
        .render_str(subject, fields)
        .map_err(|e| error("subject", subject, &e))?;
    // A subject is one line; Markdown escapes mean nothing there.
    let subject = subject.replace('\\', "").replace(['\r', '\n'], " ");
    let markdown = env
        .render_str(body, fields)
        .map_err(|e| error("body", body, &e))?;
    let parser = Parser::new_ext(&markdown, Options::ENABLE_STRIKETHROUGH).map(|event| {
        match event {
            // Raw HTML is shown, not obeyed.
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::from(link(&dest_url)),
                title,
                id,
            }),
            other => other,
        }
    });
    let mut html_body = String::new();
    html::push_html(&mut html_body, parser);
    let unsubscribe = html_escape(&fields.unsubscribe_url);
    let mut html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>\
         <body style=\"font-family: sans-serif; line-height: 1.5; max-width: 40em\">{html_body}\
         <hr><p style=\"font-size: 0.85em; color: #667085\">{} · \
         <a href=\"{unsubscribe}\">Unsubscribe</a></p>",
        html_escape(&fields.store)
    );
    if let Some(pixel) = pixel {
        html.push_str(&format!(
            "<img src=\"{}\" width=\"1\" height=\"1\" alt=\"\">",
            html_escape(pixel)
        ));
    }
    html.push_str("</body></html>");
    let text = format!(
        "{}\n\n--\n{}\nUnsubscribe: {}\n",
        unescape_markdown(&markdown).trim_end(),
        fields.store,
        fields.unsubscribe_url
    );
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

/// The plain text part reads the Markdown source; the escapes added to
/// merge values are dropped there.
fn unescape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
            continue;
        }
        out.push(c);
    }
    out
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann() -> Fields {
        let mut fields = Fields::new(Some("Ann *Lee*"), "ann@x.test", "Yoga Studio");
        fields.course_progress.insert("Yoga Basics".into(), 40);
        fields.unsubscribe_url = "https://shop.test/unsubscribe/t".into();
        fields
    }

    #[test]
    fn merge_fields_render_as_data_in_text_and_html() {
        let body = "Hi {{ first_name }},\n\nYou are {{ progress(\"Yoga Basics\") }} % through. \
                    [Go on](https://shop.test/c/1) <script>x</script>";
        let rendered = render(
            "News for {{ name }}",
            body,
            &ann(),
            &|url| format!("https://t.test/?u={url}"),
            Some("https://t.test/o.gif"),
        )
        .unwrap();
        assert_eq!(rendered.subject, "News for Ann *Lee*");
        assert!(rendered.text.starts_with("Hi Ann,"), "{}", rendered.text);
        assert!(rendered.text.contains("40 % through"));
        assert!(
            rendered
                .text
                .contains("Unsubscribe: https://shop.test/unsubscribe/t")
        );
        assert!(
            rendered
                .html
                .contains("href=\"https://t.test/?u=https://shop.test/c/1\"")
        );
        assert!(
            rendered.html.contains("&lt;script&gt;"),
            "{}",
            rendered.html
        );
        assert!(!rendered.html.contains("<script>"));
        assert!(rendered.html.contains("o.gif"));
        let name = render("{{ name }}", "{{ name }}", &ann(), &|u| u.into(), None).unwrap();
        assert!(
            name.html.contains("Ann *Lee*"),
            "no emphasis from a name: {}",
            name.html
        );
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let error = check("Hi", "Hello\n\n{{ first_nme }}").unwrap_err();
        assert_eq!((error.part, error.line), ("body", 3));
        assert!(error.message.contains("first_nme"), "{error}");
        let error = check("Hi {{ name", "ok").unwrap_err();
        assert_eq!(error.part, "subject");
        assert!(check("{{ store }}", "{{ progress('x') }} {{ unsubscribe_url }}").is_ok());
    }
}
